import { ConfigError } from "../../config/errors";
import { StackFileError } from "../plan/stackFiles";
import { EXIT } from "../commands/common";

export interface InputIssue {
  /** The option or config key at fault, e.g. `--release` or `aitb:slots.blue.release`. */
  key: string;
  message: string;
}

/** A request the workflow cannot carry out as asked; nothing was written. */
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

/** Exit 2 with the message for bad input, config and stack-file problems; anything else propagates. */
export async function workflowExitCode(
  run: () => Promise<number>,
  err: (text: string) => void,
): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof InputError ||
      error instanceof ConfigError ||
      error instanceof StackFileError
    ) {
      err(`${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}
