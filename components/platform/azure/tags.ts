import { LABEL, type Role } from "../../../domain/labels";
import type { ServiceSpec } from "../../../domain/deployment";

/** Azure tag values are at most 256 characters. */
const MAX_TAG_VALUE = 256;

/** The LABEL keys as Azure tags: every resource that takes tags carries its role and stack. */
export function tagsFor(
  stack: string,
  role: Role,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const tags: Record<string, string> = { [LABEL.role]: role, [LABEL.stack]: stack };
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) tags[key] = value.slice(0, MAX_TAG_VALUE);
  }
  return tags;
}

/**
 * Tags of one color's service: color, service, release. No trading mode: a bot's mode is the
 * switch record's and the lease's at run time, so no tag changes on a switch.
 */
export function serviceTags(stack: string, spec: ServiceSpec): Record<string, string> {
  return tagsFor(stack, "service", {
    [LABEL.color]: spec.color,
    [LABEL.service]: spec.service,
    [LABEL.release]: spec.release,
  });
}
