import * as os from "node:os";
import { Command, InvalidArgumentError, Option } from "commander";
import { CHANGE_CLASSES, type ChangeClass } from "../../../domain/change";
import { COLORS, type Color } from "../../../domain/colors";
import { exitCodeOf, InputError, type InputIssue } from "../../exitCodes";
import { extendIntent } from "./extendIntent";
import { parseExpiry } from "./expiry";
import { processIo, type CommandIo } from "../../shared/io";
import { restoresCompletedBy } from "./rollbackEdit";
import { RESTORABLE_DATABASES, rollbackIntent, type RestorableDatabase } from "./rollbackIntent";
import { deployedRestore } from "./restoreRun";
import { editedFile, judgeAndWrite } from "./rollbackWrite";
import { parseInstant, stackOption } from "../../shared/options";
import { clockToTheSecond } from "../../shared/time";

export interface RollbackFlags {
  stack: string;
  class: ChangeClass;
  reason: string;
  incident: string;
  to?: Color;
  /** A pin, or `true` when given without a value (the last known-good release). */
  release?: string | true;
  restore?: string;
  /** `--databases`: which databases `--restore` restores (default: PostgreSQL). */
  databases?: RestorableDatabase[];
  expires?: string;
  requestedBy?: string;
  trigger?: string;
  /** What failed: marks the release being left as failed in aitb:releaseHistory. */
  failedAnalysis?: string;
  /** `--outputs <file>`: the deployed outputs a switch to a restored color is checked against. */
  outputs?: string;
  /** `--commit`: commit the stack file on the rollback's own branch, ready to push. */
  commit?: boolean;
  force?: boolean;
  dryRun?: boolean;
  now?: Date;
  config?: string;
}

/** `aitb rollback --extend`: renew the current emergency. */
export interface ExtendFlags {
  stack: string;
  extend: string;
  requestedBy?: string;
  commit?: boolean;
  force?: boolean;
  dryRun?: boolean;
  now?: Date;
  config?: string;
}

/** The options as the command line parses them: what a rollback requires is checked after. */
type ParsedFlags = Partial<RollbackFlags> & { stack: string; extend?: string };

function defaultRequester(): string {
  return process.env.AITB_OPERATOR || process.env.USER || os.userInfo().username;
}

/** `--databases postgresql,influxdb`: each name once, each one a restorable database. */
export function parseDatabases(value: string): RestorableDatabase[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names.filter(
    (name) => !(RESTORABLE_DATABASES as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `${unknown.map((name) => `"${name}"`).join(", ")} is not a database a rollback restores; expected a comma-separated list of ${RESTORABLE_DATABASES.join(", ")}`,
    );
  }
  return [...new Set(names)] as RestorableDatabase[];
}

/** Write a rollback into the stack file after judging it offline. */
export async function runRollback(
  flags: RollbackFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return exitCodeOf(async () => {
    // The record is written at the real time; --now only says when it is judged.
    const writtenAt = clockToTheSecond(io.clock?.() ?? new Date());
    const now = flags.now ?? writtenAt;
    const edited = editedFile(io, flags, now);
    const intent = rollbackIntent(edited.config, {
      changeClass: flags.class,
      reason: flags.reason,
      incident: flags.incident,
      requestedBy: flags.requestedBy ?? defaultRequester(),
      now,
      writtenAt,
      to: flags.to,
      release: flags.release,
      restore: flags.restore,
      databases: flags.databases,
      expires: flags.expires !== undefined ? parseExpiry(flags.expires, writtenAt) : undefined,
      trigger: flags.trigger,
    });
    const completes = restoresCompletedBy(edited.config, intent);
    const restore =
      completes.length > 0
        ? await deployedRestore({
            root: io.root,
            stack: flags.stack,
            file: flags.outputs,
            env,
            color: completes[0].restore.color,
          })
        : undefined;
    return judgeAndWrite(
      {
        stack: flags.stack,
        edited,
        intent,
        failedAnalysis: flags.failedAnalysis,
        restore,
        commit: flags.commit,
        force: flags.force,
        dryRun: flags.dryRun,
        config: flags.config,
        now,
      },
      io,
    );
  }, io.err);
}

/** Renew the current emergency's expiry under a new record, judged like any change. */
export async function runExtend(flags: ExtendFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(async () => {
    const writtenAt = clockToTheSecond(io.clock?.() ?? new Date());
    const now = flags.now ?? writtenAt;
    const edited = editedFile(io, flags, now);
    const intent = extendIntent(edited.config, {
      stack: flags.stack,
      expires: parseExpiry(flags.extend, writtenAt, "--extend"),
      requestedBy: flags.requestedBy ?? defaultRequester(),
      writtenAt,
    });
    return judgeAndWrite(
      {
        stack: flags.stack,
        edited,
        intent,
        commit: flags.commit,
        force: flags.force,
        dryRun: flags.dryRun,
        config: flags.config,
        now,
      },
      io,
    );
  }, io.err);
}

