import { otherColor, type Color } from "../../domain/colors";
import { nowMs, sleep } from "../clock";
import { runPrePromotion, type AnalysisSettings } from "./analyses";
import { faultedServices, type FaultCase } from "./faults";
import { failedResults, seconds, type FaultOutcome } from "./outcome";
import type { ScriptRun } from "./scripts";
import type { VerifySystem } from "./system";
import { startClientLoop, type ClientFigures } from "./traffic";

/** Pause between the user's requests during an attempt (about 100 requests a second). */
const CLIENT_PAUSE_MS = 10;
/** How long the user's traffic goes on after the attempt's verdict: where it lands then counts. */
const AFTER_VERDICT_MS = 1_000;

/**
 * A switch from blue to `target` attempted with the fault on `target`: the pre-promotion
 * analysis runs as the update runs it while a user's requests go through the proxy. Failing, it
 * refuses the switch; passing, the switch record moves (the fault was missed). The requests that
 * reached `target` are counted from nginx's access log.
 */
export async function faultBeforeSwitch(
  system: VerifySystem,
  fault: FaultCase,
  target: Color,
  analysisKey: string,
  settings: AnalysisSettings,
): Promise<FaultOutcome> {
  const services = faultedServices(fault, system.routed);
  const mark = system.proxy.mark();
  const client = startClientLoop(system.userUrls, CLIENT_PAUSE_MS);
  let injectedAt: number;
  let run: ScriptRun;
  let clientFigures: ClientFigures;
  try {
    await system.setFaults(target, services, fault.faults);
    injectedAt = nowMs();
    run = await runPrePromotion(system, target, analysisKey, settings);
    if (run.code !== 0 && run.code !== 1) {
      throw new Error(`the pre-promotion analysis ended with ${run.code}: ${run.stderr.trim()}`);
    }
    if (run.code === 0) system.switchTo(target);
    await sleep(AFTER_VERDICT_MS);
  } finally {
    clientFigures = await client.stop();
  }
  const refused = run.code === 1;
  const proxyLog = system.proxy.hitsSince(mark);
  const failed = failedResults(run.lines);
  return {
    fault: fault.id,
    label: fault.label,
    stage: "before-switch",
    injectedOn: { color: target, role: "target", services: [...services] },
    detected: refused,
    ...(failed.severity ? { severity: failed.severity } : {}),
    action: refused ? "switch refused" : "none",
    ...(refused ? { detectSeconds: seconds(injectedAt, run.endedAt) } : {}),
    caughtBy: refused ? failed.names : [],
    problems: failed.problems,
    requests: { proxyLog, toTarget: proxyLog.byColor[target], client: clientFigures },
    ...(refused
      ? {}
      : {
          note: `the pre-promotion checks passed with the fault on ${target}: the switch went ahead and ${proxyLog.byColor[target]} requests reached ${target} (${otherColor(target)} had ${proxyLog.byColor[otherColor(target)]})`,
        }),
  };
}
