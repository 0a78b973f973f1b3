import { parseInstant } from "../../shared/options";
import { InputError } from "../../exitCodes";
import { isoInstant } from "../../shared/time";

const RELATIVE = /^\+?(\d{1,6})\s*(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Longer than any change record may live; the policies cap emergencies much lower. */
const MAX_EXPIRY_MS = 366 * UNIT_MS.d;

/**
 * An expiry given on the command line (`--expires`, `--extend`): an ISO-8601 time, or a duration
 * from `now` such as `2h`, `90m`, `1d`.
 */
export function parseExpiry(value: string, now: Date, key = "--expires"): string {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    if (ms > MAX_EXPIRY_MS) {
      throw new InputError("rollback", [
        {
          key,
          message: `"${value}" is more than a year away; an expiry is hours (e.g. 2h), never years`,
        },
      ]);
    }
    return isoInstant(new Date(now.getTime() + ms));
  }
  try {
    return isoInstant(parseInstant(value));
  } catch {
    throw new InputError("rollback", [
      {
        key,
        message: `"${value}" is neither an ISO-8601 time nor a duration; expected e.g. 2026-11-25T18:00:00Z or 2h`,
      },
    ]);
  }
}
