import * as fs from "node:fs";
import * as path from "node:path";
import {
  LIVE_TRADING_SCHEMA,
  TRADING_DATA_TYPES,
  checksumSql,
  createTableSql,
  pgIdent,
  type TradingDataType,
} from "../../contract/tradingData";
import { tradingDayFrame } from "../../domain/tradingData/session";
import { isIsoDate } from "../../domain/calendar";
import { writeArchive } from "../../cli/commands/data/archiveWrite";
import { lastClosedTradingDay, tradingCalendar } from "../../cli/commands/data/calendar";
import { parquetToCsv, withDuck } from "../../cli/commands/data/duck";
import { copyInCsv, withClient } from "../../cli/commands/data/pg";
import { restoreArchive, type RestoreOutcome } from "../../cli/commands/data/restoreImport";
import { withCleanup, type Started } from "../cleanup";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { DrillOptionError, requireInteger, withoutHooks } from "../options";
import { stackConfig } from "../stack";
import { round } from "../stats";
import { postgresBinDir } from "../tools";
import { startPostgres, type PostgresCluster } from "../restore/postgres";
import { corruptSql, dayShape, liveTablesSql, loadDaySql, type DayShape } from "./data";

export interface TradingDataDrillOptions {
  /** Rows of the day over the three types (at least). */
  rows: number;
  /** Paired timings of the restore and a bare COPY of the same rows, the order alternating. */
  rounds: number;
  /** The trading day (YYYY-MM-DD); by default the last one whose session has closed. */
  date?: string;
  host: string;
  stack: string;
  log?: (line: string) => void;
  started?: Started;
}

export const TRADING_DATA_DEFAULTS: Omit<TradingDataDrillOptions, "log" | "started"> = {
  rows: 1_000_000,
  rounds: 3,
  host: "127.0.0.1",
  stack: "dev",
};

export const TRADING_DATA_TARGETS = { maxRatioToCopy: 1.5 } as const;

type Sums = Record<TradingDataType, string>;

export interface TradingDataRound {
  restoreMs: number;
  bareCopyMs: number;
}

export interface TradingDataDrillReport {
  drill: "trading-data";
  machine: Machine;
  postgres: string;
  stack: string;
  options: Omit<TradingDataDrillOptions, "log" | "started">;
  day: string;
  calendar: string;
  sessions: { opens: string; closes: string }[];
  shape: DayShape;
  rowsByType: Record<TradingDataType, number>;
  archive: {
    bytes: number;
    files: Record<TradingDataType, { bytes: number; rows: number }>;
    /** The same rows as CSV (what COPY reads), for the compression ratio. */
    csvBytes: number;
    writeMs: number;
  };
  loadMs: number;
  /** The product's restore (files against manifest, import, integrity, counts and checksums), mean of the rounds. */
  restoreMs: number;
  /** A bare COPY of the same rows (CSV, one connection per table, same table definitions), mean of the rounds: the floor. */
  bareCopyMs: number;
  ratioToCopy: number;
  rounds: TradingDataRound[];
  restoredInto: string;
  /** The last round's restore, step by step (rules and load run side by side). */
  breakdownMs: { files: number; rules: number; load: number; verify: number };
  checksums: { atArchive: Sums; corrupted: Sums; restored: Sums; liveAfter: Sums };
  flippedByte: {
    file: string;
    offset: number;
    refused: boolean;
    problem: string;
    schemasBefore: number;
    schemasAfter: number;
  };
  integrity: {
    restoredEqualsArchive: boolean;
    rulesPassed: boolean;
    liveUntouched: boolean;
    corruptionDetected: boolean;
    flippedByteRefused: boolean;
    noSchemaOnRefusal: boolean;
  };
  targets: { integrityExact: boolean; withinRatio: boolean };
}

async function sums(url: string, schema: string): Promise<Sums> {
  return withClient(url, async (client) => {
    const entries: [TradingDataType, string][] = [];
    for (const type of TRADING_DATA_TYPES) {
      const found = await client.query<{ rows: string; checksum: string }>(
        checksumSql(`${pgIdent(schema)}.${type}`, type),
      );
      entries.push([type, `${found.rows[0].rows}:${found.rows[0].checksum}`]);
    }
    return Object.fromEntries(entries) as Sums;
  });
}

