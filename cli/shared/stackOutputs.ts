import { isRecord } from "../../contract/resources";
import { InputError } from "../exitCodes";
import { lookUpDeployedOutputs, stackOutputCommand, type DeployedOutputs } from "./deployedOutputs";

/** A stack's outputs as `pulumi stack output --json` prints them: output name → value. */
export type StackOutputs = DeployedOutputs;

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
  return `pulumi up the stack first, or pass --outputs <file> made with ${stackOutputCommand(stack)} > outputs.json`;
}

function noOutputs(stack: string, why: string): InputError {
  return new InputError("verify", [
    {
      key: "--outputs",
      message: `no outputs of stack ${stack} to take the check URLs from (${why}); ${howToGive(stack)}`,
    },
  ]);
}

/**
 * The deployed stack's outputs: those given, else `--outputs <file>`, else `pulumi stack output`
 * (cli/shared/deployedOutputs.ts). Without any, exit 2 naming how to give them.
 */
export async function readStackOutputs(source: OutputsSource): Promise<ReadOutputs> {
  if (source.outputs) return { outputs: source.outputs, origin: "the outputs of the update" };
  const lookup = await lookUpDeployedOutputs({
    root: source.root,
    stack: source.stack,
    file: source.outputsFile,
    env: source.env,
    timeoutMs: PULUMI_OUTPUT_TIMEOUT_MS,
  });
  if (!lookup.found) throw noOutputs(source.stack, lookup.why);
  return { outputs: lookup.outputs, origin: lookup.origin };
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
      : !isRecord(value) || Object.values(value).some((url) => typeof url !== "string")
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
