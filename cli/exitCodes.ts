import { CommanderError } from "commander";
import { ConfigError } from "../config/errors";
import { LoopbackError } from "../drills/loopback";
import { DrillOptionError } from "../drills/options";
import { MissingToolError } from "../drills/tools";
import { StackFileError } from "./engine/stackFiles";

/**
 * Exit codes shared by every command: 1 = a mandatory policy denies (a check fails, a drill misses
 * a target), 2 = the config or the input (an option, a value) is wrong, 3 = the tool itself failed.
 * This module is the one map from an error to its code; commands use no numbers of their own.
 */
export const EXIT = { ok: 0, denied: 1, configError: 2, internal: 3 } as const;

export interface InputIssue {
  /** The option or config key at fault, e.g. `--release` or `aitb:slots.blue.release`. */
  key: string;
  message: string;
}

/** A request the command cannot carry out as asked; nothing was written. */
export class InputError extends Error {
  constructor(
    readonly command: string,
    readonly issues: InputIssue[],
  ) {
    super(
      `aitb ${command}: nothing was changed (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((issue) => `  - ${issue.key}: ${issue.message}`).join("\n"),
    );
    this.name = "InputError";
  }
}

/**
 * Exit 2 with the message for bad input, config and stack-file problems, and a drill's bad option,
 * address off loopback or missing server; anything else propagates.
 */
export async function exitCodeOf(
  run: () => Promise<number>,
  err: (text: string) => void,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof InputError ||
      error instanceof ConfigError ||
      error instanceof StackFileError ||
      error instanceof DrillOptionError ||
      error instanceof LoopbackError ||
      error instanceof MissingToolError
    ) {
      err(`${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}

/** Help and version exit 0; every usage error exits 2 (commander has printed it); anything else 3. */
export function exitCodeOfError(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? EXIT.ok : EXIT.configError;
  }
  return EXIT.internal;
}
