import type { Color } from "../../domain/colors";
import type { ChangeClass } from "../../domain/change";

export interface RestoreSwitchOptions {
  stack: string;
  /** The restored color to switch to. */
  color: Color;
  /** The change record of step 1: step 2 carries it on, so the policies judge the same change. */
  change: {
    class: ChangeClass;
    reason: string;
    incident?: string;
    requestedBy?: string;
    expires?: string;
    trigger?: string;
  };
  /** The stack file, when it is not Pulumi.<stack>.yaml. */
  config?: string;
  /** Step 1 was committed on the rollback's branch (`--commit`): step 2 goes on the same branch. */
  commit?: boolean;
}

/**
 * Step 2 of a full rollback with a restore, as arguments: the switch to the restored color with
 * the class, reason, incident, expiry, trigger and requester of step 1, so that it passes the
 * policies in a trading session as step 1 did.
 */
export function restoreSwitchArgs(options: RestoreSwitchOptions): string[] {
  const { change } = options;
  return [
    "aitb",
    "rollback",
    "--stack",
    options.stack,
    "--class",
    change.class,
    "--reason",
    change.reason,
    ...(change.incident ? ["--incident", change.incident] : []),
    "--to",
    options.color,
    ...(change.expires ? ["--expires", change.expires] : []),
    ...(change.trigger ? ["--trigger", change.trigger] : []),
    ...(change.requestedBy ? ["--requested-by", change.requestedBy] : []),
    ...(options.config ? ["--config", options.config] : []),
    ...(options.commit ? ["--commit"] : []),
  ];
}
