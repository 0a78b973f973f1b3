import { Command, InvalidArgumentError } from "commander";
import {
  describeResults,
  rankFailures,
  type HealthCheck,
  type HealthResult,
} from "../../../components/health/checks";
import { planStack, type Plan } from "../../engine/plan";
import { readStackSource } from "../../engine/stackFiles";
import { EXIT, exitCodeOf } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import {
  botReports,
  describeBot,
  findingLine,
  hasCriticalFinding,
  rankFindings,
  twoLiveBots,
  type Finding,
} from "./observations";
import {
  checkUrlsOf,
  publicEndpointOf,
  readStackOutputs,
  type StackOutputs,
} from "../../shared/stackOutputs";
import {
  checkKey,
  declaredChecks,
  notDeployedResult,
  resultTable,
  runHealthChecks,
  withDeployedUrls,
  withEndpoint,
} from "./verification";
import {
  notVerifiable,
  RESTORE_VERIFICATION_KEY,
  restoreVerificationOf,
  type RestoreVerification,
  type TableVerification,
} from "../../../domain/restoreManifest";
import { stackOption } from "../../shared/options";

export interface VerifyFlags {
  stack: string;
  endpoint?: string;
  /** Seconds per check. */
  timeout: number;
  config?: string;
  /** The deployed stack's outputs, already read (`aitb up`: the Automation API's, as plain values). */
  outputs?: StackOutputs;
  /** `--outputs <file>`: the JSON `pulumi stack output --json` prints. */
  outputsFile?: string;
}

/** Matches the runbook's `Invoke-WebRequest -TimeoutSec 10`. */
export const DEFAULT_CHECK_TIMEOUT_SECONDS = 10;

export interface Verification {
  plan: Plan;
  results: HealthResult[];
  /** Most severe first: two live bots, critical failures, warnings. */
  findings: Finding[];
  /** No critical finding. */
  passed: boolean;
  /**
   * The declared restore against what its snapshot promised (the stack's restoreVerification);
   * absent when no restore is declared.
   */
  restore?: DeclaredRestore;
}

export interface DeclaredRestore {
  /** The restored database, as the plan names it. */
  target: string;
  verification: RestoreVerification;
}

/** The plan's checks, and those of them the deployed stack has URLs for, `--endpoint` applied. */
async function checksToRun(
  flags: VerifyFlags,
  root: string,
  plan: Plan,
): Promise<{
  declared: HealthCheck[];
  runnable: HealthCheck[];
  origin: string;
  outputs: StackOutputs;
}> {
  const declared = declaredChecks(plan);
  const read = await readStackOutputs({
    stack: flags.stack,
    root,
    outputs: flags.outputs,
    outputsFile: flags.outputsFile,
  });
  const deployed = withDeployedUrls(declared, checkUrlsOf(read, flags.stack));
  const runnable = withEndpoint(deployed, publicEndpointOf(read.outputs), flags.endpoint);
  return { declared, runnable, origin: read.origin, outputs: read.outputs };
}

/** The declared restore and its verification from the outputs; undefined when none is declared. */
function declaredRestore(plan: Plan, outputs: StackOutputs): DeclaredRestore | undefined {
  const target = (plan.outputs.databases as Record<string, unknown> | undefined)?.restored;
  if (typeof target !== "string") return undefined;
  const verification =
    restoreVerificationOf(outputs[RESTORE_VERIFICATION_KEY]) ??
    notVerifiable(
      `the stack outputs hold no ${RESTORE_VERIFICATION_KEY}: the restore step has not run, or it failed (pulumi up printed why)`,
    );
  return { target, verification };
}

function restoreStatus(verification: RestoreVerification): string {
  if (verification.ok === null) return "NOT VERIFIABLE";
  return verification.ok ? "VERIFIED" : "COMPROMISED";
}

function tableResult(table: TableVerification): string {
  if (table.rows === null)
    return `not in the restored database (manifest: ${table.expectedRows} rows)`;
  if (table.expectedRows === null) return `${table.rows} rows, not in the manifest`;
  const rows =
    table.rows === table.expectedRows
      ? `${table.rows} rows`
      : `${table.rows} rows (manifest: ${table.expectedRows})`;
  const checksum =
    table.checksum === table.expectedChecksum
      ? `checksum ${table.checksum}`
      : `checksum ${table.checksum} (manifest: ${table.expectedChecksum})`;
  return `${rows}, ${checksum}`;
}

/** `Restore into <target>: VERIFIED: <detail>`, then each table against the manifest. */
function restoreLines({ target, verification }: DeclaredRestore): string[] {
  const width = Math.max(0, ...verification.tables.map((table) => table.table.length));
  return [
    `Restore into ${target}: ${restoreStatus(verification)}: ${verification.detail}`,
    ...verification.tables.map(
      (table) => `  ${table.ok ? "✓" : "✗"}  ${table.table.padEnd(width)}  ${tableResult(table)}`,
    ),
  ];
}

/** Critical when the restored data is not what its snapshot holds, a warning when unverifiable. */
function restoreFinding({ target, verification }: DeclaredRestore): Finding | undefined {
  if (verification.ok === true) return undefined;
  if (verification.ok === false) {
    return {
      severity: "critical",
      subject: `restore into ${target}`,
      detail: verification.detail,
      nextAction:
        "do not switch to the restored color; find out why it differs (the snapshot, its manifest and the forensic copy are kept), then restore into a new database",
    };
  }
  return {
    severity: "warning",
    subject: `restore into ${target}`,
    detail: verification.detail,
    nextAction:
      "check the restored database by hand (row counts, latest trades and orders) before switching to it",
  };
}

