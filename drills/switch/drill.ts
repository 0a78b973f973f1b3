import * as fs from "node:fs";
import * as path from "node:path";
import { COLORS, otherColor, type Color } from "../../domain/colors";
import {
  proxySite,
  renderNginxSite,
  upstreamName,
  type NginxSite,
  type RouteLocation,
} from "../../domain/nginxSite";
import { routedServices, routeTable } from "../../domain/routing";
import { encodeSwitchRecord, switchRecordOf } from "../../domain/switchRecord";
import { DRAIN_AFTER_RELOAD_SECONDS } from "../../components/platform/docker/scripts";
import { writeSwitchRecord } from "../../components/platform/switchRecord";
import { withCleanup, type Cleanup, type Started } from "../cleanup";
import { nowMs, sleep, sleepUntil } from "../clock";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { DrillOptionError, requireInteger, requireNumber, withoutHooks } from "../options";
import { freePort } from "../ports";
import { runCommand } from "../processes";
import { startPostgres } from "../restore/postgres";
import { specWithActiveColor, stackConfig } from "../stack";
import { nginxBinary, postgresBinDir } from "../tools";
import { analyzePhase, failureOf, type PhaseFigures, type Span, type SwitchEvent } from "./analyze";
import { auditLease, liveIntervals, overlapMs, sampleBots, type BotFigures } from "./bots";
import { CLIENT_KINDS, startLoad, type ClientKind, type Target } from "./load";
import { drainFlagOf, startNginx, type NginxProxy } from "./nginx";
import { instanceKey, startServices, type Instance } from "./services";
import { runWrk, wrkBinary, type WrkFigures } from "./wrk";

/**
 * How a switch reaches nginx. `switch-record`: the product, one rename of the switch record the
 * site reads per request, client keep-alive on. `reload`: the mechanism it replaced, kept here for
 * the comparison: a site per color with the color fixed in it and client keep-alive off, written
 * and gracefully reloaded by the Docker target's step.
 */
export const MECHANISMS = ["switch-record", "reload"] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface SwitchDrillOptions {
  /** Switches per load phase (one phase per client kind and mechanism). */
  switches: number;
  /** Seconds of load over which a phase's switches are spread, evenly, in `rounds` bursts. */
  durationS: number;
  /** Seconds of load without switches, spread over the `rounds` quiet stretches (the "before"). */
  baselineS: number;
  /** Bursts of switches per phase, each after a quiet stretch of baselineS / rounds seconds. */
  rounds: number;
  /** Seconds of load before the baseline, left out of the figures. */
  warmupS: number;
  /** Connections per client kind: each sends its next request when the last is answered. */
  connections: number;
  host: string;
  /** The stack file whose routes, releases and proxy settings the drill serves. */
  stack: string;
  kinds: ClientKind[];
  /** Also drive a phase with wrk (keep-alive, no retry, the highest rate). */
  wrk: boolean;
  mechanisms: Mechanism[];
  /** Site changes (a route added, then removed) under load, each a drained reload. */
  siteChanges: number;
  /** Client keep-alive timeout of the site; default the stack's aitb:proxy.clientKeepaliveSeconds. */
  keepaliveSeconds?: number;
  /** How often the bots read the record, how long their lease lives, how often they order. */
  botPollMs: number;
  leaseTtlMs: number;
  orderIntervalMs: number;
  /** How often both bots' mode and lease are sampled. */
  sampleEveryMs: number;
  log?: (line: string) => void;
  started?: Started;
}

export const SWITCH_DEFAULTS: Omit<SwitchDrillOptions, "log" | "started"> = {
  switches: 20,
  durationS: 10,
  baselineS: 5,
  rounds: 5,
  warmupS: 1,
  connections: 32,
  host: "127.0.0.1",
  stack: "dev",
  kinds: [...CLIENT_KINDS],
  wrk: true,
  mechanisms: [...MECHANISMS],
  siteChanges: 2,
  botPollMs: 10,
  leaseTtlMs: 3_000,
  orderIntervalMs: 10,
  sampleEveryMs: 10,
};

export const SWITCH_TARGETS = {
  /** Requests per second through nginx for the keep-alive kinds. */
  minKeepaliveRps: 10_000,
  worstLagMs: 10,
  p99Ratio: 1.2,
} as const;

/** wrk's figures as a phase: one row beside the recording client's kinds. */
export interface WrkPhase {
  kind: "wrk";
  label: string;
  before: WrkFigures;
  during: WrkFigures;
  failed: number;
  switches: number;
}

