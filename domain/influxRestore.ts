import {
  resolveRestorePoint,
  restoreProblems,
  type HistoryEntry,
  type RestoreDeclaration,
  type RestorePoint,
  type RestoreProblem,
} from "./restore";

/**
 * Restores of the optional stateful engines (InfluxDB, SQL Server), judged by the same rules as
 * the PostgreSQL restore (domain/restore.ts) under their own config keys: a past point within the
 * backup retention, a release of the catalog, a target that is not the live database.
 */
export interface EngineDeclaration {
  name: string;
  backupRetentionDays: number;
  restore?: RestoreDeclaration;
}

/** The config key of an engine: `aitb:influxdb`, `aitb:sqlServer`. */
export type EngineKey = "influxdb" | "sqlServer";

/** Each engine's name, as the notice, the report and the rollback's messages say it. */
export const ENGINE_NAMES: Record<EngineKey, string> = {
  influxdb: "InfluxDB",
  sqlServer: "SQL Server",
};

/** The new database's name: identifier characters only ("-" of the derived name becomes "_"). */
export function engineRestorePoint(
  engine: EngineDeclaration,
  restore: RestoreDeclaration,
  history: readonly HistoryEntry[],
): RestorePoint {
  const point = resolveRestorePoint(engine, restore, history);
  return { ...point, target: point.target.replace(/-/g, "_") };
}

export function engineRestoreProblems(
  key: EngineKey,
  engine: EngineDeclaration | undefined,
  history: readonly HistoryEntry[],
  releases: readonly string[],
  now: Date,
): RestoreProblem[] {
  const restore = engine?.restore;
  if (!engine || !restore) return [];
  const problems = restoreProblems(engine, history, releases, now)
    .filter((problem) => problem.key !== "aitb:database.restore.target")
    .map((problem) => ({
      key: problem.key.replace("aitb:database.", `aitb:${key}.`),
      message: problem.message.replace("aitb:database.", `aitb:${key}.`),
    }));
  if (
    restore.fromRelease &&
    !history.some((entry) => entry.release === restore.fromRelease && entry.deactivatedAt)
  ) {
    problems.push({
      key: `aitb:${key}.restore.fromRelease`,
      message: `"${restore.fromRelease}" has no backup: a release's backup is taken when it stops being live, and aitb:releaseHistory records no deactivation of it; choose a release that was live before, or set aitb:${key}.restore.pointInTime`,
    });
  }
  const target = engineRestorePoint(engine, restore, history).target;
  if (target === engine.name) {
    problems.push({
      key: `aitb:${key}.restore.target`,
      message: `"${target}" is the live database; a restore goes to a new database, then the services are repointed`,
    });
  }
  return problems;
}
