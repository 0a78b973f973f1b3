import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { commandLine } from "../../domain/quote";
import { InputError } from "../exitCodes";
import { findPulumi } from "./pulumiCli";

/** A stack's outputs as `pulumi stack output --json` prints them: output name → value. */
export type StackOutputs = Record<string, unknown>;

export interface OutputsSource {
  stack: string;
  /** Folder of Pulumi.yaml: `pulumi stack output` runs there, `--outputs` is read relative to it. */
  root: string;
  /** Outputs the caller already read (`aitb up`: the Automation API's). */
  outputs?: StackOutputs;
  /** `--outputs <file>`. */
  outputsFile?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ReadOutputs {
  outputs: StackOutputs;
  /** Where they came from, for the report. */
  origin: string;
}

const PULUMI_OUTPUT_TIMEOUT_MS = 60_000;

/** The Automation API's `stack.outputs()` (name → `{ value, secret }`) as plain values. */
export function outputValues(map: Record<string, { value: unknown }>): StackOutputs {
  return Object.fromEntries(Object.entries(map).map(([name, output]) => [name, output.value]));
}

function howToGive(stack: string): string {
  return `pulumi up the stack first, or pass --outputs <file> made with ${commandLine(["pulumi", "stack", "output", "--json", "--stack", stack])} > outputs.json`;
}

function noOutputs(stack: string, why: string): InputError {
  return new InputError("verify", [
    {
      key: "--outputs",
      message: `no outputs of stack ${stack} to take the check URLs from (${why}); ${howToGive(stack)}`,
    },
  ]);
}

function isOutputs(value: unknown): value is StackOutputs {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readOutputsFile(source: OutputsSource, file: string): ReadOutputs {
  const full = path.resolve(source.root, file);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (error) {
    throw noOutputs(source.stack, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw noOutputs(source.stack, `${file} is not JSON`);
  }
  if (!isOutputs(parsed)) throw noOutputs(source.stack, `${file} is not a JSON object`);
  return { outputs: parsed, origin: file };
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find(Boolean) ?? ""
  );
}

function runPulumiOutput(pulumi: string, source: OutputsSource): Promise<ReadOutputs> {
  const args = ["stack", "output", "--json", "--stack", source.stack];
  const shown = commandLine(["pulumi", ...args]);
  return new Promise((resolve, reject) => {
    execFile(
      pulumi,
      args,
      {
        cwd: source.root,
        env: source.env ?? process.env,
        timeout: PULUMI_OUTPUT_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed
            ? `timed out after ${PULUMI_OUTPUT_TIMEOUT_MS / 1000} s`
            : firstLine(stderr) || error.message.split("\n")[0];
          reject(noOutputs(source.stack, `${shown} failed: ${why}`));
          return;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          reject(noOutputs(source.stack, `${shown} printed no JSON`));
          return;
        }
        if (!isOutputs(parsed)) {
          reject(noOutputs(source.stack, `${shown} printed no JSON object`));
          return;
        }
        resolve({ outputs: parsed, origin: shown });
      },
    );
  });
}

/**
 * The deployed stack's outputs: those given, else `--outputs <file>`, else `pulumi stack output`.
 * Without any, exit 2 naming how to give them.
 */
export async function readStackOutputs(source: OutputsSource): Promise<ReadOutputs> {
  if (source.outputs) return { outputs: source.outputs, origin: "the outputs of the update" };
  if (source.outputsFile) return readOutputsFile(source, source.outputsFile);
  const pulumi = findPulumi(source.env ?? process.env);
  if (!pulumi) throw noOutputs(source.stack, "no Pulumi CLI on PATH to run pulumi stack output");
  return runPulumiOutput(pulumi, source);
}

/** The `checkUrls` output (check name → URL); exit 2 when the stack does not export it. */
export function checkUrlsOf(read: ReadOutputs, stack: string): Record<string, string> {
  let value = read.outputs.checkUrls;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // reported below as not an object
    }
  }
  const problem =
    value === undefined || value === null
      ? "have no checkUrls (check name → URL)"
      : !isOutputs(value) || Object.values(value).some((url) => typeof url !== "string")
        ? "hold a checkUrls that is not an object of check name → URL"
        : undefined;
  if (problem) {
    throw new InputError("verify", [
      {
        key: "checkUrls",
        message: `the outputs of stack ${stack} (${read.origin}) ${problem}; ${howToGive(stack)}`,
      },
    ]);
  }
  return value as Record<string, string>;
}

/** The `publicEndpoint` output, when the stack exports one. */
export function publicEndpointOf(outputs: StackOutputs): string | undefined {
  const endpoint = outputs.publicEndpoint;
  return typeof endpoint === "string" ? endpoint : undefined;
}
