import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, Option } from "commander";
import { validateStackConfig } from "../../config/validate";
import { CHANGE_CLASSES, type ChangeClass } from "../../domain/change";
import { COLORS, type Color } from "../../domain/colors";
import { assembleStackSource, readStackSource, stackFileName } from "../plan/stackFiles";
import { InputError, workflowExitCode } from "../workflow/errors";
import { processIo, type CommandIo } from "../workflow/io";
import { applyRollback } from "../workflow/rollbackEdit";
import { rollbackIntent } from "../workflow/rollbackIntent";
import { renderRefusal, renderRollbackReport } from "../workflow/rollbackReport";
import { changedConfigKeys, StackFileEditor } from "../workflow/stackEdit";
import { judgeStackChange } from "../workflow/stackChange";
import { EXIT, parseInstant, stackOption } from "./common";
import { clockToTheSecond, isoInstant } from "../workflow/time";

export interface RollbackFlags {
  stack: string;
  class: ChangeClass;
  reason: string;
  incident: string;
  to?: Color;
  /** A pin, or `true` when given without a value (the last known-good release). */
  release?: string | true;
  restore?: string;
  expires?: string;
  requestedBy?: string;
  trigger?: string;
  /** What failed: marks the release being left as failed in aitb:releaseHistory. */
  failedAnalysis?: string;
  force?: boolean;
  dryRun?: boolean;
  now?: Date;
  config?: string;
}

const RELATIVE = /^\+?(\d{1,6})\s*(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Longer than any change record may live; the policies cap emergencies much lower. */
const MAX_EXPIRY_MS = 366 * UNIT_MS.d;

/** `--expires`: an ISO-8601 time, or a duration from now such as `2h`, `90m`, `1d`. */
export function parseExpiry(value: string, now: Date): string {
  const relative = RELATIVE.exec(value.trim());
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    if (ms > MAX_EXPIRY_MS) {
      throw new InputError("rollback", [
        {
          key: "--expires",
          message: `"${value}" is more than a year away; an expiry is hours (e.g. 2h), never years`,
        },
      ]);
    }
    return isoInstant(new Date(now.getTime() + ms));
  }
  try {
    return isoInstant(parseInstant(value));
  } catch {
    throw new InputError("rollback", [
      {
        key: "--expires",
        message: `"${value}" is neither an ISO-8601 time nor a duration; expected e.g. 2026-11-25T18:00:00Z or 2h`,
      },
    ]);
  }
}

function defaultRequester(): string {
  return process.env.AITB_OPERATOR || process.env.USER || os.userInfo().username;
}

/**
 * Write a rollback into the stack file after judging it offline: the edited config is planned
 * against the file as it was and run through the policy pack; a mandatory violation refuses the
 * edit (the file stays byte-for-byte as it was) unless --force.
 */
export async function runRollback(flags: RollbackFlags, io: CommandIo): Promise<number> {
  return workflowExitCode(async () => {
    // The record is written at the real time; --now only says when it is judged.
    const writtenAt = clockToTheSecond(io.clock?.() ?? new Date());
    const now = flags.now ?? writtenAt;
    const file = flags.config
      ? path.resolve(io.root, flags.config)
      : path.join(io.root, stackFileName(flags.stack));
    const displayFile = path.relative(process.cwd(), file) || file;
    const original = readStackSource(io.root, flags.stack, file);
    const config = validateStackConfig(original.values, now);
    const intent = rollbackIntent(config, {
      changeClass: flags.class,
      reason: flags.reason,
      incident: flags.incident,
      requestedBy: flags.requestedBy ?? defaultRequester(),
      now,
      writtenAt,
      to: flags.to,
      release: flags.release,
      restore: flags.restore,
      expires: flags.expires !== undefined ? parseExpiry(flags.expires, writtenAt) : undefined,
      trigger: flags.trigger,
    });

    const editor = new StackFileEditor(original.stackText, file);
    applyRollback(editor, config, intent, flags.failedAnalysis);
    const after = editor.text();
    const projectText = fs.readFileSync(path.join(io.root, "Pulumi.yaml"), "utf8");
    const edited = assembleStackSource(flags.stack, projectText, after, file);
    const change = await judgeStackChange({ base: original, source: edited, now });

    const denied = change.verdict.mandatory > 0;
    if (denied && !flags.force && !flags.dryRun) {
      io.err(renderRefusal(intent, change, displayFile));
      return EXIT.denied;
    }
    if (!flags.dryRun) {
      if (fs.readFileSync(file, "utf8") !== original.stackText) {
        throw new InputError("rollback", [
          {
            key: displayFile,
            message:
              "changed while the rollback was being planned; nothing was written, run it again",
          },
        ]);
      }
      fs.writeFileSync(file, after);
    }
    if (!editor.roundTrips()) {
      io.err(
        `note: ${displayFile} does not read back byte-for-byte through the YAML library; check \`git diff\` for reformatted lines\n`,
      );
    }
    io.out(
      renderRollbackReport({
        intent,
        change,
        file,
        displayFile,
        before: original.stackText,
        after,
        changedKeys: changedConfigKeys(original.stackText, after),
        written: !flags.dryRun,
        denied,
      }),
    );
    return denied && flags.dryRun ? EXIT.denied : EXIT.ok;
  }, io.err);
}

export function rollbackCommand(): Command {
  return new Command("rollback")
    .description(
      "Write a rollback into Pulumi.<stack>.yaml (active color, release pin, database restore, change record, release history) after judging it offline with the policy pack.",
    )
    .addOption(stackOption())
    .addOption(
      new Option("--class <class>", "change class from the decision matrix")
        .choices(CHANGE_CLASSES)
        .makeOptionMandatory(),
    )
    .requiredOption("--reason <text>", "why: goes into the change record and the notice")
    .requiredOption("--incident <id>", "incident or change id")
    .addOption(
      new Option("--to <color>", "color to switch to (default: the standby)").choices(COLORS),
    )
    .option(
      "--release [pin]",
      "full rollback: re-pin the target color to <pin> (without a value: the last known-good release from aitb:releaseHistory)",
    )
    .option(
      "--restore <point>",
      "also restore the target color's database: an ISO-8601 time (point in time) or a release pin (its pre-switch snapshot); the switch then follows as a second step",
    )
    .option("--expires <time>", "expiry of the change (ISO-8601, or a duration such as 2h)")
    .option("--requested-by <name>", "who asked for it (default: $AITB_OPERATOR or $USER)")
    .option(
      "--trigger <id>",
      "trigger condition of the decision matrix (e.g. bot-execution-errors)",
    )
    .option(
      "--failed-analysis <what failed>",
      "mark the release being left as failed in aitb:releaseHistory (its analysis or verification failed), so it is never offered as known-good again",
    )
    .option("--force", "write the change even when a mandatory policy denies it")
    .option("--dry-run", "judge and show the change without writing the file")
    .option(
      "--now <iso>",
      "judge the change as of this time (default: the clock); the record is always written with the real time",
      parseInstant,
    )
    .option("-c, --config <path>", "stack file to edit instead of Pulumi.<stack>.yaml")
    .action(async (flags: RollbackFlags) => {
      process.exitCode = await runRollback(flags, processIo());
    });
}
