/**
 * A one-shot step where `pulumi up` runs, in the shape of @pulumi/command's local Command
 * (`create`, `interpreter`, `environment`, `stdin`, `triggers`), which the loopback target cannot
 * use: the pre-switch snapshot, config backups, the forensic copy, a restore, the health gate and
 * the change record. Create runs it; any change of its inputs runs it again (an update: a step
 * holds no process); delete does nothing, what a step wrote stays.
 */
import type * as pulumi from "@pulumi/pulumi";
import { changedKeys, pathWith, runChecked, tail } from "./os";

export interface StepInputs {
  create: string;
  /**
   * Run instead of `create` on an update that leaves the triggers as they were, as a local
   * Command's `update` is; a change of the triggers runs `create` (a Command is replaced then).
   */
  update?: string;
  /** Program and arguments the script is handed to; default `sh -c`. */
  interpreter?: string[];
  environment: Record<string, string>;
  /** Variables that hold secrets (PGPASSWORD): set for the step, never printed. */
  secretEnvironment?: Record<string, string>;
  /** Folders put first on PATH (PostgreSQL's programs). */
  path?: string[];
  stdin?: string;
  triggers?: unknown[];
  labels?: Record<string, string>;
}

export interface StepOutputs extends StepInputs {
  stdout: string;
  ranAt: string;
}

const KEYS: readonly (keyof StepInputs)[] = [
  "create",
  "update",
  "interpreter",
  "environment",
  "secretEnvironment",
  "path",
  "stdin",
  "triggers",
  "labels",
];

async function runStep(inputs: StepInputs, script = inputs.create): Promise<StepOutputs> {
  const [command, ...args] = inputs.interpreter ?? ["sh", "-c"];
  const role = inputs.environment.AITB_ROLE ?? "step";
  const result = await runChecked(role, command, [...args, script], {
    env: {
      PATH: pathWith(inputs.path ?? []),
      HOME: process.env.HOME,
      ...inputs.environment,
      ...(inputs.secretEnvironment ?? {}),
    },
    input: inputs.stdin,
  });
  if (result.stdout.trim()) process.stderr.write(`${role}: ${tail(result.stdout)}\n`);
  return { ...inputs, stdout: tail(result.stdout, 50), ranAt: new Date().toISOString() };
}

export const stepProvider: pulumi.dynamic.ResourceProvider<StepInputs, StepOutputs> = {
  async create(inputs) {
    const outs = await runStep(inputs);
    return { id: `${inputs.environment.AITB_ROLE ?? "step"}-${outs.ranAt}`, outs };
  },

  async diff(_id, olds, news) {
    return { changes: changedKeys(olds, news, KEYS).length > 0, replaces: [] };
  },

  async update(_id, olds, news) {
    const sameTriggers = changedKeys(olds, news, ["triggers"]).length === 0;
    const script = news.update !== undefined && sameTriggers ? news.update : news.create;
    return { outs: await runStep(news, script) };
  },

  async delete() {
    // A step's effects (a dump, a restored database, a log line) are kept.
  },
};
