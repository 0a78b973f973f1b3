import { projectRoot } from "../../components/platform/projectRoot";
import { outputMask } from "../../contract/secrets";

/** Where a command reads the project from and writes to; tests pass their own. */
export interface CommandIo {
  /** The folder holding Pulumi.yaml and the stack files. */
  root: string;
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress lines redraw in place). */
  interactive: boolean;
  /** The real time, for what a command writes (a change record's `at`); tests pass a fixed one. */
  clock?: () => Date;
}

/**
 * Every command writes through this: the secrets of the stack files it read are masked by value
 * (contract/secrets.ts), in text, JSON and markdown alike.
 */
export function masked(write: (text: string) => void): (text: string) => void {
  return (text) => write(outputMask.mask(text));
}

export function processIo(): CommandIo {
  return {
    root: projectRoot(process.cwd()),
    out: masked((text) => process.stdout.write(text)),
    err: masked((text) => process.stderr.write(text)),
    interactive: process.stderr.isTTY === true,
    clock: () => new Date(),
  };
}
