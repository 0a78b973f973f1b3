import * as path from "node:path";
import * as readline from "node:readline/promises";
import { Command, InvalidArgumentError } from "commander";
import { validateStackConfig } from "../../../config/validate";
import type { DeployedState } from "../../../domain/deployed";
import { readStackSource } from "../../engine/stackFiles";
import { EXIT, exitCodeOf, InputError } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { findPulumi, PULUMI_INSTALL_HINT } from "../../shared/pulumiCli";
import { revertFlags, rollbackArgs } from "./revert";
import { outputValues } from "../../shared/stackOutputs";
import { commandLine } from "../../../domain/quote";
import { stackOption } from "../../shared/options";
import { runRollback } from "../rollback";
import { DEFAULT_CHECK_TIMEOUT_SECONDS, verifyStack, type Verification } from "../verify";
import { describeResults, rankFailures } from "../../../components/health/checks";
import { RULES_FILE } from "../../../policies/rules";
import { afterUp } from "../notice/sendAfterUp";

export interface UpFlags {
  stack: string;
  autoRevert?: boolean;
  yes?: boolean;
  endpoint?: string;
  /** Longest a `pulumi up` may run before it is cancelled, in minutes. */
  timeoutMinutes?: number;
}

/** A hung engine must not hold an on-call engineer forever: `pulumi up` is cancelled after this. */
export const DEFAULT_UP_TIMEOUT_MINUTES = 30;

function minutesArg(value: string): number {
  const minutes = Number(value);
  if (!/^\d{1,4}$/.test(value.trim()) || minutes < 1 || minutes > 1440) {
    throw new InvalidArgumentError(`expected whole minutes between 1 and 1440, got "${value}"`);
  }
  return minutes;
}

