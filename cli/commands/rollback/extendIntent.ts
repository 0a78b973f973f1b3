import type { ParsedStackConfig } from "../../../config/schema";
import { commandLine } from "../../../domain/quote";
import { InputError } from "../../exitCodes";
import type { RollbackIntent } from "./rollbackIntent";
import { isoInstant } from "../../shared/time";

export interface ExtendRequest {
  stack: string;
  /** The new expiry, already resolved from `--extend <duration>` against `writtenAt`. */
  expires: string;
  requestedBy: string;
  writtenAt: Date;
}

function refuse(message: string): never {
  throw new InputError("rollback", [{ key: "--extend", message }]);
}

/**
 * Renew the current emergency: the same class, reason, incident and trigger under a record
 * written now, with a new expiry and the requester who renews it. Nothing else changes.
 */
export function extendIntent(config: ParsedStackConfig, request: ExtendRequest): RollbackIntent {
  const change = config.change;
  if (change.class !== "emergency") {
    refuse(
      `the current change (aitb:change.class) is "${change.class}", not an emergency: only an emergency has an expiry to renew. Write a new change instead, e.g. ${commandLine(["aitb", "rollback", "--stack", request.stack, "--class", change.class, "--reason", "<why>", "--incident", "<id>"])}`,
    );
  }
  if (!change.incident) {
    refuse(
      "the emergency records no incident (aitb:change.incident), and its renewal keeps the incident; write a new emergency with aitb rollback --class emergency --incident <id> --expires <d>",
    );
  }
  if (new Date(request.expires).getTime() <= request.writtenAt.getTime()) {
    refuse(
      `"${request.expires}" is not after now (${isoInstant(request.writtenAt)}); expected a duration such as 2h`,
    );
  }
  const live = { color: config.activeColor, release: config.slots[config.activeColor].release };
  return {
    kind: "extend",
    from: live,
    target: live,
    engineRestores: {},
    change: {
      class: change.class,
      reason: change.reason,
      incident: change.incident,
      requestedBy: request.requestedBy,
      at: isoInstant(request.writtenAt),
      expires: request.expires,
      ...(change.trigger ? { trigger: change.trigger } : {}),
    },
    renews: { expires: change.expires },
    notes: [],
  };
}