/** Options that describe a new change, which a renewal of the current one does not take. */
const NEW_CHANGE_OPTIONS = [
  ["class", "--class"],
  ["reason", "--reason"],
  ["incident", "--incident"],
  ["to", "--to"],
  ["release", "--release"],
  ["restore", "--restore"],
  ["databases", "--databases"],
  ["expires", "--expires"],
  ["trigger", "--trigger"],
  ["failedAnalysis", "--failed-analysis"],
  ["outputs", "--outputs"],
] as const;

/** The flags as one request: a renewal, or a rollback with what it requires. */
export function requestOf(
  flags: ParsedFlags,
): { extend: ExtendFlags } | { rollback: RollbackFlags } {
  if (flags.extend !== undefined) {
    const extra = NEW_CHANGE_OPTIONS.filter(([key]) => flags[key] !== undefined);
    if (extra.length > 0) {
      throw new InputError("rollback", [
        {
          key: "--extend",
          message: `renews the current emergency as it is (its class, reason, incident and trigger stay) and takes no ${extra.map(([, name]) => name).join(", ")}; drop ${extra.length === 1 ? "it" : "them"}, or write a new change without --extend`,
        },
      ]);
    }
    return { extend: { ...flags, extend: flags.extend } };
  }
  const missing: InputIssue[] = (["class", "reason", "incident"] as const)
    .filter((key) => flags[key] === undefined)
    .map((key) => ({
      key: `--${key}`,
      message: `required for a rollback (or --extend <duration> to renew the current emergency)`,
    }));
  if (missing.length > 0) throw new InputError("rollback", missing);
  return { rollback: flags as RollbackFlags };
}

export function rollbackCommand(): Command {
  return new Command("rollback")
    .description(
      "Write a rollback into Pulumi.<stack>.yaml (active color, release pin, database restore, change record, release history) after judging it offline with the policy pack; or renew the current emergency with --extend.",
    )
    .addOption(stackOption())
    .addOption(
      new Option("--class <class>", "change class from the decision matrix (required)").choices(
        CHANGE_CLASSES,
      ),
    )
    .option("--reason <text>", "why: goes into the change record and the notice (required)")
    .option("--incident <id>", "incident or change id (required)")
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
    .option(
      "--databases <list>",
      `with --restore: the databases to restore, comma-separated, of ${RESTORABLE_DATABASES.join(", ")} (default: postgresql); each one the stack declares restores into a new database for the target color`,
      parseDatabases,
    )
    .option("--expires <time>", "expiry of the change (ISO-8601, or a duration such as 2h)")
    .option(
      "--extend <duration>",
      "renew the current emergency: the same class, reason, incident and trigger under a new record that expires after <duration> (e.g. 2h) or at an ISO-8601 time; instead of --class, --reason and --incident",
    )
    .option("--requested-by <name>", "who asked for it (default: $AITB_OPERATOR or $USER)")
    .option(
      "--trigger <id>",
      "trigger condition of the decision matrix (e.g. bot-execution-errors)",
    )
    .option(
      "--failed-analysis <what failed>",
      "mark the release being left as failed in aitb:releaseHistory (its analysis or verification failed), so it is never offered as known-good again",
    )
    .option(
      "--outputs <file>",
      "the deployed stack's outputs (`pulumi stack output --json`), for the switch to a restored color (default: read with pulumi stack output)",
    )
    .option(
      "--commit",
      "commit the stack file on the branch rollback/<stack>-<incident> (created from HEAD, or the one checked out), with the change as the message, ready for git push",
    )
    .option("--force", "write the change even when a mandatory policy denies it")
    .option("--dry-run", "judge and show the change without writing the file")
    .option(
      "--now <iso>",
      "judge the change as of this time (default: the clock); the record is always written with the real time",
      parseInstant,
    )
    .option("-c, --config <path>", "stack file to edit instead of Pulumi.<stack>.yaml")
    .action(async (flags: ParsedFlags) => {
      const io = processIo();
      process.exitCode = await exitCodeOf(async () => {
        const request = requestOf(flags);
        return "extend" in request
          ? runExtend(request.extend, io)
          : runRollback(request.rollback, io);
      }, io.err);
    });
}
