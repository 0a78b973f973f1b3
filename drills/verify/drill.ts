import * as fs from "node:fs";
import type { AnalysisSpec } from "../../components/health/analysis";
import type { CheckSettings } from "../../components/health/gateChecks";
import type { Color } from "../../domain/colors";
import { withCleanup, type Started } from "../cleanup";
import { nowMs } from "../clock";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { DrillOptionError, requireInteger, withoutHooks } from "../options";
import { runCommand } from "../processes";
import { stackConfig } from "../stack";
import { nginxBinary } from "../tools";
import { faultAfterSwitch } from "./afterSwitch";
import { runStartStateChecks, type AnalysisSettings } from "./analyses";
import { faultBeforeSwitch } from "./beforeSwitch";
import {
  FAULT_CASES,
  FAULT_IDS,
  VERIFY_ANALYSIS,
  VERIFY_CHECK_SETTINGS,
  type FaultId,
} from "./faults";
import { describeFailures, type FaultOutcome } from "./outcome";
import { startSystem, type VerifySystem } from "./system";
import { waitForColor } from "./traffic";

export interface VerifyDrillOptions {
  host: string;
  /** The stack file whose services, releases and routes the drill runs. */
  stack: string;
  faults: FaultId[];
  /** How long the pre-promotion analysis retries a failing target (the update's gate timeout). */
  preTimeoutSeconds: number;
  /** How often the bots read the switch record, and how long their lease lives. */
  botPollMs: number;
  leaseTtlMs: number;
  log?: (line: string) => void;
  started?: Started;
}

export const VERIFY_DEFAULTS: Omit<VerifyDrillOptions, "log" | "started"> = {
  host: "127.0.0.1",
  stack: "dev",
  faults: [...FAULT_IDS],
  preTimeoutSeconds: 2,
  botPollMs: 20,
  leaseTtlMs: 2_000,
};

export const VERIFY_TARGETS = {
  /** After a switch: from detection to every route answering from the old color. */
  maxSecondsBackOnOld: 30,
} as const;

export interface VerifyTargets {
  /** Every fault failed the analysis of its stage. */
  everyFaultDetected: boolean;
  /** Before a switch: no request through the proxy reached the faulty target. */
  noRequestReachedFaultyTarget: boolean;
  /** After a switch: reverted, and traffic back on the old color within the limit of detection. */
  revertedInTime: boolean;
}

export interface VerifyDrillReport {
  drill: "verify";
  machine: Machine;
  nginx: string;
  stack: string;
  options: Omit<VerifyDrillOptions, "log" | "started">;
  checkSettings: CheckSettings;
  analysis: AnalysisSpec;
  outcomes: FaultOutcome[];
  /** Lines of nginx's error log at warn or worse. */
  nginxProblems: string[];
  seconds: number;
  targets: VerifyTargets;
}

/** The switch every fault is drilled on: from the stack's usual active color to the other. */
const FROM: Color = "blue";
const TO: Color = "green";

function validate(options: VerifyDrillOptions): void {
  assertLoopback(options.host, "--host");
  if (options.faults.length === 0) throw new DrillOptionError("no fault to drill");
  const unknown = options.faults.filter((id) => !(FAULT_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new DrillOptionError(
      `unknown fault ${unknown.join(", ")}; expected some of ${FAULT_IDS.join(", ")}`,
    );
  }
  requireInteger("--pre-timeout", options.preTimeoutSeconds, 0, 60);
}

/** No fault anywhere, blue live and routed, every check of both colors passing. */
async function healthyStart(system: VerifySystem, settings: AnalysisSettings): Promise<void> {
  await system.clearFaults();
  system.switchTo(FROM);
  await system.waitLiveBot(FROM, 10_000);
  await waitForColor(system.userUrls, FROM, 5_000);
  const run = await runStartStateChecks(system, FROM, settings, 10);
  if (run.code !== 0) {
    throw new Error(`the start state is not healthy: ${describeFailures(run.lines, run.stderr)}`);
  }
}

export function verifyTargets(outcomes: readonly FaultOutcome[]): VerifyTargets {
  const before = outcomes.filter((o) => o.stage === "before-switch");
  const after = outcomes.filter((o) => o.stage === "after-switch");
  return {
    everyFaultDetected: outcomes.every((o) => o.detected),
    noRequestReachedFaultyTarget: before.every((o) => o.requests?.toTarget === 0),
    revertedInTime: after.every(
      (o) =>
        o.action === "reverted" &&
        o.backOnOldSeconds !== undefined &&
        o.backOnOldSeconds <= VERIFY_TARGETS.maxSecondsBackOnOld,
    ),
  };
}

/**
 * Runs the verify drill: both colors' five services (reference services with fault switches),
 * their bots on the switch record and a file lease, and nginx serving the loopback target's site.
 * For each fault, from a healthy start with blue live: the fault on green before a switch to it,
 * judged by the pre-promotion analysis; then, from a healthy start again, a switch to green and
 * the fault after it, judged by the post-promotion analysis and reverted when it fails.
 */
export async function runVerifyDrill(options: VerifyDrillOptions): Promise<VerifyDrillReport> {
  validate(options);
  const log = options.log ?? (() => undefined);
  const nginx = nginxBinary();
  const config = stackConfig(options.stack);
  const measuredOn = machine();
  const settings: AnalysisSettings = {
    checks: VERIFY_CHECK_SETTINGS,
    analysis: VERIFY_ANALYSIS,
    preTimeoutSeconds: options.preTimeoutSeconds,
    perCheckTimeoutMs: 2_000,
  };
  const started = nowMs();
  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-verify-");
      // nginx's workers run as an unprivileged user when the drill runs as root: they stat the
      // switch record under this folder on every request.
      fs.chmodSync(folder, 0o755);
      const system = await startSystem(cleanup, folder, {
        host: options.host,
        nginx,
        config,
        botPollMs: options.botPollMs,
        leaseTtlMs: options.leaseTtlMs,
      });
      log(`nginx at ${system.proxy.endpoint}; both colors' services and bots started`);
      const run = `${process.pid}-${Date.now().toString(36)}`;
      const outcomes: FaultOutcome[] = [];
      for (const id of options.faults) {
        const fault = FAULT_CASES[id];
        await healthyStart(system, settings);
        log(`${fault.label}: on ${TO} before a switch to it`);
        outcomes.push(
          await faultBeforeSwitch(
            system,
            fault,
            TO,
            `aitb-drill-verify/${run}:${id}:before`,
            settings,
          ),
        );
        await healthyStart(system, settings);
        log(`${fault.label}: after a switch to ${TO}`);
        outcomes.push(
          await faultAfterSwitch(
            system,
            fault,
            TO,
            `aitb-drill-verify/${run}:${id}:after`,
            settings,
          ),
        );
      }
      await system.clearFaults();
      const nginxProblems = system.proxy
        .errorLog()
        .split("\n")
        .filter((line) => /\[(warn|error|crit|alert|emerg)\]/.test(line));
      return {
        drill: "verify" as const,
        machine: measuredOn,
        nginx: (await runCommand(nginx, ["-v"])).stderr.trim().replace(/^nginx version: /, ""),
        stack: options.stack,
        options: withoutHooks(options),
        checkSettings: VERIFY_CHECK_SETTINGS,
        analysis: VERIFY_ANALYSIS,
        outcomes,
        nginxProblems,
        seconds: Math.round(nowMs() - started) / 1000,
        targets: verifyTargets(outcomes),
      };
    },
    { started: options.started, log },
  );
}
