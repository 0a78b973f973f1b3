import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import type { CommandIo } from "../../cli/shared/io";

export const REPO = path.resolve(__dirname, "../..");

/** A project folder holding copies of the repository's Pulumi.yaml and stack files. */
export function tempProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-workflow-"));
  for (const file of [
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.staging.yaml",
    "Pulumi.prod.yaml",
  ]) {
    fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
  }
  return dir;
}

export function removeProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface CapturedIo extends CommandIo {
  stdout(): string;
  stderr(): string;
}

/** `clock` is the real time the command sees (what it writes into a change record's `at`). */
export function captureIo(root: string, clock?: () => Date): CapturedIo {
  let out = "";
  let err = "";
  return {
    root,
    interactive: false,
    clock,
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    stdout: () => out,
    stderr: () => err,
  };
}

export function stackFile(dir: string, stack: string): string {
  return path.join(dir, `Pulumi.${stack}.yaml`);
}

/** The `config` mapping of a stack file. */
export function configOf(text: string): Record<string, unknown> {
  return (parse(text) as { config: Record<string, unknown> }).config;
}
