import type { ParsedStackConfig } from "../../config/schema";
import { isUrgent } from "../../domain/change";
import type { DeployedState } from "../../domain/deployed";
import type { RollbackFlags } from "../commands/rollback";

/**
 * After a switch whose verification failed, the way back: the color and pin that were live before
 * the update, written as another rollback (same class and incident, so the policies judge it as
 * the same emergency). Only urgent switches are reverted automatically; a planned change that
 * fails verification waits for a person. Undefined when there is nothing to go back to.
 */
export function revertFlags(
  stack: string,
  before: DeployedState | undefined,
  config: ParsedStackConfig,
  now: Date,
): RollbackFlags | undefined {
  if (!before || !isUrgent(config.change.class)) return undefined;
  if (before.activeColor === config.activeColor) return undefined;
  const previousPin = before.releases[before.activeColor];
  return {
    stack,
    class: config.change.class,
    reason: `Revert: verification failed after "${config.change.reason}"`,
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
  ];
}
