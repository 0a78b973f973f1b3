import type { ParsedStackConfig } from "../../../config/schema";
import { isUrgent } from "../../../domain/change";
import type { DeployedState } from "../../../domain/deployed";
import type { RollbackFlags } from "../rollback";
import { CHANGE_TEXT_MAX } from "../../../config/grammar";

/**
 * After a switch whose analysis or verification failed, the way back: the color and pin that were
 * live before the update, written as another rollback that marks the release it leaves as failed
 * in aitb:releaseHistory. An urgent switch keeps its class and incident (the policies judge it as
 * the same emergency); a failed planned change is reverted as an immediate one (a critical failure
 * of what it promoted), and only when a person says so (`automatic` false). Undefined when there
 * is nothing to go back to.
 */
export function revertFlags(
  stack: string,
  before: DeployedState | undefined,
  config: ParsedStackConfig,
  now: Date,
  failed: string,
): (RollbackFlags & { automatic: boolean }) | undefined {
  if (!before) return undefined;
  if (before.activeColor === config.activeColor) return undefined;
  const previousPin = before.releases[before.activeColor];
  const urgent = isUrgent(config.change.class);
  const failedRelease = config.slots[config.activeColor].release;
  return {
    stack,
    automatic: urgent,
    class: urgent ? config.change.class : "immediate",
    ...(urgent ? {} : { trigger: "critical-failure-in-session" }),
    reason: oneLineText(`Revert: ${failed} after "${config.change.reason}"`),
    failedAnalysis: oneLineText(`${failedRelease} on ${config.activeColor}: ${failed}`),
    incident: config.change.incident ?? "unrecorded",
    requestedBy: config.change.requestedBy,
    to: before.activeColor,
    release: config.slots[before.activeColor].release !== previousPin ? previousPin : undefined,
    expires:
      config.change.expires && new Date(config.change.expires).getTime() > now.getTime()
        ? config.change.expires
        : undefined,
    now,
  };
}

/** The flags as a command line a person can run. */
export function rollbackArgs(flags: RollbackFlags): string[] {
  return [
    "aitb",
    "rollback",
    "--stack",
    flags.stack,
    "--class",
    flags.class,
    "--reason",
    flags.reason,
    "--incident",
    flags.incident,
    ...(flags.to ? ["--to", flags.to] : []),
    ...(typeof flags.release === "string" ? ["--release", flags.release] : []),
    ...(flags.expires ? ["--expires", flags.expires] : []),
    ...(flags.requestedBy ? ["--requested-by", flags.requestedBy] : []),
    ...(flags.trigger ? ["--trigger", flags.trigger] : []),
    ...(flags.failedAnalysis ? ["--failed-analysis", flags.failedAnalysis] : []),
  ];
}

/** Change-record text is one bounded line (config/grammar.ts CHANGE_TEXT_MAX). */
function oneLineText(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > CHANGE_TEXT_MAX ? `${line.slice(0, CHANGE_TEXT_MAX - 1)}…` : line;
}
