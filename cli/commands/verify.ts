import { Command, InvalidArgumentError } from "commander";
import { describeResults, rankFailures, type HealthResult } from "../../components/health/checks";
import { planStack, type Plan } from "../plan/plan";
import { readStackSource } from "../plan/stackFiles";
import { workflowExitCode } from "../workflow/errors";
import { processIo, type CommandIo } from "../workflow/io";
import {
  declaredChecks,
  resultTable,
  runHealthChecks,
  withEndpoint,
} from "../workflow/verification";
import { EXIT, stackOption } from "./common";

export interface VerifyFlags {
  stack: string;
  endpoint?: string;
  /** Seconds per check. */
  timeout: number;
  config?: string;
}

/** Matches the runbook's `Invoke-WebRequest -TimeoutSec 10`. */
export const DEFAULT_CHECK_TIMEOUT_SECONDS = 10;

export interface Verification {
  plan: Plan;
  results: HealthResult[];
  passed: boolean;
}

function publicEndpointOf(plan: Plan): string | undefined {
  const endpoint = plan.outputs.publicEndpoint;
  return typeof endpoint === "string" ? endpoint : undefined;
}

/** Plan the stack, run the health gate's checks against what runs now, and print the table. */
export async function verifyStack(flags: VerifyFlags, io: CommandIo): Promise<Verification> {
  const source = readStackSource(io.root, flags.stack, flags.config);
  const plan = await planStack({ source, now: new Date() });
  const checks = withEndpoint(declaredChecks(plan), publicEndpointOf(plan), flags.endpoint);
  io.out(
    `aitb verify: stack ${plan.stack}, active ${plan.activeColor} @ ${plan.releases[plan.activeColor]}, standby ${plan.standbyColor} @ ${plan.releases[plan.standbyColor]}\n` +
      `  ${checks.length} checks (each service of both colors, the public endpoint, bot heartbeats), ${flags.timeout} s each\n`,
  );
  let failed = 0;
  const results = await runHealthChecks(checks, {
    timeoutSeconds: flags.timeout,
    onResult: (result, done, total) => {
      if (!result.ok) failed++;
      const progress = `verifying: ${done}/${total} checks done, ${failed} failed (last: ${result.ok ? "✓" : "✗"} ${result.name})`;
      io.err(
        io.interactive ? `\r\x1b[2K${progress}${done === total ? "\n" : ""}` : `${progress}\n`,
      );
    },
  });
  const { failures, warnings } = rankFailures(results);
  io.out(
    [
      "",
      ...resultTable(results),
      "",
      failures.length === 0
        ? `PASSED: ${results.length - warnings.length} of ${results.length} checks${warnings.length === 0 ? "" : `; the standby color is not healthy (warning, it does not carry traffic): ${describeResults(warnings)}`}`
        : `FAILED: ${failures.length} of ${results.length} checks: ${describeResults(failures)}${warnings.length === 0 ? "" : `; warnings (standby): ${describeResults(warnings)}`}`,
      "",
    ].join("\n"),
  );
  return { plan, results, passed: failures.length === 0 };
}

export async function runVerify(flags: VerifyFlags, io: CommandIo): Promise<number> {
  return workflowExitCode(async () => {
    const verification = await verifyStack(flags, io);
    return verification.passed ? EXIT.ok : EXIT.denied;
  }, io.err);
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 600) {
    throw new InvalidArgumentError(`expected seconds from 0 to 600, got "${value}"`);
  }
  return parsed;
}

export function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "Post-rollback verification: the health gate's checks (service health, public endpoint, bot heartbeat, releases matching the pins) against what runs now.",
    )
    .addOption(stackOption())
    .option("-e, --endpoint <url>", "public base URL to check instead of the stack's own")
    .option(
      "-t, --timeout <seconds>",
      "time each check may take",
      seconds,
      DEFAULT_CHECK_TIMEOUT_SECONDS,
    )
    .option("-c, --config <path>", "stack file to read instead of Pulumi.<stack>.yaml")
    .action(async (flags: VerifyFlags) => {
      process.exitCode = await runVerify(flags, processIo());
    });
}
