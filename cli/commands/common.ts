import { InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../../config/errors";
import { StackFileError } from "../plan/stackFiles";

/** Exit codes shared by every command: 1 = a mandatory policy denies, 2 = the config (or input) is wrong. */
export const EXIT = { ok: 0, denied: 1, configError: 2 } as const;

export function parseInstant(value: string): Date {
  const instant = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(instant.getTime())) {
    throw new InvalidArgumentError(
      `expected an ISO-8601 time such as 2026-11-25T14:30:00Z, got "${value}"`,
    );
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
      process.stderr.write(`${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}