export interface MechanismFigures {
  mechanism: Mechanism;
  /** The site's client keep-alive timeout in this mechanism (0: off). */
  keepaliveSeconds: number;
  phases: PhaseFigures[];
  wrk?: WrkPhase;
}

export interface SiteChangeFigures {
  kind: ClientKind;
  changes: number;
  sent: number;
  failed: number;
  failures: Record<string, number>;
  rps: number;
  /** The reload step (drain for the keep-alive timeout, nginx -t, reload, drain end). */
  stepMs: number[];
}

export interface SwitchTargets {
  /** The switch record: no failed request of any kind (and none across site changes). */
  zeroFailed: boolean;
  keepaliveRps: boolean;
  lag: boolean;
  p99: boolean;
  oneLiveBot: boolean;
}

export interface SwitchDrillReport {
  drill: "switch";
  machine: Machine;
  /** Load averages when the drill ended: other work on the machine skews the figures. */
  loadAverageAtEnd: number[];
  nginx: string;
  postgres: string;
  stack: string;
  options: Omit<SwitchDrillOptions, "log" | "started">;
  mechanisms: MechanismFigures[];
  siteChanges?: SiteChangeFigures;
  bots: BotFigures;
  nginxProblems: string[];
  targets: SwitchTargets;
}

function validate(options: SwitchDrillOptions): void {
  requireInteger("--switches", options.switches, 1, 1_000);
  requireInteger("--rounds", options.rounds, 1, options.switches);
  requireNumber("--duration", options.durationS, 1, 3_600);
  requireNumber("--baseline", options.baselineS, 0.5, 600);
  requireNumber("--warmup", options.warmupS, 0, 600);
  requireInteger("--connections", options.connections, 1, 1_000);
  requireInteger("--site-changes", options.siteChanges, 0, 100);
  if (options.keepaliveSeconds !== undefined) {
    requireInteger("--keepalive", options.keepaliveSeconds, 1, 10);
  }
  if ((options.durationS * 1000) / options.switches < 250) {
    throw new DrillOptionError(
      `--duration ${options.durationS} s for --switches ${options.switches} leaves less than 0.25 s per switch; expected --duration of at least ${options.switches / 4} s`,
    );
  }
  if (options.kinds.length === 0 && !options.wrk) {
    throw new DrillOptionError("no client kind to drive load with");
  }
  if (options.mechanisms.length === 0) throw new DrillOptionError("no switch mechanism to drill");
  assertLoopback(options.host, "--host");
}

/** Milliseconds since the epoch of the machine's load averages, rounded. */
function loadAverage(): number[] {
  return machine().loadAverage;
}

interface Stage {
  cleanup: Cleanup;
  host: string;
  port: number;
  proxy: NginxProxy;
  targets: Target[];
  switchTo: (color: Color) => Promise<SwitchEvent>;
  color: Color;
}

/**
 * Runs the switch drill: the stack's routed services of both colors and its two bots (reference
 * services; the bots on a lease in a private PostgreSQL), real nginx serving the site the
 * targets generate, and per client kind and mechanism a phase of load at the highest rate the
 * client reaches, with switches spread over it. Then site changes under load, each a drained
 * reload. Both bots are sampled throughout, and the lease's history and order log are audited.
 */
