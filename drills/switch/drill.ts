import * as http from "node:http";
import { COLORS, otherColor, type Color } from "../../domain/colors";
import { renderNginxConfig, routeTable, type Route } from "../../domain/routing";
import { withCleanup, type Started } from "../cleanup";
import { nowMs, sleepUntil } from "../clock";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { DrillOptionError, requireInteger, requireNumber, withoutHooks } from "../options";
import { freePort } from "../ports";
import { runCommand } from "../processes";
import { specWithActiveColor, stackConfig } from "../stack";
import { nginxBinary } from "../tools";
import { analyzeSwitchRun, type SwitchAnalysis, type SwitchEvent } from "./analyze";
import { CLIENT_KINDS, startLoad, type ClientKind, type Target } from "./load";
import { startNginx } from "./nginx";
import { listenOnLoopback } from "./site";
import { instanceKey, startServices, type Instance } from "./services";

export interface SwitchDrillOptions {
  switches: number;
  /** Requests per second, per client kind. */
  rps: number;
  /** Seconds of load during which the switches happen, evenly spaced. */
  durationS: number;
  /** Seconds of load before the first switch (the "before" latencies). */
  baselineS: number;
  /** Seconds over which the load ramps up before the baseline, left out of the latencies. */
  warmupS: number;
  /** Clients per keep-alive client kind, each holding up to 6 connections as a browser does. */
  clients: number;
  host: string;
  /** The stack file whose routes, ports and releases the drill serves. */
  stack: string;
  kinds: ClientKind[];
  /**
   * An experiment, not the product: serve the site with this client `keepalive_timeout` instead
   * of the generated one, to measure what the generated setting prevents.
   */
  proxyKeepalive?: string;
  log?: (line: string) => void;
  started?: Started;
}

export const SWITCH_DEFAULTS: Omit<SwitchDrillOptions, "log" | "started"> = {
  switches: 20,
  rps: 500,
  durationS: 20,
  baselineS: 5,
  warmupS: 2,
  clients: 16,
  host: "127.0.0.1",
  stack: "dev",
  kinds: [...CLIENT_KINDS],
};

export const SWITCH_TARGETS = { minRps: 500, newColorWithinMs: 1_000 } as const;

export interface SwitchTargets {
  /** Per client kind: no failed request. */
  zeroFailed: Record<string, boolean>;
  /** Every kind reached the rate the targets are set at. */
  rate: boolean;
  /** After every switch, all responses came from the new color within 1 s of the reload. */
  newColorWithin1s: boolean;
}

export interface SwitchDrillReport {
  drill: "switch";
  machine: Machine;
  nginx: string;
  stack: string;
  options: Omit<SwitchDrillOptions, "log" | "started">;
  analysis: SwitchAnalysis;
  /** Lines of nginx's error log at warn level or worse, after the run. */
  nginxProblems: string[];
  targets: SwitchTargets;
}

function validate(options: SwitchDrillOptions): void {
  requireInteger("--switches", options.switches, 1, 1_000);
  requireNumber("--rps", options.rps, 1, 20_000);
  requireNumber("--duration", options.durationS, 1, 3_600);
  requireNumber("--baseline", options.baselineS, 0.5, 600);
  requireNumber("--warmup", options.warmupS, 0, 600);
  requireInteger("--clients", options.clients, 1, 256);
  if ((options.durationS * 1000) / options.switches < SWITCH_TARGETS.newColorWithinMs) {
    throw new DrillOptionError(
      `--duration ${options.durationS} s for --switches ${options.switches} leaves less than 1 s per switch; expected --duration of at least ${options.switches} s`,
    );
  }
  if (options.kinds.length === 0) throw new DrillOptionError("no client kind to drive load with");
  if (options.proxyKeepalive !== undefined && !/^\d+(ms|s|m)?$/.test(options.proxyKeepalive)) {
    throw new DrillOptionError(
      `--proxy-keepalive is "${options.proxyKeepalive}"; expected an nginx time such as 65s or 0`,
    );
  }
  assertLoopback(options.host, "--host");
}

