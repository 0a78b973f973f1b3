import { ConfigError } from "../../config/errors";
import { validateStackConfig } from "../../config/validate";
import { deploymentSpec } from "../../domain/deployment";
import type { DeployedState } from "../../domain/deployed";
import type { Color } from "../../domain/colors";
import { evaluateProgram, type PlannedResource } from "./evaluate";
import type { StackSource } from "./stackFiles";
import { deployedStateOf } from "../shared/deployedOutputs";

export interface Plan {
  stack: string;
  project: string;
  origin: string;
  target: string;
  environment: string;
  activeColor: Color;
  standbyColor: Color;
  releases: Record<Color, string>;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /**
   * Where the deployed state was read from (the stack's outputs, a file, `HEAD:Pulumi.<stack>.yaml`);
   * none for a new stack.
   */
  baseOrigin?: string;
  /** What the base config says is deployed, when a base was given. */
  deployed?: DeployedState;
  ms: number;
}

export interface PlanOptions {
  source: StackSource;
  now: Date;
  base?: StackSource;
  /**
   * The deployed state when the caller already has it: the stack's own `deployed` output, or the
   * base's (saves evaluating the base again).
   */
  deployed?: DeployedState;
  /** How the output names what the plan is judged against; the base's origin by default. */
  baseOrigin?: string;
  /**
   * The config is its own base (`base` is `source`): planned as the stack it makes reads itself
   * back once deployed, in one evaluation.
   */
  againstItself?: boolean;
}

function asBaseError(error: unknown, origin: string | undefined): unknown {
  if (!(error instanceof ConfigError)) return error;
  return new ConfigError(
    error.issues.map((issue) => ({ ...issue, message: `(base ${origin}) ${issue.message}` })),
  );
}

/**
 * Evaluate a stack config offline. The base, when given, is evaluated too so the deployed state
 * the program reads back is exactly what that config's stack would have exported.
 */
export async function planStack(options: PlanOptions): Promise<Plan> {
  if (!options.againstItself) return plan(options);
  return plan(options).catch((error: unknown) => {
    throw asBaseError(error, options.base?.origin);
  });
}

async function plan(options: PlanOptions): Promise<Plan> {
  const started = performance.now();
  const config = validateStackConfig(options.source.values, options.now);
  let deployed = options.deployed;
  if (options.base && !deployed && !options.againstItself) {
    try {
      const base = await evaluateProgram({ source: options.base, now: options.now });
      deployed = deployedStateOf(base.outputs);
    } catch (error) {
      throw asBaseError(error, options.base.origin);
    }
  }
  const evaluation = await evaluateProgram({
    source: options.source,
    now: options.now,
    deployed: deployed ?? (options.againstItself ? "self" : undefined),
  });
  deployed ??= options.againstItself ? deployedStateOf(evaluation.outputs) : undefined;
  const spec = deploymentSpec(config);
  return {
    stack: options.source.stack,
    project: options.source.project,
    origin: options.source.origin,
    target: config.target,
    environment: config.environment,
    activeColor: spec.activeColor,
    standbyColor: spec.standbyColor,
    releases: { blue: spec.colors.blue.release, green: spec.colors.green.release },
    resources: evaluation.resources,
    outputs: evaluation.outputs,
    baseOrigin: options.baseOrigin ?? options.base?.origin,
    deployed,
    ms: performance.now() - started,
  };
}
