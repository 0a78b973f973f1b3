import type { HistoryEntry } from "./restore";
import { engineRestoreProblems, type EngineDeclaration } from "./influxRestore";

/** Azure SQL keeps point-in-time backups 1 to 35 days (learn.microsoft.com/azure/azure-sql/database/automated-backups-overview). */
export const AZURE_SQL_RETENTION_DAYS = { min: 1, max: 35, default: 7 } as const;

/** The SQL Server restore's config problems, under aitb:sqlServer.restore.* keys. */
export function sqlServerRestoreProblems(
  engine: EngineDeclaration | undefined,
  history: readonly HistoryEntry[],
  releases: readonly string[],
  now: Date,
) {
  return engineRestoreProblems("sqlServer", engine, history, releases, now);
}