/** A finding among the ranked ones: after those of its severity. */
function withFinding(findings: Finding[], extra: Finding | undefined): Finding[] {
  if (!extra) return findings;
  if (extra.severity !== "critical") return [...findings, extra];
  const critical = findings.filter((finding) => finding.severity === "critical");
  return [...critical, extra, ...findings.filter((finding) => finding.severity !== "critical")];
}

function botLines(results: HealthResult[]): string[] {
  const reports = botReports(results);
  const width = Math.max(...reports.map((bot) => bot.name.length));
  return [
    "Bots (as they report themselves):",
    ...reports.map((bot) => `  ${bot.name.padEnd(width)}  ${describeBot(bot)}`),
  ];
}

function verdict(results: HealthResult[], findings: Finding[], lead: string[]): string {
  const { failures, warnings } = rankFailures(results);
  if (!hasCriticalFinding(findings)) {
    return `PASSED: ${results.length - warnings.length} of ${results.length} checks${warnings.length === 0 ? "" : `; the standby color is not healthy (warning, it does not carry traffic): ${describeResults(warnings)}`}`;
  }
  const checks =
    failures.length === 0
      ? `all ${results.length} checks passed`
      : `${failures.length} of ${results.length} checks: ${describeResults(failures)}`;
  return `FAILED: ${lead.map((subject) => `${subject}; `).join("")}${checks}${warnings.length === 0 ? "" : `; warnings (standby): ${describeResults(warnings)}`}`;
}

/**
 * Run the health gate's checks, as the plan declares them, against the URLs of the deployed
 * stack; print what the bots said, the table and the ranked findings.
 */
export async function verifyStack(flags: VerifyFlags, io: CommandIo): Promise<Verification> {
  const source = readStackSource(io.root, flags.stack, flags.config);
  const plan = await planStack({ source, now: new Date() });
  const { declared, runnable, origin, outputs } = await checksToRun(flags, io.root, plan);
  io.out(
    `aitb verify: stack ${plan.stack}, active ${plan.activeColor} @ ${plan.releases[plan.activeColor]}, standby ${plan.standbyColor} @ ${plan.releases[plan.standbyColor]}\n` +
      `  ${declared.length} checks (each service of both colors, the public endpoint, bot heartbeats), ${flags.timeout} s each, at the URLs from ${origin}\n`,
  );
  let failed = declared.length - runnable.length;
  const ran =
    runnable.length === 0
      ? []
      : await runHealthChecks(runnable, {
          timeoutSeconds: flags.timeout,
          onResult: (result, done, total) => {
            if (!result.ok) failed++;
            const progress = `verifying: ${done}/${total} checks done, ${failed} failed (last: ${result.ok ? "✓" : "✗"} ${result.name})`;
            io.err(
              io.interactive
                ? `\r\x1b[2K${progress}${done === total ? "\n" : ""}`
                : `${progress}\n`,
            );
          },
        });
  const byKey = new Map(ran.map((result) => [checkKey(result), result]));
  const results = declared.map(
    (check) => byKey.get(checkKey(check)) ?? notDeployedResult(check, plan.stack),
  );
  const restore = declaredRestore(plan, outputs);
  const restoreIssue = restore && restoreFinding(restore);
  const findings = withFinding(rankFindings(results, plan.activeColor), restoreIssue);
  const alarm = twoLiveBots(results, plan.activeColor);
  const lead = [
    ...(alarm ? [alarm.subject] : []),
    ...(restore?.verification.ok === false
      ? [`the restore into ${restore.target} is not what its snapshot holds`]
      : []),
  ];
  io.out(
    [
      "",
      ...botLines(results),
      "",
      ...resultTable(results),
      "",
      ...(restore ? [...restoreLines(restore), ""] : []),
      verdict(results, findings, lead),
      ...findings.map((finding) => `  ${findingLine(finding)}`),
      "",
    ].join("\n"),
  );
  return { plan, results, findings, passed: !hasCriticalFinding(findings), restore };
}

export async function runVerify(flags: VerifyFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(async () => {
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

/** The options as commander parses them: `--outputs` names a file. */
type VerifyOptions = Omit<VerifyFlags, "outputs" | "outputsFile"> & { outputs?: string };

export function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "Post-rollback verification: the health gate's checks (service health, public endpoint, bot heartbeat, releases matching the pins) against the deployed stack's URLs, with what each bot reports.",
    )
    .addOption(stackOption())
    .option("-e, --endpoint <url>", "public base URL to check instead of the stack's own")
    .option(
      "-t, --timeout <seconds>",
      "time each check may take",
      seconds,
      DEFAULT_CHECK_TIMEOUT_SECONDS,
    )
    .option(
      "-o, --outputs <file>",
      "the deployed stack's outputs (pulumi stack output --json) to take the check URLs from, instead of running pulumi stack output",
    )
    .option("-c, --config <path>", "stack file to read instead of Pulumi.<stack>.yaml")
    .action(async ({ outputs, ...flags }: VerifyOptions) => {
      process.exitCode = await runVerify({ ...flags, outputsFile: outputs }, processIo());
    });
}
