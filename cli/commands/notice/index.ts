import { Command, Option } from "commander";
import type { HealthResult } from "../../../components/health/checks";
import { validateStackConfig } from "../../../config/validate";
import { planStack } from "../../engine/plan";
import { readBaseSource, readStackSource } from "../../engine/stackFiles";
import { EXIT, exitCodeOf } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { buildNotice, type NoticeInput } from "./notice";
import { renderNoticeMarkdown, renderNoticeText } from "./noticeRender";
import { stackOption } from "../../shared/options";
import { DEFAULT_CHECK_TIMEOUT_SECONDS, verifyStack, type Verification } from "../verify";
import { STAGES, type Stage } from "../../../config/notifications";
import { incidentId, renderOutcomes, sendStage } from "./send";
import { stageMessage } from "./sendMessage";

export interface NoticeFlags {
  stack: string;
  format: "text" | "markdown" | "json";
  base?: string;
  config?: string;
  teamLead?: string;
  verify?: boolean;
  endpoint?: string;
  /** With --verify: the deployed stack's outputs file (`pulumi stack output --json`). */
  outputsFile?: string;
  /** Send the stage to its tier's channels (notifications.yaml); with dryRun, print instead. */
  send?: boolean;
  dryRun?: boolean;
  stage?: Stage;
}

/** The restore's comparison with its snapshot's manifest; none when it could not be compared. */
function restoreCheckOf(restore: Verification["restore"]): NoticeInput["restoreCheck"] {
  const verification = restore?.verification;
  if (!verification || verification.ok === null) return undefined;
  return { ok: verification.ok, detail: verification.detail };
}

/** Render the runbook's team notice for the stack's current change record. */
export async function runNotice(
  flags: NoticeFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return exitCodeOf(async () => {
    const now = io.clock?.() ?? new Date();
    const source = readStackSource(io.root, flags.stack, flags.config);
    const config = validateStackConfig(source.values, now);
    const base = flags.base ? readBaseSource(io.root, flags.stack, flags.base) : undefined;
    const plan = await planStack({ source, base, now });
    let verification: HealthResult[] | undefined;
    let restoreCheck: NoticeInput["restoreCheck"];
    if (flags.verify) {
      // The table goes to stderr so that stdout stays the notice alone.
      const quiet = { ...io, out: io.err };
      const verified = await verifyStack(
        {
          stack: flags.stack,
          config: flags.config,
          endpoint: flags.endpoint,
          outputsFile: flags.outputsFile,
          timeout: DEFAULT_CHECK_TIMEOUT_SECONDS,
        },
        quiet,
      );
      verification = verified.results;
      restoreCheck = restoreCheckOf(verified.restore);
    }
    const notice = buildNotice({
      plan,
      config,
      previous: plan.deployed
        ? {
            color: plan.deployed.activeColor,
            release: plan.deployed.releases[plan.deployed.activeColor],
          }
        : undefined,
      verification,
      restoreCheck,
      teamLead: flags.teamLead,
      now,
    });
    if (flags.send || flags.dryRun) {
      const stage = flags.stage ?? "now";
      const incident = incidentId(config.change.incident);
      const message = stageMessage(stage, notice, {
        root: io.root,
        stack: flags.stack,
        incident,
        now,
        dryRun: flags.dryRun,
      });
      const outcomes = await sendStage(
        { stack: flags.stack, stage, incident, ...message, dryRun: flags.dryRun, env },
        io,
      );
      if (flags.dryRun) return EXIT.ok;
      io.out(renderOutcomes(stage, outcomes));
      return outcomes.some((outcome) => outcome.status === "failed") ? EXIT.denied : EXIT.ok;
    }
    io.out(
      flags.format === "json"
        ? `${JSON.stringify(notice, null, 2)}\n`
        : flags.format === "markdown"
          ? renderNoticeMarkdown(notice)
          : renderNoticeText(notice),
    );
    return EXIT.ok;
  }, io.err);
}

export function noticeCommand(): Command {
  return new Command("notice")
    .description(
      "The runbook's team notice for the stack's last rollback, filled from the change record (aitb:change) and the plan, its status from what aitb verify observed (--verify), with the stakeholder schedule.",
    )
    .addOption(stackOption())
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "markdown", "json"])
        .default("text"),
    )
    .option(
      "-b, --base <rev|path>",
      "the config before the rollback (git revision or file), for the previous version (default: aitb:releaseHistory)",
    )
    .option(
      "--team-lead <name>",
      "team lead named in the notice (default: the change's requestedBy)",
    )
    .option(
      "--verify",
      "run aitb verify first and report the services, trading and data integrity from what it observed",
    )
    .option("-e, --endpoint <url>", "with --verify: public base URL to check")
    .option(
      "-o, --outputs <file>",
      "with --verify: the deployed stack's outputs (pulumi stack output --json) to take the check URLs from",
    )
    .option("-c, --config <path>", "stack file to read instead of Pulumi.<stack>.yaml")
    .option(
      "--send",
      "send the stage to its tier's channels (notifications.yaml), once per incident, stage and channel; exit 1 if a channel failed",
    )
    .option("--dry-run", "print exactly what --send would send, per channel, and send nothing")
    .addOption(
      new Option(
        "--stage <stage>",
        "with --send: now (trading, DevOps, management), 1h (compliance, risk, partners), 4h (the incident report)",
      )
        .choices([...STAGES])
        .default("now"),
    )
    .action(
      async ({ outputs, ...flags }: Omit<NoticeFlags, "outputsFile"> & { outputs?: string }) => {
        process.exitCode = await runNotice({ ...flags, outputsFile: outputs }, processIo());
      },
    );
}
