/**
 * The manifest written beside every dump (`<dump>.manifest`) and the verification of a restore
 * against it. A manifest line is `<table>\t<rows>\t<checksum>`: the table as a JSON string of its
 * quoted, schema-qualified name, its row count, and the order-independent checksum the restore
 * drill uses (drills/restore/data.ts: a sum of 64-bit hashes of the row text).
 */

/** Key of the JSON line the restore step prints, and of the stack output that carries it. */
export const RESTORE_VERIFICATION_KEY = "restoreVerification";

/**
 * Fixes how rows print (time zone, date and interval styles, floats, money, bytea) and how names
 * resolve, so the dump and the restore hash the same text whatever the sessions' defaults are.
 * Row security off, as pg_dump runs: a table that hides rows fails instead of counting fewer.
 */
export const MANIFEST_SESSION_SQL = [
  "SET TimeZone = 'UTC';",
  "SET DateStyle = 'ISO, YMD';",
  "SET IntervalStyle = 'postgres';",
  "SET extra_float_digits = 1;",
  "SET bytea_output = 'hex';",
  "SET lc_monetary = 'C';",
  "SET search_path = pg_catalog;",
  "SET row_security = off;",
].join("\n");

/**
 * One query per table, run by `\gexec` in psql (tuples only, unaligned): each prints its manifest
 * line. Every schema but the system ones (pg_*, which covers other sessions' temporary tables,
 * and information_schema). `ROW(t.*)` is the whole row even when a column is named `t`; sum()
 * over bigint is already an exact numeric, the drill's `::numeric` without the cost of the cast.
 */
export const MANIFEST_LINES_SQL = String.raw`SELECT format(
  'SELECT %L || E''\t'' || count(*) || E''\t'' || coalesce(sum(hashtextextended(ROW(t.*)::text, 0)), 0) FROM %I.%I AS t',
  to_json(format('%I.%I', schemaname, tablename))::text, schemaname, tablename)
FROM pg_tables
WHERE schemaname NOT LIKE 'pg\_%' AND schemaname <> 'information_schema'
ORDER BY schemaname, tablename
\gexec`;

/** One table of the restored database against the manifest; null where a side has no such table. */
export interface TableVerification {
  table: string;
  expectedRows: number | null;
  rows: number | null;
  /** Checksums are decimal strings: the sums exceed a double's exact range. */
  expectedChecksum: string | null;
  checksum: string | null;
  ok: boolean;
}

/** The restored data was compared with the snapshot's manifest: `ok` says whether it matches. */
export interface ComparedRestore {
  snapshot: string;
  ok: boolean;
  tables: TableVerification[];
  detail: string;
}

/**
 * Nothing to compare with: a snapshot taken before manifests were written, a target whose restore
 * has no manifest (Azure's point-in-time restore of the server), or no verification reported.
 */
export interface UnverifiableRestore {
  snapshot: string | null;
  ok: null;
  tables: [];
  detail: string;
}

export type RestoreVerification = ComparedRestore | UnverifiableRestore;

export function notVerifiable(detail: string, snapshot: string | null = null): UnverifiableRestore {
  return { snapshot, ok: null, tables: [], detail };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const countOrNull = (value: unknown) =>
  value === null || (typeof value === "number" && Number.isInteger(value) && value >= 0);

const textOrNull = (value: unknown) => value === null || typeof value === "string";

function isTable(value: unknown): value is TableVerification {
  return (
    isObject(value) &&
    typeof value.table === "string" &&
    countOrNull(value.expectedRows) &&
    countOrNull(value.rows) &&
    textOrNull(value.expectedChecksum) &&
    textOrNull(value.checksum) &&
    typeof value.ok === "boolean"
  );
}

/** A restore verification, as the stack output or the step's JSON line holds it; else undefined. */
export function restoreVerificationOf(value: unknown): RestoreVerification | undefined {
  let parsed = value;
  if (typeof parsed === "string") {
    try {
      parsed = JSON.parse(parsed) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!isObject(parsed) || typeof parsed.detail !== "string") return undefined;
  if (!Array.isArray(parsed.tables) || !parsed.tables.every(isTable)) return undefined;
  if (parsed.ok === null) {
    if (!textOrNull(parsed.snapshot) || parsed.tables.length > 0) return undefined;
    return notVerifiable(parsed.detail, parsed.snapshot as string | null);
  }
  if (typeof parsed.ok !== "boolean" || typeof parsed.snapshot !== "string") return undefined;
  return {
    snapshot: parsed.snapshot,
    ok: parsed.ok,
    tables: parsed.tables,
    detail: parsed.detail,
  };
}

/** The last `{"restoreVerification": ...}` line of a restore step's output; null when there is none. */
export function parseRestoreVerification(stdout: string | undefined): RestoreVerification | null {
  const lines = (stdout ?? "").split("\n").reverse();
  for (const line of lines) {
    const text = line.trim();
    if (!text.startsWith(`{"${RESTORE_VERIFICATION_KEY}"`)) continue;
    try {
      const found = restoreVerificationOf(
        (JSON.parse(text) as Record<string, unknown>)[RESTORE_VERIFICATION_KEY],
      );
      if (found) return found;
    } catch {
      // not JSON after all: look further up
    }
  }
  return null;
}