export async function runSwitchDrill(options: SwitchDrillOptions): Promise<SwitchDrillReport> {
  validate(options);
  const log = options.log ?? (() => undefined);
  const nginx = nginxBinary();
  const pgBin = postgresBinDir();
  const wrk = options.wrk ? wrkBinary() : undefined;
  const config = stackConfig(options.stack);
  const keepalive = options.keepaliveSeconds ?? config.proxy.clientKeepaliveSeconds;
  const { host } = options;
  const measuredOn = machine();
  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-switch-");
      // nginx's workers run as an unprivileged user when the drill runs as root: they stat the
      // switch record and the drain flag under this folder on every request.
      fs.chmodSync(folder, 0o755);
      const prefix = path.join(folder, "nginx");
      const switchDir = path.join(folder, "switch");
      const record = (color: Color) =>
        encodeSwitchRecord(switchRecordOf(specWithActiveColor(config, color)));
      let color = config.activeColor;
      writeSwitchRecord(switchDir, record(color));

      fs.mkdirSync(path.join(folder, "postgres"));
      const cluster = await startPostgres(cleanup, {
        folder: path.join(folder, "postgres"),
        host,
        user: "aitb",
        bin: pgBin,
      });
      await cluster.query(cluster.url("postgres"), "CREATE DATABASE aitb");
      const databaseUrl = cluster.url("aitb");

      const spec = specWithActiveColor(config, color);
      const routed = routedServices(spec);
      const ports: Record<string, number> = {};
      const stops: (() => void)[] = [];
      for (const c of COLORS) {
        const instances: Instance[] = routed.map(({ service }) => ({
          service,
          color: c,
          release: spec.colors[c].release,
        }));
        const services = await startServices(cleanup, `${c} services`, { host, instances });
        Object.assign(ports, services.ports);
        stops.push(services.stop);
      }
      const bots = await startServices(cleanup, "blue and green bots", {
        host,
        instances: COLORS.map((c) => ({
          service: "bot",
          color: c,
          release: spec.colors[c].release,
          bot: {
            switchRecordDir: switchDir,
            tradingLease: "postgres",
            databaseUrl,
            standbyTradingMode: config.standbyTradingMode,
            switchPollMs: options.botPollMs,
            leaseTtlMs: options.leaseTtlMs,
            orderIntervalMs: options.orderIntervalMs,
          },
        })),
      });
      stops.push(bots.stop);
      const botPorts = { blue: bots.ports["bot-blue"], green: bots.ports["bot-green"] };

      const port = await freePort(host);
      const drainFlag = drainFlagOf(prefix);
      /** The drill's only changes to the targets' site: loopback addresses and the record's folder. */
      const siteFor = (mechanism: Mechanism, active: Color, extraRoute = false): NginxSite => {
        const base = proxySite({
          spec: specWithActiveColor(config, active),
          listen: { host: assertLoopback(host, "the proxy's address"), port },
          upstreamOf: ({ service }, c) => ({
            host: assertLoopback(host, `upstream of ${service}-${c}`),
            port: ports[instanceKey(service, c)],
          }),
          switchRecordDir: switchDir,
          drainFlag,
          clientKeepaliveSeconds: keepalive,
        });
        const server = base.servers[0];
        const extra: RouteLocation[] = extraRoute
          ? [
              {
                kind: "route",
                path: "/drill-extra/",
                service: "webapp",
                upstreams: {
                  blue: upstreamName("webapp", "blue"),
                  green: upstreamName("webapp", "green"),
                },
                headers: [],
                access: [],
              },
            ]
          : [];
        return {
          ...base,
          servers: [
            mechanism === "switch-record"
              ? { ...server, locations: [...extra, ...server.locations] }
              : {
                  // What the site was before the switch record: the color fixed, keep-alive off.
                  ...server,
                  colorSource: { kind: "fixed", color: active },
                  clientKeepaliveSeconds: 0,
                  drainFlag: undefined,
                },
          ],
        };
      };
      const render = (mechanism: Mechanism, active: Color, extra = false) =>
        renderNginxSite(siteFor(mechanism, active, extra));

      const first = options.mechanisms[0];
      const proxy = await startNginx(cleanup, {
        nginx,
        prefix,
        site: render(first, color),
        host,
        port,
      });
      const targets: Target[] = routeTable(spec).map((route) => ({
        path: `${route.path}drill`,
        service: route.service,
      }));
      await waitLive(host, botPorts[color], 15_000);
      log(
        `nginx on ${host}:${port}; bots on ${botPorts.blue} and ${botPorts.green}; ${color} live`,
      );
      const sampler = sampleBots(host, botPorts, options.sampleEveryMs);
      const allSwitches: SwitchEvent[] = [];

      const mechanismFigures: MechanismFigures[] = [];
      let current: Mechanism = first;
      for (const mechanism of options.mechanisms) {
        if (mechanism !== current) {
          await proxy.applySite(render(mechanism, color));
          current = mechanism;
        }
        const switchTo = async (to: Color): Promise<SwitchEvent> => {
          const startedAt = nowMs();
          if (mechanism === "reload") await proxy.applySite(render("reload", to));
          writeSwitchRecord(switchDir, record(to));
          const event = { to, startedAt, endedAt: nowMs() };
          allSwitches.push(event);
          return event;
        };
        const stage: Stage = { cleanup, host, port, proxy, targets, switchTo, color };
        const phases: PhaseFigures[] = [];
        for (const kind of options.kinds) {
          log(`${mechanism}: ${kind}: ${options.switches} switches under load`);
          phases.push(await recordedPhase(stage, kind, options));
        }
        let wrkPhase: WrkPhase | undefined;
        if (wrk) {
          log(`${mechanism}: wrk: ${options.switches} switches under load`);
          wrkPhase = await wrkRun(stage, wrk, options);
        }
        color = stage.color;
        mechanismFigures.push({
          mechanism,
          keepaliveSeconds: mechanism === "reload" ? 0 : keepalive,
          phases,
          ...(wrkPhase ? { wrk: wrkPhase } : {}),
        });
      }

      let siteChanges: SiteChangeFigures | undefined;
      if (options.siteChanges > 0) {
        if (current !== "switch-record") await proxy.applySite(render("switch-record", color));
        log(`site changes: ${options.siteChanges} drained reloads under load`);
        siteChanges = await siteChangePhase(
          { cleanup, host, port, proxy, targets },
          options,
          keepalive,
          (extra) => render("switch-record", color, extra),
        );
      }

      const samples = await sampler.stop();
      const intervals = await liveIntervals(host, botPorts);
      const audit = await auditLease(cluster, databaseUrl, allSwitches);
      for (const stop of stops) stop();
      await sleep(200);

      const bots2: BotFigures = {
        ...audit,
        samples: samples.length,
        twoLive: samples.filter((s) => s.modes.blue === "live" && s.modes.green === "live").length,
        overlapMs: overlapMs(intervals, nowMs()),
      };
      const nginxProblems = proxy
        .errorLog()
        .split("\n")
        .filter((line) => /\[(warn|error|crit|alert|emerg)\]/.test(line));
      const product = mechanismFigures.find((m) => m.mechanism === "switch-record");
      const phases = product?.phases ?? [];
      const keepaliveRows = [
        ...phases.filter((p) => p.kind !== "close").map((p) => p.rps),
        ...(product?.wrk ? [product.wrk.during.rps] : []),
      ];
      return {
        drill: "switch" as const,
        machine: measuredOn,
        loadAverageAtEnd: loadAverage(),
        nginx: (await runCommand(nginx, ["-v"])).stderr.trim().replace(/^nginx version: /, ""),
        postgres: cluster.version,
        stack: options.stack,
        options: withoutHooks(options),
        mechanisms: mechanismFigures,
        ...(siteChanges ? { siteChanges } : {}),
        bots: bots2,
        nginxProblems,
        targets: {
          zeroFailed:
            product !== undefined &&
            phases.every((p) => p.failed === 0) &&
            (product.wrk?.failed ?? 0) === 0 &&
            (siteChanges?.failed ?? 0) === 0,
          keepaliveRps:
            keepaliveRows.length > 0 &&
            keepaliveRows.every((rps) => rps >= SWITCH_TARGETS.minKeepaliveRps),
          lag: phases.every((p) => p.worstLagMs < SWITCH_TARGETS.worstLagMs),
          p99: phases.every(
            (p) =>
              p.before.p99Ms !== undefined &&
              p.during.p99Ms !== undefined &&
              p.during.p99Ms <= SWITCH_TARGETS.p99Ratio * p.before.p99Ms,
          ),
          oneLiveBot:
            bots2.twoLive === 0 && bots2.overlapMs === 0 && bots2.ordersOutsideLease === 0,
        },
      };
    },
    { started: options.started, log },
  );
}

