import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ParsedStackConfig } from "../../config/schema";
import { FAULTS_PATH, type Faults } from "../../contract/tradingChecks";
import { loopbackSite } from "../../components/platform/loopback/LoopbackPlatform";
import { DRAIN_FLAG, writeSwitchRecord } from "../../components/platform/switchRecord";
import type { ServiceHandle } from "../../components/platform/types";
import { COLORS, otherColor, type Color } from "../../domain/colors";
import type { DeploymentSpec } from "../../domain/deployment";
import { routedServices, routeTable } from "../../domain/routing";
import type { ServiceName } from "../../domain/services";
import { encodeSwitchRecord } from "../../domain/switchRecord";
import type { Cleanup } from "../cleanup";
import { nowMs, sleep } from "../clock";
import { freePort } from "../ports";
import { specWithActiveColor } from "../stack";
import { instanceKey, startServices } from "../switch/services";
import { colorsByAddress, startLoggingProxy, type LoggingProxy } from "./proxy";

/** The running system the drill injects faults into: both colors, their bots, the proxy. */
export interface VerifySystem {
  cleanup: Cleanup;
  host: string;
  proxy: LoggingProxy;
  /** One ordinary path per public route, through the proxy: what a user's requests look like. */
  userUrls: string[];
  /** The deployment after a switch to `active` (aitb:activeColor set to it). */
  specOf(active: Color): DeploymentSpec;
  /** Each color's services in the spec's order, as the checks are built from them. */
  handles: Record<Color, ServiceHandle[]>;
  /** Folder the check scripts use as TMPDIR: their baselines stay inside the drill's folder. */
  scriptTmpDir: string;
  switchTo(color: Color): void;
  /** Replaces the faults of these services of a color (`{}` clears them). */
  setFaults(color: Color, services: readonly ServiceName[], faults: Faults): Promise<void>;
  clearFaults(): Promise<void>;
  /** Waits until `color`'s bot says it is live and the other's says it is not. */
  waitLiveBot(color: Color, timeoutMs: number): Promise<void>;
  /** The services behind a public route. */
  routed: ServiceName[];
}

export interface SystemOptions {
  host: string;
  nginx: string;
  config: ParsedStackConfig;
  botPollMs: number;
  leaseTtlMs: number;
}

/** A service as the checks see it, reached directly as on the loopback target: its URLs only. */
function handleAt(base: string, healthPath: string): ServiceHandle {
  return {
    // The checks read only the URLs; no Pulumi resource stands behind a drill's process.
    resource: undefined as never,
    healthUrl: pulumi.output(`${base}${healthPath}`),
    probeUrl: (probePath) => pulumi.output(`${base}${probePath}`),
    directUrl: (anyPath) => pulumi.output(`${base}${anyPath}`),
  };
}

async function postFaults(url: string, faults: Faults): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
    signal: AbortSignal.timeout(2_000),
  });
  if (response.status !== 200) {
    throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  }
}

async function tradingMode(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { tradingMode?: string }).tradingMode;
  } catch {
    return undefined;
  }
}

/**
 * Starts, under `folder`: all five services of each color as reference services with fault
 * switches on (one process per color), the bots reading the switch record and sharing a file
 * lease, and nginx serving the loopback target's site. The switch record names blue.
 */
export async function startSystem(
  cleanup: Cleanup,
  folder: string,
  options: SystemOptions,
): Promise<VerifySystem> {
  const { host, config } = options;
  const specOf = (active: Color) => specWithActiveColor(config, active);
  const spec = specOf("blue");
  const switchDir = path.join(folder, "switch");
  const switchTo = (color: Color) => {
    writeSwitchRecord(switchDir, encodeSwitchRecord({ activeColor: color }));
  };
  switchTo("blue");
  const scriptTmpDir = path.join(folder, "tmp");
  fs.mkdirSync(scriptTmpDir);

  const ports: Record<string, number> = {};
  for (const color of COLORS) {
    const services = await startServices(cleanup, `${color} services`, {
      host,
      instances: spec.colors[color].services.map((service) => ({
        service: service.service,
        color,
        release: service.release,
        faultSwitches: true,
        ...(service.service === "bot"
          ? {
              bot: {
                switchRecordDir: switchDir,
                tradingLease: `file:${path.join(folder, "lease", "live-trading.json")}`,
                standbyTradingMode: config.standbyTradingMode,
                switchPollMs: options.botPollMs,
                leaseTtlMs: options.leaseTtlMs,
                orderIntervalMs: 200,
              },
            }
          : {}),
      })),
    });
    Object.assign(ports, services.ports);
  }
  const baseOf = (service: ServiceName, color: Color) =>
    `http://${host}:${ports[instanceKey(service, color)]}`;
  const portsOf = (color: Color) =>
    spec.colors[color].services.map((s) => ports[instanceKey(s.service, color)]);

  const prefix = path.join(folder, "nginx");
  const port = await freePort(host);
  const proxy = await startLoggingProxy(cleanup, {
    nginx: options.nginx,
    prefix,
    host,
    port,
    site: loopbackSite({
      spec,
      host,
      port,
      upstreamPort: ({ service }, color) => ports[instanceKey(service, color)],
      switchRecordDir: switchDir,
      drainFlag: path.join(prefix, "conf.d", DRAIN_FLAG),
      clientKeepaliveSeconds: config.proxy.clientKeepaliveSeconds,
    }),
    colorAt: colorsByAddress(host, { blue: portsOf("blue"), green: portsOf("green") }),
  });

  const handles = Object.fromEntries(
    COLORS.map((color) => [
      color,
      spec.colors[color].services.map((s) =>
        handleAt(baseOf(s.service, color), s.settings.healthPath),
      ),
    ]),
  ) as Record<Color, ServiceHandle[]>;
  // Service settings are the same for both colors.
  const botHealthPath =
    spec.colors.blue.services.find((s) => s.service === "bot")?.settings.healthPath ?? "/health";
  const botHealth = (color: Color) => `${baseOf("bot", color)}${botHealthPath}`;

  return {
    cleanup,
    host,
    proxy,
    userUrls: routeTable(spec).map((route) => `${proxy.endpoint}${route.path}drill`),
    specOf,
    handles,
    scriptTmpDir,
    switchTo,
    routed: routedServices(spec).map((routed) => routed.service),
    async setFaults(color, services, faults) {
      await Promise.all(
        services.map((service) => postFaults(`${baseOf(service, color)}${FAULTS_PATH}`, faults)),
      );
    },
    async clearFaults() {
      await Promise.all(
        COLORS.flatMap((color) =>
          spec.colors[color].services.map((s) =>
            postFaults(`${baseOf(s.service, color)}${FAULTS_PATH}`, {}),
          ),
        ),
      );
    },
    async waitLiveBot(color, timeoutMs) {
      const deadline = nowMs() + timeoutMs;
      for (;;) {
        const [mine, other] = await Promise.all([
          tradingMode(botHealth(color)),
          tradingMode(botHealth(otherColor(color))),
        ]);
        if (mine === "live" && other !== "live") return;
        if (nowMs() > deadline) {
          throw new Error(
            `the ${color} bot did not take over in ${timeoutMs} ms: ${color} ${mine ?? "no answer"}, ${otherColor(color)} ${other ?? "no answer"}`,
          );
        }
        await sleep(20);
      }
    },
  };
}