function same(a: Sums, b: Sums): boolean {
  return TRADING_DATA_TYPES.every((type) => a[type] === b[type]);
}

async function schemaCount(url: string): Promise<number> {
  return withClient(url, async (client) =>
    Number(
      (await client.query<{ n: string }>("select count(*)::text as n from pg_namespace")).rows[0].n,
    ),
  );
}

/** The floor: the same rows as CSV into fresh tables of the contract's definitions, one COPY per table. */
async function bareCopy(url: string, schema: string, csvs: Record<TradingDataType, string>) {
  await withClient(url, async (client) => {
    await client.query(`create schema ${pgIdent(schema)}`);
    for (const type of TRADING_DATA_TYPES) await client.query(createTableSql(schema, type));
  });
  const started = performance.now();
  await Promise.all(
    TRADING_DATA_TYPES.map((type) =>
      withClient(url, (client) => copyInCsv(client, `${pgIdent(schema)}.${type}`, csvs[type])),
    ),
  );
  return performance.now() - started;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`drop schema ${pgIdent(schema)} cascade`));
}

async function checkpoint(cluster: PostgresCluster): Promise<void> {
  await cluster.query(cluster.url("postgres"), "checkpoint");
}

function problemText(outcome: RestoreOutcome): string {
  return [
    ...outcome.files.problems.map((problem) => `${problem.file}: ${problem.message}`),
    ...outcome.problems.map((problem) => `${problem.dataType} ${problem.rule}`),
  ].join("; ");
}

/**
 * One trading day written to live tables, archived, the live tables corrupted, then restored into
 * a new schema and verified, on a private PostgreSQL; timed against a bare COPY of the same rows.
 * Then a copy of the archive with one flipped byte must be refused before any schema is made.
 */
