import { isRecord } from "../../contract/resources";
import * as fs from "node:fs";
import * as path from "node:path";
import { isColor } from "../../domain/colors";
import type { DeployedState } from "../../domain/deployed";
import { commandLine } from "../../domain/quote";
import { findPulumi, runPulumiRead } from "./pulumiCli";

/** A stack's outputs as `pulumi stack output --json` prints them: output name → value. */
export type DeployedOutputs = Record<string, unknown>;

export type OutputsLookup =
  { found: true; outputs: DeployedOutputs; origin: string } | { found: false; why: string };

export interface OutputsLookupOptions {
  /** Folder of Pulumi.yaml: `pulumi stack output` runs there, a file is read relative to it. */
  root: string;
  stack: string;
  /** `--outputs <file>`: what `pulumi stack output --json` printed, saved. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Long enough for a remote backend, short enough that a hung one only delays the fallback. */
export const DEPLOYED_LOOKUP_TIMEOUT_MS = 15_000;

function parsedOutputs(text: string, origin: string): OutputsLookup {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { found: false, why: `${origin} printed no JSON` };
  }
  return isRecord(parsed)
    ? { found: true, outputs: parsed, origin }
    : { found: false, why: `${origin} printed no JSON object` };
}

/** The command that prints a stack's outputs, as a person would type it. */
export function stackOutputCommand(stack: string): string {
  return commandLine(["pulumi", "stack", "output", "--json", "--stack", stack]);
}

/**
 * The deployed stack's outputs: from the file when one is given, else from `pulumi stack output`.
 * Never throws: without a CLI, a backend or outputs, it says why.
 */
export async function lookUpDeployedOutputs(options: OutputsLookupOptions): Promise<OutputsLookup> {
  if (options.file) {
    const file = path.resolve(options.root, options.file);
    try {
      return parsedOutputs(fs.readFileSync(file, "utf8"), options.file);
    } catch (error) {
      return {
        found: false,
        why: `cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code}`,
      };
    }
  }
  const env = options.env ?? process.env;
  const pulumi = findPulumi(env);
  if (!pulumi) return { found: false, why: "no Pulumi CLI on PATH" };
  const run = await runPulumiRead(pulumi, ["stack", "output", "--json", "--stack", options.stack], {
    cwd: options.root,
    env,
    timeoutMs: options.timeoutMs ?? DEPLOYED_LOOKUP_TIMEOUT_MS,
  });
  if (!run.ok) return { found: false, why: run.why };
  return parsedOutputs(run.stdout, stackOutputCommand(options.stack));
}

function stringsOf(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === "string")) {
    return undefined;
  }
  return value as Record<string, string>;
}

/**
 * The `deployed` output (the program's DeployedState), or undefined when the outputs hold none
 * of that shape: a stack never updated by this program.
 */
export function deployedStateOf(outputs: DeployedOutputs): DeployedState | undefined {
  let value = outputs.deployed;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || !isColor(value.activeColor)) return undefined;
  const releases = stringsOf(value.releases);
  if (!releases || releases.blue === undefined || releases.green === undefined) return undefined;
  const state = value as unknown as DeployedState;
  // The logs' forensic-copy record is exported beside `deployed` (components/program.ts).
  const logCopy = outputs.logCopy;
  return isRecord(logCopy) && typeof logCopy.epoch === "string" && typeof logCopy.key === "string"
    ? { ...state, logCopy: { epoch: logCopy.epoch, key: logCopy.key } }
    : state;
}
