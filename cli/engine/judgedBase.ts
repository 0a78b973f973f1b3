import * as fs from "node:fs";
import type { DeployedState } from "../../domain/deployed";
import { deployedStateOf, lookUpDeployedOutputs } from "../shared/deployedOutputs";
import { deployedConfig } from "./deployedConfig";
import {
  committedBase,
  readBaseSource,
  stackFileName,
  StackFileError,
  type StackSource,
} from "./stackFiles";

/** What a plan or a diff is judged against, and how the output names it. */
export interface JudgedBase {
  /** The config the resources are compared with; undefined when nothing is deployed. */
  source?: StackSource;
  /** The deployed state read from the stack's backend; undefined when judged by a config alone. */
  deployed?: DeployedState;
  /** The git revision `source` was read at, for the pack's rules at the base. */
  revision?: string;
  description: string;
}

export interface BaseRequest {
  root: string;
  stack: string;
  /** `--base <rev|path>`: overrides the deployed state. */
  base?: string;
  /** `--new-stack`: nothing deployed. */
  newStack?: boolean;
  /** A diff compares resources, so it needs the config the deployed state came from. */
  needsConfig: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function isFile(base: string): boolean {
  return fs.existsSync(base) && fs.statSync(base).isFile();
}

function named(request: BaseRequest, base: string): JudgedBase {
  const source = readBaseSource(request.root, request.stack, base);
  return { source, revision: isFile(base) ? undefined : base, description: source.origin };
}

function fromDeployed(
  request: BaseRequest,
  deployed: DeployedState,
  origin: string,
): JudgedBase | undefined {
  const state = `the deployed state of stack ${request.stack} (${origin})`;
  if (!request.needsConfig) return { deployed, description: state };
  const config = deployedConfig(request.root, request.stack, deployed);
  if (config) {
    const version = config.revision
      ? config.source.origin
      : `the working tree's ${stackFileName(request.stack)}`;
    return {
      ...config,
      deployed,
      description: `${state}, deployed from ${version}`,
    };
  }
  const head = committedBase(request.root, request.stack);
  if (!head) return undefined;
  const source = readBaseSource(request.root, request.stack, head);
  return {
    source,
    deployed,
    revision: head,
    description: `${state}; resources compared with ${source.origin} (no version of ${stackFileName(request.stack)} in the last commits carries the deployed change record)`,
  };
}

/**
 * The base by default is what is deployed: the stack's `deployed` output where a Pulumi CLI and
 * backend answer, else the committed stack file (HEAD). `--base` and `--new-stack` override it.
 */
export async function judgedBase(request: BaseRequest): Promise<JudgedBase> {
  if (request.newStack) return { description: "nothing deployed (a new stack)" };
  if (request.base !== undefined) return named(request, request.base);
  const lookup = await lookUpDeployedOutputs({
    root: request.root,
    stack: request.stack,
    env: request.env,
    timeoutMs: request.timeoutMs,
  });
  let why: string;
  if (lookup.found) {
    const deployed = deployedStateOf(lookup.outputs);
    const judged = deployed && fromDeployed(request, deployed, lookup.origin);
    if (judged) return judged;
    why = deployed
      ? `the deployed state has no committed ${stackFileName(request.stack)} to compare resources with`
      : `stack ${request.stack} has no deployed output (${lookup.origin}): never updated by this program`;
  } else {
    why = `no Pulumi backend reachable: ${lookup.why}`;
  }
  const head = committedBase(request.root, request.stack);
  if (!head) {
    if (!request.needsConfig) return { description: `nothing deployed (a new stack: ${why})` };
    throw new StackFileError(
      `no base to compare with: ${why}, and ${stackFileName(request.stack)} is not committed; pass --base <rev|path>`,
    );
  }
  const source = readBaseSource(request.root, request.stack, head);
  return { source, revision: head, description: `${source.origin} (${why})` };
}