export async function runTradingDataDrill(
  options: TradingDataDrillOptions,
): Promise<TradingDataDrillReport> {
  requireInteger("--rows", options.rows, 1_000, 50_000_000);
  requireInteger("--rounds", options.rounds, 1, 20);
  assertLoopback(options.host, "--host");
  if (options.date !== undefined && !isIsoDate(options.date)) {
    throw new DrillOptionError(`--date is "${options.date}"; expected a day "YYYY-MM-DD"`);
  }
  const log = options.log ?? (() => undefined);
  const bin = postgresBinDir();
  const config = stackConfig(options.stack);
  const calendar = tradingCalendar(options.stack);
  const day = options.date ?? lastClosedTradingDay(calendar, new Date());
  const frame = tradingDayFrame(calendar, day);
  if (frame.sessions.length === 0) {
    throw new DrillOptionError(
      `--date ${day} has no session by ${calendar.name} (a weekend or holiday); pick a trading day`,
    );
  }
  const shape = dayShape(frame, options.rows);
  const measuredOn = machine();

  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-trading-data-");
      const archives = path.join(folder, "backups", "archives");
      const cluster = await startPostgres(cleanup, {
        folder,
        host: options.host,
        user: config.database.user,
        bin,
      });
      log(`${cluster.version} on ${cluster.host}:${cluster.port}; ${day}, ${shape.rows} rows`);
      const db = config.database.name;
      await cluster.run("createdb", [db]);
      const url = cluster.url(db);

      await cluster.query(url, liveTablesSql(LIVE_TRADING_SCHEMA));
      const loadStarted = performance.now();
      await cluster.query(url, loadDaySql(LIVE_TRADING_SCHEMA, frame, shape));
      const loadMs = performance.now() - loadStarted;
      const atArchive = await sums(url, LIVE_TRADING_SCHEMA);

      const writeStarted = performance.now();
      const manifest = await writeArchive({
        url,
        schema: LIVE_TRADING_SCHEMA,
        frame,
        types: TRADING_DATA_TYPES,
        archives,
        now: new Date(),
      });
      const writeMs = performance.now() - writeStarted;
      const entry = (type: TradingDataType) => {
        const found = manifest.types[type];
        if (!found) throw new Error(`the archive holds no ${type}`);
        return found;
      };
      const archiveBytes = TRADING_DATA_TYPES.reduce((sum, type) => sum + entry(type).bytes, 0);
      log(`archived ${day}: ${archiveBytes} bytes of parquet in ${Math.round(writeMs)} ms`);

      await cluster.query(url, corruptSql(LIVE_TRADING_SCHEMA));
      const corrupted = await sums(url, LIVE_TRADING_SCHEMA);

      // The floor's input: the same rows as the CSV COPY reads, made once, untimed.
      const csvDir = path.join(folder, "csv");
      fs.mkdirSync(csvDir);
      const csvs = Object.fromEntries(
        TRADING_DATA_TYPES.map((type) => [type, path.join(csvDir, `${type}.csv`)]),
      ) as Record<TradingDataType, string>;
      await withDuck(async (duck) => {
        for (const type of TRADING_DATA_TYPES) {
          await parquetToCsv(duck, type, path.join(archives, entry(type).file), csvs[type]);
        }
      });
      const csvBytes = TRADING_DATA_TYPES.reduce(
        (sum, type) => sum + fs.statSync(csvs[type]).size,
        0,
      );

      // Untimed warm-up of both, so neither timed one pays alone for a new cluster's first writes.
      await bareCopy(url, "aitb_warmup", csvs);
      await dropSchema(url, "aitb_warmup");

      const rounds: TradingDataRound[] = [];
      let last: RestoreOutcome | undefined;
      for (let i = 0; i < options.rounds; i++) {
        const timed: Partial<TradingDataRound> = {};
        const product = async () => {
          if (last?.schema && last.schemaCreated) await dropSchema(url, last.schema);
          await checkpoint(cluster);
          const started = performance.now();
          last = await restoreArchive({
            url,
            archives,
            frame,
            types: TRADING_DATA_TYPES,
            incident: "drill",
            dryRun: false,
          });
          timed.restoreMs = round(performance.now() - started, 0) as number;
          if (last.status !== "restored") {
            throw new Error(`the restore was refused: ${problemText(last)}`);
          }
        };
        const bare = async () => {
          await checkpoint(cluster);
          timed.bareCopyMs = round(await bareCopy(url, "aitb_bare_copy", csvs), 0) as number;
          await dropSchema(url, "aitb_bare_copy");
        };
        for (const step of i % 2 === 0 ? [product, bare] : [bare, product]) await step();
        rounds.push(timed as TradingDataRound);
        log(
          `round ${i + 1}/${options.rounds}: restore ${timed.restoreMs} ms, bare COPY ${timed.bareCopyMs} ms`,
        );
      }
      const outcome = last as RestoreOutcome;
      const restoredInto = outcome.schema as string;
      const restored = await sums(url, restoredInto);
      const liveAfter = await sums(url, LIVE_TRADING_SCHEMA);

      // A copy of the archive with one byte flipped in the middle of the trades file.
      const flipped = path.join(folder, "flipped", "archives");
      fs.cpSync(archives, flipped, { recursive: true });
      const flippedFile = path.join(flipped, entry("trades").file);
      const bytes = fs.readFileSync(flippedFile);
      const offset = Math.floor(bytes.length / 2);
      bytes[offset] ^= 0x01;
      fs.writeFileSync(flippedFile, bytes);
      const schemasBefore = await schemaCount(url);
      const refusal = await restoreArchive({
        url,
        archives: flipped,
        frame,
        types: TRADING_DATA_TYPES,
        incident: "drill-flipped",
        dryRun: false,
      });
      const schemasAfter = await schemaCount(url);
      const problem = problemText(refusal);
      log(
        `flipped byte at ${offset} of ${path.relative(folder, flippedFile)}: ${refusal.status} (${problem})`,
      );

      const integrity = {
        restoredEqualsArchive: same(restored, atArchive),
        rulesPassed: outcome.problems.length === 0,
        liveUntouched: same(liveAfter, corrupted),
        corruptionDetected: !same(corrupted, atArchive),
        flippedByteRefused:
          refusal.status === "refused" &&
          refusal.files.problems.some((p) => p.file === flippedFile && /sha256/.test(p.message)),
        noSchemaOnRefusal: schemasAfter === schemasBefore && !refusal.schemaCreated,
      };
      const restoreMs = rounds.reduce((sum, r) => sum + r.restoreMs, 0) / rounds.length;
      const bareCopyMs = rounds.reduce((sum, r) => sum + r.bareCopyMs, 0) / rounds.length;
      const ratioToCopy = restoreMs / bareCopyMs;
      return {
        drill: "trading-data" as const,
        machine: measuredOn,
        postgres: cluster.version,
        stack: options.stack,
        options: withoutHooks(options),
        day,
        calendar: calendar.name,
        sessions: frame.sessions.map((s) => ({
          opens: new Date(s.opensUs / 1000).toISOString(),
          closes: new Date(s.closesUs / 1000).toISOString(),
        })),
        shape,
        rowsByType: Object.fromEntries(
          TRADING_DATA_TYPES.map((type) => [type, entry(type).rows]),
        ) as Record<TradingDataType, number>,
        archive: {
          bytes: archiveBytes,
          files: Object.fromEntries(
            TRADING_DATA_TYPES.map((type) => [
              type,
              { bytes: entry(type).bytes, rows: entry(type).rows },
            ]),
          ) as Record<TradingDataType, { bytes: number; rows: number }>,
          csvBytes,
          writeMs: round(writeMs, 0) as number,
        },
        loadMs: round(loadMs, 0) as number,
        restoreMs: round(restoreMs, 0) as number,
        bareCopyMs: round(bareCopyMs, 0) as number,
        ratioToCopy: round(ratioToCopy, 3) as number,
        rounds,
        restoredInto,
        breakdownMs: {
          files: round(outcome.ms.files, 0) as number,
          rules: round(outcome.ms.rules, 0) as number,
          load: round(outcome.ms.load, 0) as number,
          verify: round(outcome.ms.verify, 0) as number,
        },
        checksums: { atArchive, corrupted, restored, liveAfter },
        flippedByte: {
          file: path.relative(folder, flippedFile),
          offset,
          refused: refusal.status === "refused",
          problem,
          schemasBefore,
          schemasAfter,
        },
        integrity,
        targets: {
          integrityExact: Object.values(integrity).every(Boolean),
          withinRatio: ratioToCopy < TRADING_DATA_TARGETS.maxRatioToCopy,
        },
      };
    },
    { started: options.started, log },
  );
}

