import * as path from "node:path";
import * as os from "node:os";
import { Command, Option } from "commander";
import { TRADING_DATA_TYPES, type TradingDataType } from "../../../contract/tradingData";
import { CHANGE_CLASSES, type ChangeClass } from "../../../domain/change";
import { problemLines } from "../../../domain/tradingData/integrity";
import { tradingDayFrame } from "../../../domain/tradingData/session";
import { EXIT, exitCodeOf, InputError } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { stackOption } from "../../shared/options";
import { clockToTheSecond } from "../../shared/time";
import { parseExpiry } from "../rollback/expiry";
import { editedFile } from "../rollback/rollbackWrite";
import { verifyArchiveFiles } from "./archiveCheck";
import { writeArchive } from "./archiveWrite";
import { tradingCalendar } from "./calendar";
import { archivesOf, azureTransfers, dayArg, typesArg } from "./options";
import { DATABASE_URL_ENV, databaseUrl } from "./pg";
import { judgeRepoint, repointLines, writeRepoint } from "./repoint";
import { nextSchema, restoreArchive, type RestoreOutcome } from "./restoreImport";

export interface DataRestoreFlags {
  stack: string;
  date: string;
  types: TradingDataType[];
  dryRun?: boolean;
  databaseUrl?: string;
  archives?: string;
  class: ChangeClass;
  reason?: string;
  incident?: string;
  requestedBy?: string;
  expires?: string;
  config?: string;
  force?: boolean;
}

export interface DataArchiveFlags {
  stack: string;
  date: string;
  types: TradingDataType[];
  databaseUrl?: string;
  archives?: string;
  config?: string;
}

const COMMAND = "data restore";

function requester(): string {
  return process.env.AITB_OPERATOR || process.env.USER || os.userInfo().username;
}

function refusalText(outcome: RestoreOutcome): string {
  const lines = [
    ...outcome.files.problems.map((problem) => `  - ${problem.file}: ${problem.message}`),
    ...problemLines(outcome.problems).map((line) => `  - ${line}`),
  ];
  const schema = outcome.schema
    ? `no schema was left behind (${outcome.schema} was ${outcome.files.problems.length > 0 ? "never created" : "not created or dropped again"})`
    : "no schema was created";
  return `aitb ${COMMAND}: refused, nothing was changed: ${schema}; the stack file was not written:\n${lines.join("\n")}\n`;
}

/** `aitb data restore`: the day's archive into a new schema, verified, then one reviewed repoint. */
export async function runDataRestore(flags: DataRestoreFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(
    async () => {
      const writtenAt = clockToTheSecond(io.clock?.() ?? new Date());
      if (!flags.dryRun && !flags.reason) {
        throw new InputError(COMMAND, [
          {
            key: "--reason",
            message:
              'a restore repoints the services through a reviewed change; say why, e.g. --reason "trades of 2026-11-27 lost in incident INC-42"',
          },
        ]);
      }
      const url = databaseUrl(COMMAND, flags.databaseUrl);
      const edited = editedFile(io, flags, writtenAt);
      const archives = archivesOf(COMMAND, io.root, edited.config, flags.archives, {
        stack: flags.stack,
        day: flags.date,
        types: flags.types,
      });
      const calendar = tradingCalendar(flags.stack);
      const frame = tradingDayFrame(calendar, flags.date);
      if (frame.sessions.length === 0) {
        throw new InputError(COMMAND, [
          {
            key: "--date",
            message: `${flags.date} has no session by ${calendar.name} (a weekend or a holiday); pick a trading day`,
          },
        ]);
      }
      const expires =
        flags.expires !== undefined ? parseExpiry(flags.expires, writtenAt) : undefined;
      io.out(
        `aitb ${COMMAND}: ${flags.stack}, ${flags.date} (${flags.types.join(", ")}) from ${archives}${flags.dryRun ? " (dry run: nothing is created or written)" : ""}\n`,
      );

      // The files first: a missing or changed file refuses the restore before any connection.
      const files = await verifyArchiveFiles(archives, flags.date, flags.types);
      if (files.problems.length > 0 || !files.manifest || !files.manifestSha256) {
        io.err(
          refusalText({
            status: "refused",
            files,
            problems: [],
            schemaCreated: false,
            rows: {},
            ms: { files: 0, importAndCheck: 0, rules: 0, load: 0, verify: 0, total: 0 },
          }),
        );
        return EXIT.denied;
      }
      const schema = await nextSchema(url, flags.date, flags.incident);
      const repoint = await judgeRepoint(io, {
        stack: flags.stack,
        config: flags.config,
        schema,
        restoredFrom: {
          day: flags.date,
          types: flags.types,
          manifestSha256: files.manifestSha256,
          at: writtenAt.toISOString(),
        },
        change: {
          class: flags.class,
          reason: flags.reason ?? `restore trading data of ${flags.date}`,
          incident: flags.incident,
          requestedBy: flags.requestedBy ?? requester(),
          at: writtenAt.toISOString(),
          expires,
        },
        now: writtenAt,
      });
      const denied = repoint.judged.verdict.mandatory > 0;
      if (denied && !flags.force && !flags.dryRun) {
        io.err(
          `aitb ${COMMAND}: refused, nothing was changed: the repoint breaks a mandatory policy (no schema was created, the stack file was not written):\n${repointLines(repoint, false).join("\n")}\n`,
        );
        return EXIT.denied;
      }

      const outcome = await restoreArchive({
        url,
        archives,
        frame,
        types: flags.types,
        incident: flags.incident,
        schema,
        dryRun: flags.dryRun === true,
        log: (line) => io.err(`  ${line}\n`),
      });
      if (outcome.status === "refused") {
        io.err(refusalText(outcome));
        return EXIT.denied;
      }
      const rows = flags.types.map((type) => `${type} ${outcome.rows[type] ?? 0}`).join(", ");
      const done = outcome.status === "restored";
      if (done) writeRepoint(repoint);
      io.out(
        [
          `  files: ${flags.types.length} match ${files.manifestPath} (${files.bytes} bytes, sha256 and size)`,
          `  rows: ${rows}; integrity: keys unique and sorted, times inside ${flags.date} and ordered, every candle of ${frame.sessions.length} session${frame.sessions.length === 1 ? "" : "s"} by ${calendar.name}${done ? ", counts and checksums equal the manifest" : ""}`,
          done
            ? `  restored into the new schema ${schema} in ${Math.round(outcome.ms.total)} ms; the live schema ${repoint.from} was not written`
            : `  would restore into the new schema ${schema}; the live schema ${repoint.from} stays as it is`,
          ...repointLines(repoint, done),
          done
            ? `  next: review and commit ${repoint.edited.displayFile}, then pulumi up --stack ${flags.stack}`
            : `  run it again without --dry-run to restore`,
        ].join("\n") + "\n",
      );
      return denied && flags.dryRun ? EXIT.denied : EXIT.ok;
    },
    (text) => io.err(text),
  );
}