function get(host: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** Before any load: every route answers through the proxy from its service of the active color. */
async function checkRouting(
  host: string,
  port: number,
  targets: Target[],
  color: Color,
): Promise<void> {
  for (const target of targets) {
    const { status, body } = await get(host, port, target.path);
    const identity = JSON.parse(body) as { service?: string; color?: string };
    if (status !== 200 || identity.service !== target.service || identity.color !== color) {
      throw new Error(
        `the proxy answered ${target.path} with ${status} ${body}; expected ${target.service} of ${color}`,
      );
    }
  }
}

/** The site with another client keep-alive timeout (the `--proxy-keepalive` experiment). */
export function withClientKeepalive(site: string, timeout: string): string {
  const directive = /^( {4}keepalive_timeout )[^;]+;$/m;
  if (!directive.test(site)) {
    throw new Error("the generated site has no server-level keepalive_timeout to replace");
  }
  return site.replace(directive, `$1${timeout};`);
}

/**
 * Flips the active color N times under steady load, each time by rendering the router's site for
 * the new color and running the Docker target's write / nginx -t / graceful reload step.
 */
export async function runSwitchDrill(options: SwitchDrillOptions): Promise<SwitchDrillReport> {
  validate(options);
  const log = options.log ?? (() => undefined);
  const nginx = nginxBinary();
  const config = stackConfig(options.stack);
  const { host } = options;
  const measuredOn = machine();
  return withCleanup(
    async (cleanup) => {
      const instances: Instance[] = COLORS.flatMap((color) =>
        specWithActiveColor(config, color)
          .colors[color].services.filter((s) => s.settings.route !== undefined)
          .map((s) => ({ service: s.service, color, release: s.release })),
      );
      const prefix = cleanup.folder("aitb-drill-switch-");
      const services = await startServices(cleanup, { host, instances });
      const upstreamOf = (route: Route) => ({
        host: assertLoopback(host, `upstream of ${route.service}-${route.color}`),
        port: services.ports[instanceKey(route.service, route.color)],
      });
      const port = await freePort(host);
      const render = (color: Color): string => {
        const spec = specWithActiveColor(config, color);
        const site = listenOnLoopback(
          renderNginxConfig({
            routes: routeTable(spec),
            listenPort: port,
            activeColor: color,
            liveRelease: spec.colors[color].release,
            upstreamOf,
          }),
          host,
        );
        return options.proxyKeepalive === undefined
          ? site
          : withClientKeepalive(site, options.proxyKeepalive);
      };
      let color = config.activeColor;
      const proxy = await startNginx(cleanup, { nginx, prefix, site: render(color), host, port });
      const targets: Target[] = routeTable(specWithActiveColor(config, color)).map((route) => ({
        path: `${route.path}drill`,
        service: route.service,
      }));
      await checkRouting(host, port, targets, color);
      log(
        `nginx on ${host}:${port} routes to ${color}; load: ${options.rps} requests/s per client kind`,
      );

      const warmupMs = options.warmupS * 1000;
      const baselineMs = warmupMs + options.baselineS * 1000;
      const intervalMs = (options.durationS * 1000) / options.switches;
      const load = await startLoad(cleanup, {
        host,
        port,
        targets,
        kinds: options.kinds,
        rps: options.rps,
        clients: options.clients,
        rampMs: warmupMs,
        durationMs: baselineMs + options.durationS * 1000,
        timeoutMs: 5_000,
      });
      const events: SwitchEvent[] = [];
      for (let i = 0; i < options.switches; i++) {
        await sleepUntil(load.startedAt + baselineMs + i * intervalMs);
        color = otherColor(color);
        const timing = await proxy.applySite(render(color));
        events.push({ to: color, ...timing });
        log(
          `switch ${i + 1}/${options.switches} to ${color}: reload step ${Math.round(timing.endedAt - timing.startedAt)} ms`,
        );
      }
      const records = await load.results();
      const loadEnd = nowMs();
      services.stop();
      const analysis = analyzeSwitchRun({
        records,
        targets,
        switches: events,
        window: {
          loadStart: load.startedAt,
          baselineStart: load.startedAt + warmupMs,
          baselineEnd: load.startedAt + baselineMs,
          loadEnd: Math.min(loadEnd, load.startedAt + baselineMs + options.durationS * 1000),
        },
      });
      const nginxProblems = proxy
        .errorLog()
        .split("\n")
        .filter((line) => /\[(warn|error|crit|alert|emerg)\]/.test(line));
      return {
        drill: "switch" as const,
        machine: measuredOn,
        nginx: (await runCommand(nginx, ["-v"])).stderr.trim().replace(/^nginx version: /, ""),
        stack: options.stack,
        options: withoutHooks(options),
        analysis,
        nginxProblems,
        targets: {
          zeroFailed: Object.fromEntries(analysis.kinds.map((k) => [k.kind, k.failed === 0])),
          rate: analysis.kinds.every((k) => k.rps >= SWITCH_TARGETS.minRps),
          newColorWithin1s: analysis.switches.every(
            (s) => s.allNewMs !== undefined && s.allNewMs <= SWITCH_TARGETS.newColorWithinMs,
          ),
        },
      };
    },
    { started: options.started, log },
  );
}