/** The drill's text report. */
export function tradingDataDrillText(report: TradingDataDrillReport): string {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const rows = TRADING_DATA_TYPES.map((type) => `${type} ${report.rowsByType[type]}`).join(", ");
  const total = TRADING_DATA_TYPES.reduce((sum, type) => sum + report.rowsByType[type], 0);
  const ok = (value: boolean) => (value ? "yes" : "NO");
  return [
    `trading-data drill: ${report.day} (${report.calendar}; sessions ${report.sessions.map((s) => `${s.opens}-${s.closes}`).join(", ")}), ${report.postgres}`,
    `  rows:      ${total} (${rows}), ${report.shape.symbols.length} symbols`,
    `  archive:   ${mib(report.archive.bytes)} parquet (zstd) for ${mib(report.archive.csvBytes)} of CSV, written in ${report.archive.writeMs} ms`,
    `  restore:   ${report.restoreMs} ms into ${report.restoredInto} (mean of ${report.rounds.length}; the last: files ${report.breakdownMs.files} ms, then side by side integrity rules ${report.breakdownMs.rules} ms and load ${report.breakdownMs.load} ms, then counts + checksums ${report.breakdownMs.verify} ms)`,
    `  floor:     ${report.bareCopyMs} ms bare COPY of the same rows (CSV, same tables, one connection per table)`,
    `  ratio:     ${report.ratioToCopy} (target under ${TRADING_DATA_TARGETS.maxRatioToCopy}): ${report.targets.withinRatio ? "met" : "MISSED"}`,
    `  integrity: restored equals the archive ${ok(report.integrity.restoredEqualsArchive)}, rules passed ${ok(report.integrity.rulesPassed)}, live tables untouched ${ok(report.integrity.liveUntouched)}, corruption seen ${ok(report.integrity.corruptionDetected)}`,
    `  flipped byte at ${report.flippedByte.offset} of ${report.flippedByte.file}: ${report.flippedByte.refused ? "refused" : "NOT refused"} (${report.flippedByte.problem}); schemas ${report.flippedByte.schemasBefore} before, ${report.flippedByte.schemasAfter} after: ${report.integrity.noSchemaOnRefusal ? "none created" : "ONE WAS CREATED"}`,
    `  targets:   ${report.targets.integrityExact && report.targets.withinRatio ? "met" : "MISSED"}`,
  ].join("\n");
}