/** Waits until the bot on `port` reports live (the stack's active color at the start). */
async function waitLive(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://${host}:${port}/health`);
      const body = (await response.json()) as {
        tradingMode?: string;
        trading?: { problem?: string };
      };
      if (body.tradingMode === "live") return;
      if (Date.now() > deadline) {
        throw new Error(
          `the active color's bot did not go live: ${body.trading?.problem ?? "no reason given"}`,
        );
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(50);
  }
}

/** `count` switches evenly over `ms` from `from`. */
async function switchesOver(
  stage: Stage,
  from: number,
  count: number,
  ms: number,
): Promise<SwitchEvent[]> {
  const events: SwitchEvent[] = [];
  const interval = ms / count;
  for (let i = 0; i < count; i++) {
    await sleepUntil(from + i * interval);
    stage.color = otherColor(stage.color);
    events.push(await stage.switchTo(stage.color));
  }
  return events;
}

/** The rounds of a phase from `start`: a quiet stretch, then a burst of switches, each round. */
function roundsOf(
  start: number,
  options: SwitchDrillOptions,
): { quiet: Span; burst: Span; count: number }[] {
  const quietMs = (options.baselineS * 1000) / options.rounds;
  const burstMs = (options.durationS * 1000) / options.rounds;
  return Array.from({ length: options.rounds }, (_, r) => {
    const from = start + r * (quietMs + burstMs);
    const count =
      Math.floor(((r + 1) * options.switches) / options.rounds) -
      Math.floor((r * options.switches) / options.rounds);
    return {
      quiet: [from, from + quietMs] as const,
      burst: [from + quietMs, from + quietMs + burstMs] as const,
      count,
    };
  });
}

