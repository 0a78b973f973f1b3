import { otherColor, type Color } from "../../domain/colors";
import { nowMs } from "../clock";
import { runPostPromotion, runPrePromotion, type AnalysisSettings } from "./analyses";
import { faultedServices, type FaultCase } from "./faults";
import {
  describeFailures,
  failedResults,
  problemSource,
  seconds,
  type FaultOutcome,
} from "./outcome";
import type { ScriptLine } from "./scripts";
import type { VerifySystem } from "./system";
import { waitForColor } from "./traffic";

/** How long the drill waits for traffic back on the old color before it calls the revert lost. */
const BACK_TIMEOUT_MS = 60_000;

/**
 * A healthy switch from the old color to `active` (the pre-promotion analysis passes and leaves
 * its baseline, the switch record moves, the new bot takes the lease), then the fault on
 * `active` (or, for a second live bot, on the standby) and the post-promotion analysis as the
 * update runs it. When it fails the switch record goes back to the old color, and the time until
 * every route answers from it is measured.
 */
export async function faultAfterSwitch(
  system: VerifySystem,
  fault: FaultCase,
  active: Color,
  analysisKey: string,
  settings: AnalysisSettings,
): Promise<FaultOutcome> {
  const old = otherColor(active);
  const pre = await runPrePromotion(system, active, analysisKey, settings);
  if (pre.code !== 0) {
    throw new Error(
      `the healthy ${active} was refused before the switch: ${describeFailures(pre.lines, pre.stderr)}`,
    );
  }
  system.switchTo(active);
  await system.waitLiveBot(active, 10_000);
  await waitForColor(system.userUrls, active, 5_000);

  const on = fault.afterSwitchOn === "active" ? active : old;
  const services = faultedServices(fault, system.routed);
  await system.setFaults(on, services, fault.faults);
  const injectedAt = nowMs();
  let firstFailed: ScriptLine | undefined;
  const run = await runPostPromotion(system, active, analysisKey, settings, (line) => {
    if (firstFailed === undefined && "measurement" in line.value && line.value.ok === false) {
      firstFailed = line;
    }
  });
  const verdict = run.lines.find((line) => "analysis" in line.value)?.value.analysis;
  if (verdict !== "passed" && verdict !== "failed") {
    throw new Error(
      `the post-promotion analysis gave no verdict (exit ${run.code}): ${run.stderr.trim()}`,
    );
  }
  const injected = {
    color: on,
    role: on === active ? ("active" as const) : ("standby" as const),
    services: [...services],
  };
  if (verdict === "passed" || firstFailed === undefined) {
    const warned = failedResults(run.lines);
    return {
      fault: fault.id,
      label: fault.label,
      stage: "after-switch",
      injectedOn: injected,
      detected: false,
      ...(warned.severity ? { severity: warned.severity } : {}),
      action: "none",
      caughtBy: [],
      problems: warned.problems,
      note: `the post-promotion analysis passed with the fault on ${on}: traffic stayed on ${active}`,
    };
  }
  const detectedAt = firstFailed.at;
  const problems = (firstFailed.value.problems as string[] | undefined) ?? [];
  // The update reverts by moving the switch record back; the drill does the same.
  system.switchTo(old);
  let backOnOldSeconds: number | undefined;
  let note: string | undefined;
  try {
    backOnOldSeconds = seconds(
      detectedAt,
      await waitForColor(system.userUrls, old, BACK_TIMEOUT_MS),
    );
  } catch (error) {
    note = (error as Error).message;
  }
  return {
    fault: fault.id,
    label: fault.label,
    stage: "after-switch",
    injectedOn: injected,
    detected: true,
    severity: "critical",
    action: "reverted",
    revertedTo: old,
    detectSeconds: seconds(injectedAt, detectedAt),
    caughtBy: [...new Set(problems.map(problemSource))],
    problems,
    ...(backOnOldSeconds !== undefined ? { backOnOldSeconds } : {}),
    ...(note ? { note } : {}),
  };
}
