import { shellQuote } from "../../../domain/quote";
import {
  databaseExistsSql,
  ensureDatabaseSql,
  forensicBackupSql,
  fullBackupSql,
  logBackupSql,
  recoverSql,
  restoreFullSql,
  restoreLogSql,
  stopAtOf,
} from "../../../domain/sqlServerBackup";
import { inContainer, LIVE_RELEASE_PRELUDE, snapshotStamp } from "./scripts";

/**
 * The SQL Server steps of the Docker target, run in the mssql container: a full and a log backup
 * before every switch (filed under the live release), a copy-only forensic backup before a
 * restore, and the restore of a full backup plus the log backups after it into a NEW database,
 * stopping at the restore point. The T-SQL is constant text (domain/sqlServerBackup.ts); file
 * names and the instant reach it as sqlcmd variables. The password is the container's own
 * MSSQL_SA_PASSWORD, read inside the container into SQLCMDPASSWORD: it never appears in a
 * command line or a step's text.
 */

const quote = shellQuote;

/** sqlcmd of the mssql 2022 images (mssql-tools18). */
export const SQLCMD_PATH = "/opt/mssql-tools18/bin/sqlcmd";
/** -C trusts the container's own certificate, -b fails on an error, -h -1 prints no headers. */
const SQLCMD_FLAGS = "-S localhost -U sa -C -b -h -1";

/** Where the container sees the stack's backups: its SQL Server folder in them. */
export const SQL_BACKUPS = "/backups/sqlserver";

/** Where a step runs: the container's sqlcmd and backup folder unless told otherwise. */
export interface SqlServerHost {
  sqlcmd?: string;
  backups?: string;
}

function sqlcmdLine(host: SqlServerHost, sql: string, vars: Record<string, string> = {}): string {
  const v = Object.entries(vars).map(([name, value]) => `-v ${name}=${value}`);
  return [
    'SQLCMDPASSWORD="$MSSQL_SA_PASSWORD"',
    quote(host.sqlcmd ?? SQLCMD_PATH),
    SQLCMD_FLAGS,
    ...v,
    "-Q",
    quote(sql),
  ].join(" ");
}

/** The pre-switch backups; `$release` and `$stamp` come from the caller. */
export function sqlServerSnapshotStep(database: string, host: SqlServerHost = {}): string {
  const sqlcmd = (sql: string, vars?: Record<string, string>) => sqlcmdLine(host, sql, vars);
  const folder = `${host.backups ?? SQL_BACKUPS}/$release`;
  return [
    "set -eu",
    `mkdir -p "${folder}"`,
    sqlcmd(ensureDatabaseSql(database)),
    sqlcmd(fullBackupSql(database), { file: `"${folder}/full-$stamp.bak"` }),
    sqlcmd(logBackupSql(database), { file: `"${folder}/log-$stamp.trn"` }),
  ].join("\n");
}

export function sqlServerForensicStep(
  database: string,
  label: string,
  host: SqlServerHost = {},
): string {
  const sqlcmd = (sql: string, vars?: Record<string, string>) => sqlcmdLine(host, sql, vars);
  const folder = `${host.backups ?? SQL_BACKUPS}/forensics`;
  return [
    "set -eu",
    `mkdir -p "${folder}"`,
    `file="${folder}/${label}-$(date -u +%Y%m%dT%H%M%SZ).bak"`,
    sqlcmd(forensicBackupSql(database), { file: '"$file"' }),
  ].join("\n");
}

export interface SqlServerRestoreStep {
  live: string;
  target: string;
  /** The newest full backup of this release; without it, of any release. */
  release?: string;
  /** The restore point: the newest full at or before it, then every log up to it, STOPAT it. */
  notAfter?: string;
}

/**
 * Refuses an existing target, and a point no log backup reaches; restores the newest full backup
 * (WITH MOVE to the target's own files, NORECOVERY), replays the log backups taken after it in
 * time order (up to the first taken at or after the point, each WITH STOPAT), then RECOVERY. Without a point, only the log
 * backup taken with the full one is replayed: the state before that switch.
 */
