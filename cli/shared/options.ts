import { InvalidArgumentError, Option } from "commander";

/** A full ISO-8601 time that names its offset: `Z` or `+hh:mm`. A bare wall-clock time is ambiguous. */
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parse an instant given on the command line. A time without an offset would be read in the
 * machine's zone and give another verdict under another `TZ`, so it is refused.
 */
export function parseInstant(value: string): Date {
  const match = ISO_WITH_OFFSET.exec(value.trim());
  const instant = new Date(value.trim());
  if (!match || Number.isNaN(instant.getTime())) {
    const hint = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value.trim())
      ? "; add the offset (Z for UTC, or e.g. -05:00 for New York in winter), the machine's time zone is never assumed"
      : "";
    throw new InvalidArgumentError(
      `expected an ISO-8601 time with offset such as 2026-11-25T14:30:00Z, got "${value}"${hint}`,
    );
  }
  const [, year, month, day, hour, minute, second] = match;
  const fields = new Date(Date.UTC(+year, +month - 1, +day, +hour, +minute, +(second ?? 0)));
  if (
    fields.getUTCFullYear() !== +year ||
    fields.getUTCMonth() !== +month - 1 ||
    fields.getUTCDate() !== +day ||
    +hour > 23 ||
    +minute > 59 ||
    +(second ?? 0) > 59
  ) {
    throw new InvalidArgumentError(`"${value}" is not a real calendar time`);
  }
  return instant;
}

export function stackOption(): Option {
  return new Option("-s, --stack <name>", "stack name (dev, staging, prod)").makeOptionMandatory();
}
