/**
 * SQL Server full and log backups and a point-in-time restore into a NEW database, as T-SQL.
 * The statements are constant text with sqlcmd scripting variables (`$(file)`, `$(stopAt)`), so
 * a file name or instant a step computes at run time is passed with `sqlcmd -v name=value` and
 * never spliced into SQL by a shell. Shapes from Microsoft's T-SQL reference:
 * learn.microsoft.com/sql/t-sql/statements/backup-transact-sql (BACKUP DATABASE/LOG ... TO DISK,
 * WITH CHECKSUM, INIT, COPY_ONLY) and .../restore-statements-transact-sql with
 * learn.microsoft.com/sql/relational-databases/backup-restore/restore-a-sql-server-database-to-a-point-in-time-full-recovery-model
 * (RESTORE DATABASE ... WITH MOVE ..., NORECOVERY; each RESTORE LOG ... WITH STOPAT, NORECOVERY;
 * then RESTORE DATABASE ... WITH RECOVERY). Log backups need the FULL recovery model.
 */

/** A database name the statements use as a bracketed identifier: letters, digits, `_` only. */
export const SQL_SERVER_DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Where the container keeps database files (the mssql image's default data folder). */
export const SQL_SERVER_DATA_DIR = "/var/opt/mssql/data";

function identifier(name: string): string {
  if (!SQL_SERVER_DATABASE_NAME.test(name)) {
    throw new Error(`"${name}" is not a database name of letters, digits and "_"`);
  }
  return `[${name}]`;
}

/** Creates the database when missing, in the FULL recovery model (log backups need it). */
export function ensureDatabaseSql(database: string): string {
  const db = identifier(database);
  return [
    `IF DB_ID(N'${database}') IS NULL CREATE DATABASE ${db};`,
    `ALTER DATABASE ${db} SET RECOVERY FULL;`,
  ].join("\n");
}

/** A full backup to `$(file)`; it starts the log chain the next log backups continue. */
export function fullBackupSql(database: string): string {
  return `BACKUP DATABASE ${identifier(database)} TO DISK = N'$(file)' WITH CHECKSUM, INIT;`;
}

/** A log backup to `$(file)`: what a restore replays up to its STOPAT. */
export function logBackupSql(database: string): string {
  return `BACKUP LOG ${identifier(database)} TO DISK = N'$(file)' WITH CHECKSUM, INIT;`;
}

/** The forensic copy: a copy-only full backup, which leaves the backup chain as it was. */
export function forensicBackupSql(database: string): string {
  return `BACKUP DATABASE ${identifier(database)} TO DISK = N'$(file)' WITH COPY_ONLY, CHECKSUM, INIT;`;
}

/** Prints 1 when the database exists (the restore refuses an existing target). */
export function databaseExistsSql(database: string): string {
  identifier(database);
  return `SET NOCOUNT ON; SELECT COUNT(*) FROM sys.databases WHERE name = N'${database}';`;
}

/**
 * The full backup restored under a new name, its files moved to new paths (the live database's
 * files stay untouched), left restoring for the logs. Logical names are the CREATE DATABASE
 * defaults, `<live>` and `<live>_log`.
 */
export function restoreFullSql(live: string, target: string): string {
  const dir = SQL_SERVER_DATA_DIR;
  return [
    `RESTORE DATABASE ${identifier(target)} FROM DISK = N'$(file)'`,
    `WITH MOVE N'${live}' TO N'${dir}/${target}.mdf',`,
    `MOVE N'${live}_log' TO N'${dir}/${target}_log.ldf',`,
    "CHECKSUM, NORECOVERY;",
  ].join("\n");
}

/** One log backup replayed, stopping at `$(stopAt)` (UTC) when the restore has a point in time. */
export function restoreLogSql(target: string, stopAt: boolean): string {
  const stop = stopAt ? "STOPAT = N'$(stopAt)', " : "";
  return `RESTORE LOG ${identifier(target)} FROM DISK = N'$(file)' WITH ${stop}NORECOVERY;`;
}

/** Brings the restored database online. */
export function recoverSql(target: string): string {
  return `RESTORE DATABASE ${identifier(target)} WITH RECOVERY;`;
}

/** SQL Server reads STOPAT as a datetime without offset: the instant in UTC, to the second. */
export function stopAtOf(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, "");
}
