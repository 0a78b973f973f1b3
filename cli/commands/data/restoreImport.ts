import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  TABLES,
  checksumSql,
  createTableSql,
  pgIdent,
  restoreSchemaName,
  LIVE_TRADING_SCHEMA,
  type ArchiveManifest,
  type TradingDataType,
} from "../../../contract/tradingData";
import type { IntegrityProblem } from "../../../domain/tradingData/integrity";
import type { TradingDayFrame } from "../../../domain/tradingData/session";
import { checkArchiveContent, verifyArchiveFiles, type FilesVerdict } from "./archiveCheck";
import { withDuckInstance } from "./duck";
import { streamIntoTable } from "./stream";
import { withClient } from "./pg";
import { DatabaseError } from "pg";

export interface RestoreRequest {
  url: string;
  archives: string;
  frame: TradingDayFrame;
  types: readonly TradingDataType[];
  /** Names the new schema (`trading_restore_<day>_<incident>`); without it, the next free number. */
  incident?: string;
  /** The new schema, when the caller has named it already (restoreTarget). */
  schema?: string;
  dryRun: boolean;
  log?: (line: string) => void;
}

export type RestoreStatus = "refused" | "would-restore" | "restored";

export interface RestoreOutcome {
  status: RestoreStatus;
  files: FilesVerdict;
  /** Integrity problems of the rows, and row counts or checksums that differ from the manifest. */
  problems: IntegrityProblem[];
  /** The new schema: restored into (restored), to be created (would-restore), dropped again or never made (refused). */
  schema?: string;
  /** Whether the schema exists after the command (only when restored). */
  schemaCreated: boolean;
  rows: Partial<Record<TradingDataType, number>>;
  /** Wall times: the file check, the rule check and the load (side by side), then counts and checksums. */
  ms: {
    files: number;
    importAndCheck: number;
    rules: number;
    load: number;
    verify: number;
    total: number;
  };
}

/** The schema a restore of `day` would go to now. */
export async function nextSchema(url: string, day: string, incident?: string): Promise<string> {
  return withClient(url, async (client) => {
    const taken = new Set(
      (
        await client.query<{ nspname: string }>(
          "select nspname from pg_namespace where nspname like $1",
          [`${LIVE_TRADING_SCHEMA}_restore_%`],
        )
      ).rows.map((row) => row.nspname),
    );
    if (incident) return restoreSchemaName(day, incident);
    for (let n = 1; ; n++) {
      const name = restoreSchemaName(day, String(n));
      if (!taken.has(name)) return name;
    }
  });
}

async function schemaExists(url: string, schema: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const found = await client.query("select 1 from pg_namespace where nspname = $1", [schema]);
    return (found.rowCount ?? 0) > 0;
  });
}

function mismatches(
  manifest: ArchiveManifest,
  type: TradingDataType,
  found: { rows: string; checksum: string },
): IntegrityProblem[] {
  const entry = manifest.types[type];
  if (!entry) return [];
  const problems: IntegrityProblem[] = [];
  if (Number(found.rows) !== entry.rows) {
    problems.push({
      dataType: type,
      rule: "row-count",
      count: Math.abs(Number(found.rows) - entry.rows),
      examples: [`restored ${found.rows} rows, the manifest says ${entry.rows}`],
    });
  }
  if (found.checksum !== entry.checksum) {
    problems.push({
      dataType: type,
      rule: "checksum",
      count: 1,
      examples: [`restored rows sum to ${found.checksum}, the manifest says ${entry.checksum}`],
    });
  }
  return problems;
}

/**
 * A day's archive into a new schema: the files against the manifest first (a missing or changed
 * file refuses the restore before anything is created), then, side by side, the rows against the
 * integrity rules and the import (parquet to CSV to `COPY`, one connection per type); then row
 * counts and checksums of the new tables against the manifest. Anything wrong drops the new
 * schema again; the live schema is never written.
 */