async function confirm(question: string): Promise<boolean> {
  const prompt = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

type AutomationStack = Awaited<
  ReturnType<(typeof import("@pulumi/pulumi/automation"))["LocalWorkspace"]["selectStack"]>
>;

/** `pulumi up` with the policy pack; false when the update (or its health gate) failed. */
async function applyUp(
  stack: AutomationStack,
  io: CommandIo,
  timeoutMinutes: number,
): Promise<boolean> {
  const signal = AbortSignal.timeout(timeoutMinutes * 60_000);
  try {
    await stack.up({
      onOutput: io.out,
      onError: io.err,
      policyPacks: [path.join(io.root, "policies")],
      policyPackConfigs: [path.join(io.root, RULES_FILE)],
      color: io.interactive ? "auto" : "never",
      signal,
    });
    return true;
  } catch (error) {
    const why = signal.aborted
      ? `cancelled after ${timeoutMinutes} min (--timeout-minutes); run \`pulumi cancel --stack ${stack.name}\` if the engine still holds the lock`
      : error instanceof Error
        ? error.message.split("\n")[0]
        : String(error);
    io.err(`pulumi up failed: ${why}\n`);
    return false;
  }
}

/**
 * `pulumi up` through the Automation API, then `aitb verify`. When an urgent switch fails
 * verification, offer (or with --auto-revert carry out) the revert to what was live before and a
 * second update.
 */
export async function runUp(
  flags: UpFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!findPulumi(env)) {
    io.err(`aitb up: no Pulumi CLI on PATH; ${PULUMI_INSTALL_HINT}\n`);
    return EXIT.configError;
  }
  return exitCodeOf(async () => {
    const source = readStackSource(io.root, flags.stack);
    const config = validateStackConfig(source.values, new Date());
    if (!flags.yes) {
      if (!io.interactive) {
        throw new InputError("up", [
          {
            key: "--yes",
            message: "no terminal to ask on; pass --yes to run pulumi up without a prompt",
          },
        ]);
      }
      const question = `Run pulumi up on stack ${flags.stack} (active ${config.activeColor} @ ${config.slots[config.activeColor].release}, change: ${config.change.class}, ${config.change.reason})? [y/N] `;
      if (!(await confirm(question))) {
        io.err("Nothing was run.\n");
        return EXIT.ok;
      }
    }
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.selectStack({ stackName: flags.stack, workDir: io.root });
    const before = (await stack.outputs()).deployed?.value as DeployedState | undefined;
    // Verification reads the endpoints from what the update deployed, never from the config.
    // What the update deployed, as verify reads it (endpoints from the outputs, never the config);
    // undefined when it could not run at all (no outputs after a failed first update).
    const verifyDeployed = async (): Promise<Verification | undefined> => {
      const outputs = outputValues(await stack.outputs());
      try {
        return await verifyStack(
          {
            stack: flags.stack,
            endpoint: flags.endpoint,
            timeout: DEFAULT_CHECK_TIMEOUT_SECONDS,
            outputs,
          },
          io,
        );
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        io.err(`verification could not run:\n${error.message}\n`);
        return undefined;
      }
    };

    // The non-secret outputs after an update, for the incident log.
    const publicOutputs = async (): Promise<Record<string, unknown>> =>
      Object.fromEntries(
        Object.entries(await stack.outputs().catch(() => ({})))
          .filter(([, output]) => !output.secret)
          .map(([key, output]) => [key, output.value as unknown]),
      );

    const timeout = flags.timeoutMinutes ?? DEFAULT_UP_TIMEOUT_MINUTES;
    const applied = await applyUp(stack, io, timeout);
    const verification = await verifyDeployed();
    // The incident log, the first stage of the notice, and the contacts when it failed.
    await afterUp(
      {
        stack: flags.stack,
        config,
        applied,
        failure: applied ? undefined : "the update or its analysis failed",
        verification,
        outputs: await publicOutputs(),
        before,
        env,
      },
      io,
    );
    if (applied && verification?.passed) return EXIT.ok;

    const failed = !applied
      ? "the update or its analysis failed"
      : verification
        ? `verification failed (${describeResults(rankFailures(verification.results).failures, ", ") || "see above"})`
        : "verification could not run";
    const revert = revertFlags(flags.stack, before, config, new Date(), failed);
    if (!revert) {
      io.err(
        `The update ${applied ? "applied but failed verification" : "failed"} and did not switch colors, so there is nothing to revert to; fix forward or roll back with aitb rollback.\n`,
      );
      return EXIT.denied;
    }
    const { automatic, ...rollback } = revert;
    const command = `${commandLine(rollbackArgs(rollback))} && aitb up --stack ${flags.stack}`;
    let go = automatic && flags.autoRevert === true;
    if (!go && io.interactive) {
      go = await confirm(
        `${applied ? "Verification" : "The update"} failed${automatic ? "" : ` (a planned change: reverting needs your yes)`}. Revert to ${revert.to} and run pulumi up again? [y/N] `,
      );
    }
    if (!go) {
      io.err(
        `${failed}. To revert (it marks ${config.slots[config.activeColor].release} as failed in aitb:releaseHistory):\n  ${command}\n`,
      );
      return EXIT.denied;
    }
    io.err(`${failed}; reverting to ${revert.to}: ${command}\n`);
    const written = await runRollback(rollback, io);
    if (written !== EXIT.ok) return written;
    const reapplied = await applyUp(stack, io, timeout);
    const reverification = await verifyDeployed();
    const reverified = reverification?.passed === true;
    // The revert belongs to the same incident: logged (its verification is the recovery); the
    // notice's first stage went out above and is not sent twice.
    await afterUp(
      {
        stack: flags.stack,
        config,
        applied: reapplied,
        verification: reverification,
        outputs: await publicOutputs(),
        env,
        send: false,
      },
      io,
    );
    io.err(
      reapplied && reverified
        ? `Reverted: stack ${flags.stack} is back on ${revert.to} and verifies; ${config.slots[config.activeColor].release} is marked failed in aitb:releaseHistory.\n`
        : `The revert did not verify either; escalate to the emergency contacts listed above.\n`,
    );
    return EXIT.denied;
  }, io.err);
}

export function upCommand(): Command {
  return new Command("up")
    .description(
      "pulumi up with the policy pack (Automation API), then aitb verify; an urgent switch that fails verification is offered a revert.",
    )
    .addOption(stackOption())
    .option(
      "--auto-revert",
      "revert an immediate or emergency switch whose analysis or verification fails, without asking (a planned change is only reverted when you say so)",
    )
    .option("-y, --yes", "run pulumi up without asking first")
    .option("-e, --endpoint <url>", "public base URL for the verification")
    .option(
      "--timeout-minutes <n>",
      `cancel a pulumi up that runs longer (default ${DEFAULT_UP_TIMEOUT_MINUTES})`,
      minutesArg,
    )
    .action(async (flags: UpFlags) => {
      process.exitCode = await runUp(flags, processIo());
    });
}
