import { InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../../config/errors";
import { StackFileError } from "../plan/stackFiles";
import { outputMask } from "../../contract/secrets";

/**
 * Exit codes shared by every command: 1 = a mandatory policy denies, 2 = the config or the input
 * (an option, a value) is wrong, 3 = the tool itself failed.
 */
export const EXIT = { ok: 0, denied: 1, configError: 2, internal: 3 } as const;

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

/** Config problems exit 2 with one line per problem; anything else propagates. */
export async function exitCodeOf(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StackFileError) {
      process.stderr.write(outputMask.mask(`${error.message}\n`));
      return EXIT.configError;
    }
    throw error;
  }
}