export async function restoreArchive(request: RestoreRequest): Promise<RestoreOutcome> {
  const log = request.log ?? (() => undefined);
  const started = performance.now();
  const { frame, types } = request;
  const files = await verifyArchiveFiles(request.archives, frame.day, types);
  const filesMs = performance.now() - started;
  const outcome = (
    status: RestoreStatus,
    rest: Partial<RestoreOutcome> & {
      importAndCheck?: number;
      rules?: number;
      load?: number;
      verify?: number;
    },
  ): RestoreOutcome => ({
    status,
    files,
    problems: rest.problems ?? [],
    schema: rest.schema,
    schemaCreated: rest.schemaCreated ?? false,
    rows: rest.rows ?? {},
    ms: {
      files: filesMs,
      importAndCheck: rest.importAndCheck ?? 0,
      rules: rest.rules ?? 0,
      load: rest.load ?? 0,
      verify: rest.verify ?? 0,
      total: performance.now() - started,
    },
  });
  if (files.problems.length > 0 || !files.manifest) return outcome("refused", {});
  const manifest = files.manifest;
  log(`archive files match ${files.manifestPath} (${files.bytes} bytes)`);

  const schema = request.schema ?? (await nextSchema(request.url, frame.day, request.incident));
  if (await schemaExists(request.url, schema)) {
    return outcome("refused", {
      schema,
      problems: [
        {
          dataType: "schema",
          rule: "columns",
          count: 1,
          examples: [
            `${schema} exists already: a restore never writes into an existing schema; pass another --incident`,
          ],
        },
      ],
    });
  }

  return withDuckInstance(async (duck) => {
    if (request.dryRun) {
      const problems = await checkArchiveContent(
        await duck.connect(),
        request.archives,
        manifest,
        types,
        frame,
      );
      const rows = Object.fromEntries(types.map((type) => [type, manifest.types[type]?.rows]));
      return outcome(problems.length > 0 ? "refused" : "would-restore", {
        schema,
        problems,
        rows,
      });
    }
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-restore-"));
    let created = false;
    try {
      await withClient(request.url, async (client) => {
        await client.query("begin");
        await client.query(`create schema ${pgIdent(schema)}`);
        for (const type of types) await client.query(createTableSql(schema, type));
        await client.query("commit");
      });
      created = true;
      log(`created schema ${schema}`);
      const importStarted = performance.now();
      const checkConnection = await duck.connect();
      let rulesMs = 0;
      let loadMs = 0;
      let verifyMs = 0;
      const [problems, loaded] = await Promise.all([
        checkArchiveContent(checkConnection, request.archives, manifest, types, frame).then(
          (found) => {
            rulesMs = performance.now() - importStarted;
            return found;
          },
        ),
        // Per type: load, then its count and checksum while the larger types still load.
        Promise.all(
          types.map((type) =>
            withClient(request.url, async (client) => {
              const parquet = path.join(request.archives, manifest.types[type]?.file ?? "");
              const table = `${pgIdent(schema)}.${type}`;
              const csv = path.join(scratch, `${type}.csv`);
              let rows: number;
              try {
                rows = await streamIntoTable(
                  await duck.connect(),
                  client,
                  type,
                  parquet,
                  table,
                  csv,
                  manifest.types[type]?.rows ?? 0,
                );
              } catch (error) {
                // The server refused the rows (a duplicate key, a value of the wrong type): a
                // problem of the archive, reported with the others; the schema is dropped.
                if (!(error instanceof DatabaseError)) throw error;
                const problem: IntegrityProblem = {
                  dataType: type,
                  rule: "load",
                  count: 1,
                  examples: [
                    `PostgreSQL refused the rows: ${error.message}${error.detail ? ` (${error.detail})` : ""}`,
                  ],
                };
                return { type, rows: 0, problems: [problem] };
              }
              const loadedAt = performance.now();
              loadMs = Math.max(loadMs, loadedAt - importStarted);
              const found = await client.query<{ rows: string; checksum: string }>(
                checksumSql(table, type),
              );
              verifyMs = Math.max(verifyMs, performance.now() - loadedAt);
              return { type, rows, problems: mismatches(manifest, type, found.rows[0]) };
            }),
          ),
        ),
      ]);
      const importAndCheck = performance.now() - importStarted;
      const verify = verifyMs;
      const verified = loaded.map((entry) => entry.problems);
      const all = [...problems, ...verified.flat()];
      const rows = Object.fromEntries(loaded.map((entry) => [entry.type, entry.rows]));
      if (all.length > 0) {
        await dropSchema(request.url, schema);
        log(`dropped ${schema} again: its rows are not the archive's`);
        return outcome("refused", {
          schema,
          problems: all,
          rows,
          importAndCheck,
          rules: rulesMs,
          load: loadMs,
          verify,
        });
      }
      return outcome("restored", {
        schema,
        schemaCreated: true,
        rows,
        importAndCheck,
        rules: rulesMs,
        load: loadMs,
        verify,
      });
    } catch (error) {
      if (created) await dropSchema(request.url, schema).catch(() => undefined);
      throw error;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
}

/** Only ever a schema this restore created (never the live one). */
async function dropSchema(url: string, schema: string): Promise<void> {
  if (schema === LIVE_TRADING_SCHEMA) throw new Error("refusing to drop the live trading schema");
  await withClient(url, (client) =>
    client.query(`drop schema if exists ${pgIdent(schema)} cascade`),
  );
}

/** Column names of a type, for reports. */
export function columnsOf(type: TradingDataType): string[] {
  return TABLES[type].columns.map((column) => column.name);
}