/** `aitb data archive`: a day of the live tables into the archive, with its manifest. */
export async function runDataArchive(flags: DataArchiveFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(
    async () => {
      const now = io.clock?.() ?? new Date();
      const url = databaseUrl("data archive", flags.databaseUrl);
      const edited = editedFile(io, flags, now);
      const day = { stack: flags.stack, day: flags.date, types: flags.types };
      const archives = archivesOf("data archive", io.root, edited.config, flags.archives, day);
      const frame = tradingDayFrame(tradingCalendar(flags.stack), flags.date);
      const manifest = await writeArchive({
        url,
        schema: edited.config.tradingData.schema,
        frame,
        types: flags.types,
        archives,
        now,
      });
      const lines = flags.types.map((type) => {
        const entry = manifest.types[type];
        return `  ${type}: ${entry?.rows ?? 0} rows, ${entry?.bytes ?? 0} bytes in ${entry?.file}`;
      });
      const uploads =
        edited.config.target === "azure"
          ? [
              "  upload it to the stack's archive containers (a blob that exists is not replaced):",
              ...azureTransfers(
                "upload",
                edited.config,
                day,
                path.relative(process.cwd(), archives) || ".",
              ).map((line) => `    ${line}`),
            ]
          : [];
      io.out(
        `aitb data archive: ${flags.date} of ${edited.config.tradingData.schema} into ${archives} (${manifest.symbols.length} symbols)\n${[...lines, ...uploads].join("\n")}\n`,
      );
      return EXIT.ok;
    },
    (text) => io.err(text),
  );
}

function common(command: Command): Command {
  return command
    .addOption(stackOption())
    .addOption(
      new Option("--date <day>", "the trading day, YYYY-MM-DD in the venue's time zone")
        .argParser(dayArg)
        .makeOptionMandatory(),
    )
    .option(
      "--types <list>",
      `data types, comma-separated (${TRADING_DATA_TYPES.join(", ")})`,
      typesArg,
      [...TRADING_DATA_TYPES],
    )
    .option(
      "--database-url <url>",
      `PostgreSQL connection (default: $${DATABASE_URL_ENV}); never printed`,
    )
    .option(
      "--archives <folder>",
      "archives root (default: <aitb:backups.root>/archives; Azure: a downloaded copy)",
    )
    .option("--config <file>", "the stack file, when not Pulumi.<stack>.yaml");
}

export function dataCommand(): Command {
  const restore = common(
    new Command("restore").description(
      "Restore a trading day from its parquet archive into a new schema: every file checked against the manifest first, then the rows against the integrity rules, counts and checksums; then one reviewed stack-file change (aitb:tradingData.schema) repoints the services at pulumi up.",
    ),
  )
    .option("--dry-run", "check the files and rows and print what would happen; change nothing")
    .addOption(
      new Option("--class <class>", "change class of the repoint")
        .choices(CHANGE_CLASSES)
        .default("planned"),
    )
    .option("--reason <text>", "why (the change record's reason); required unless --dry-run")
    .option("--incident <id>", "the incident; also names the new schema")
    .option("--requested-by <who>", "who asked (default: $AITB_OPERATOR or the user)")
    .option("--expires <when>", "an emergency's expiry (ISO time or a duration such as 4h)")
    .option("--force", "write the repoint even though a mandatory policy denies it")
    .action(async (flags: DataRestoreFlags) => {
      process.exitCode = await runDataRestore(flags, processIo());
    });
  const archive = common(
    new Command("archive").description(
      "Write a trading day of the live tables to the parquet archive with its manifest (sizes, sha256, row counts, checksums).",
    ),
  ).action(async (flags: DataArchiveFlags) => {
    process.exitCode = await runDataArchive(flags, processIo());
  });
  return new Command("data")
    .description(
      "Trading-data archives: write a day to parquet, restore a day beside the live tables.",
    )
    .addCommand(archive)
    .addCommand(restore);
}