async function recordedPhase(
  stage: Stage,
  kind: ClientKind,
  options: SwitchDrillOptions,
): Promise<PhaseFigures> {
  const warmupMs = options.warmupS * 1000;
  const load = await startLoad(stage.cleanup, {
    host: stage.host,
    port: stage.port,
    targets: stage.targets,
    kind,
    connections: options.connections,
    durationMs: warmupMs + (options.baselineS + options.durationS) * 1000,
    timeoutMs: 5_000,
  });
  const rounds = roundsOf(load.startedAt + warmupMs, options);
  const switches: SwitchEvent[] = [];
  for (const round of rounds) {
    const [from, to] = round.burst;
    switches.push(...(await switchesOver(stage, from, round.count, to - from)));
  }
  const records = await load.results();
  return analyzePhase({
    records,
    targets: stage.targets,
    switches,
    window: { quiet: rounds.map((r) => r.quiet), switching: rounds.map((r) => r.burst) },
  });
}

async function wrkRun(stage: Stage, wrk: string, options: SwitchDrillOptions): Promise<WrkPhase> {
  const url = `http://${stage.host}:${stage.port}${stage.targets[0].path}`;
  const run = (seconds: number) =>
    runWrk(stage.cleanup, {
      wrk,
      url,
      connections: options.connections,
      seconds: Math.max(1, Math.ceil(seconds)),
      threads: 2,
    });
  if (options.warmupS > 0) await run(options.warmupS);
  const before = await run(options.baselineS);
  const duringRun = run(options.durationS);
  // wrk prints nothing until it ends: the switches start once its connections are up.
  await sleep(100);
  const switches = await switchesOver(stage, nowMs(), options.switches, options.durationS * 1000);
  const during = await duringRun;
  const errors = during.errors;
  return {
    kind: "wrk",
    label: "wrk, keep-alive, never retries (socket errors and non-2xx/3xx answers)",
    before,
    during,
    failed: errors.connect + errors.read + errors.write + errors.timeout + errors.status,
    switches: switches.length,
  };
}

async function siteChangePhase(
  stage: Omit<Stage, "switchTo" | "color">,
  options: SwitchDrillOptions,
  keepalive: number,
  render: (extraRoute: boolean) => string,
): Promise<SiteChangeFigures> {
  const kind: ClientKind = "keepalive";
  const perChangeMs = (keepalive + 1 + DRAIN_AFTER_RELOAD_SECONDS + 1) * 1000;
  const load = await startLoad(stage.cleanup, {
    host: stage.host,
    port: stage.port,
    targets: stage.targets,
    kind,
    connections: options.connections,
    durationMs: 1_000 + options.siteChanges * perChangeMs + 1_000,
    timeoutMs: 5_000,
  });
  await sleepUntil(load.startedAt + 1_000);
  const steps: number[] = [];
  for (let i = 0; i < options.siteChanges; i++) {
    const timing = await stage.proxy.applySite(render(i % 2 === 0), keepalive + 1);
    steps.push(Math.round(timing.endedAt - timing.startedAt));
  }
  const records = await load.results();
  const failures: Record<string, number> = {};
  let failed = 0;
  for (let i = 0; i < records.sentAt.length; i++) {
    const failure = failureOf(records, i, stage.targets);
    if (failure) {
      failed++;
      failures[failure] = (failures[failure] ?? 0) + 1;
    }
  }
  const seconds = (records.doneAt.at(-1) ?? load.startedAt) - load.startedAt;
  return {
    kind,
    changes: options.siteChanges,
    sent: records.sentAt.length,
    failed,
    failures,
    rps: Math.round(records.sentAt.length / Math.max(0.001, seconds / 1000)),
    stepMs: steps,
  };
}