export function sqlServerRestoreStep(step: SqlServerRestoreStep, host: SqlServerHost = {}): string {
  const sqlcmd = (sql: string, vars?: Record<string, string>) => sqlcmdLine(host, sql, vars);
  const backups = host.backups ?? SQL_BACKUPS;
  const fulls = step.release ? `${backups}/${step.release}` : `${backups}/*`;
  const limit = step.notAfter ? snapshotStamp(new Date(step.notAfter)) : "";
  const stopAt = step.notAfter ? stopAtOf(new Date(step.notAfter)) : "";
  const stampOf = `sed -E 's/.*-([0-9]{8}T[0-9]{6}Z)\\.(bak|trn)$/\\1/'`;
  return [
    "set -eu",
    `exists=$(${sqlcmd(databaseExistsSql(step.target))} | tr -d ' \\r')`,
    `if [ "$exists" != 0 ]; then echo ${quote(`database ${step.target} exists; a restore never writes over an existing database`)} >&2; exit 1; fi`,
    `full=$(ls -1 ${fulls}/full-*.bak 2>/dev/null | awk -F/ -v lim=${quote(limit ? `full-${limit}.bak` : "")} '{ if (lim == "" || $NF <= lim) print $NF " " $0 }' | sort -r | head -n 1 | cut -d" " -f2-)`,
    `if [ -z "$full" ]; then echo ${quote(`no SQL Server full backup in ${fulls}${step.notAfter ? ` taken at or before ${step.notAfter}` : ""}`)} >&2; exit 1; fi`,
    `from=$(printf '%s' "$full" | ${stampOf})`,
    `ls -1 ${backups}/*/log-*.trn 2>/dev/null | awk -F/ '{ print $NF " " $0 }' | sort | cut -d" " -f2- > /tmp/aitb-logs.$$`,
    // A point after the newest log backup cannot be reached: refuse before creating anything.
    ...(step.notAfter
      ? [
          `if ! awk -F/ -v lim=${quote(`log-${limit}.trn`)} '$NF >= lim { found = 1 } END { exit !found }' /tmp/aitb-logs.$$; then rm -f /tmp/aitb-logs.$$; echo ${quote(`no log backup taken at or after ${step.notAfter}: the restore could not reach that point; take a log backup first (the pre-switch step), or choose an earlier point`)} >&2; exit 1; fi`,
        ]
      : []),
    sqlcmd(restoreFullSql(step.live, step.target), { file: '"$full"' }),
    "while IFS= read -r log; do",
    `  at=$(printf '%s' "$log" | ${stampOf})`,
    '  [ "$at" \\< "$from" ] && continue',
    step.notAfter
      ? `  ${sqlcmd(restoreLogSql(step.target, true), { file: '"$log"', stopAt: quote(stopAt) })}`
      : `  [ "$at" = "$from" ] || break\n  ${sqlcmd(restoreLogSql(step.target, false), { file: '"$log"' })}`,
    step.notAfter ? `  [ "$at" \\< ${quote(limit)} ] || break` : "  break",
    "done < /tmp/aitb-logs.$$",
    "rm -f /tmp/aitb-logs.$$",
    sqlcmd(recoverSql(step.target)),
    `echo "restored $full and its logs into ${step.target}"`,
  ].join("\n");
}

/** The Docker target's pre-switch backups, filed under the release live before this update. */
export function sqlServerSnapshotScript(options: { container: string; database: string }): string {
  return [
    "set -eu",
    ...LIVE_RELEASE_PRELUDE,
    `docker exec -e release="$release" -e stamp="$stamp" ${options.container} sh -c ${quote(sqlServerSnapshotStep(options.database))}`,
    'echo "SQL Server full and log backup of $release taken before the switch"',
  ].join("\n");
}

export function sqlServerForensicScript(options: {
  container: string;
  database: string;
  label: string;
}): string {
  return `set -eu\n${inContainer(options.container, sqlServerForensicStep(options.database, options.label))}\necho ${quote(`forensic copy of ${options.database} taken`)}`;
}

export function sqlServerRestoreScript(
  options: { container: string } & SqlServerRestoreStep,
): string {
  const { container, ...step } = options;
  return inContainer(container, sqlServerRestoreStep(step));
}
