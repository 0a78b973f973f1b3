/**
 * The parts of the stack config a restore is judged by, as this module reads them (config/schema.ts
 * produces values of these shapes; domain/ does not depend on config/).
 */
export interface RestoreDeclaration {
  pointInTime?: string;
  fromRelease?: string;
  target?: string;
  performedAt?: string;
}

export interface DatabaseDeclaration {
  name: string;
  backupRetentionDays: number;
  restore?: RestoreDeclaration;
}

export interface HistoryEntry {
  release: string;
  activatedAt: string;
  deactivatedAt?: string;
}

/** Where a declared restore reads from. */
export interface RestorePoint {
  /** The instant the restored database reflects (point-in-time restores and dated snapshots). */
  instant?: Date;
  /** The release whose pre-switch snapshot is restored, for snapshot restores. */
  release?: string;
  /** Name of the new database (Docker) or new server (Azure); never the live one. */
  target: string;
}

export interface RestoreProblem {
  key: string;
  message: string;
}

function stamp(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, "").slice(0, 13).toLowerCase();
}

/** The snapshot of a release is taken when it stops being live: its latest deactivation. */
export function snapshotInstant(
  release: string,
  history: readonly HistoryEntry[],
): Date | undefined {
  const ends = history
    .filter((entry) => entry.release === release && entry.deactivatedAt)
    .map((entry) => new Date(entry.deactivatedAt as string).getTime());
  return ends.length > 0 ? new Date(Math.max(...ends)) : undefined;
}

export function resolveRestorePoint(
  database: DatabaseDeclaration,
  restore: RestoreDeclaration,
  history: readonly HistoryEntry[],
): RestorePoint {
  const instant = restore.pointInTime
    ? new Date(restore.pointInTime)
    : snapshotInstant(restore.fromRelease as string, history);
  const suffix = restore.pointInTime
    ? `pitr-${stamp(instant as Date)}`
    : `release-${(restore.fromRelease as string).replace(/[^a-z0-9]/gi, "-")}`;
  return {
    instant,
    release: restore.fromRelease,
    target: restore.target ?? `${database.name}-restore-${suffix}`.toLowerCase(),
  };
}

/**
 * The rules a restore must meet before anything registers: a point in the past and within the
 * backup retention, and a target that is not the live database.
 */
export function restoreProblems(
  database: DatabaseDeclaration,
  history: readonly HistoryEntry[],
  releases: readonly string[],
  now: Date,
): RestoreProblem[] {
  const restore = database.restore;
  if (!restore) return [];
  const problems: RestoreProblem[] = [];
  const point = resolveRestorePoint(database, restore, history);
  if (restore.pointInTime && !restore.performedAt) {
    const key = "aitb:database.restore.pointInTime";
    const instant = point.instant as Date;
    if (instant.getTime() > now.getTime()) {
      problems.push({
        key,
        message: `"${restore.pointInTime}" is in the future (now is ${now.toISOString()}); expected a past instant`,
      });
    }
    const oldest = now.getTime() - database.backupRetentionDays * 86_400_000;
    if (instant.getTime() < oldest) {
      problems.push({
        key,
        message: `"${restore.pointInTime}" is older than the backup retention of ${database.backupRetentionDays} days (oldest restorable: ${new Date(oldest).toISOString()}); expected a later instant`,
      });
    }
  }
  if (restore.fromRelease && !releases.includes(restore.fromRelease)) {
    problems.push({
      key: "aitb:database.restore.fromRelease",
      message: `"${restore.fromRelease}" is not in the release catalog (aitb:releases); expected one of ${releases.join(", ")}`,
    });
  }
  if (point.target === database.name) {
    problems.push({
      key: "aitb:database.restore.target",
      message: `"${point.target}" is the live database; a restore goes to a new database, then the services are repointed`,
    });
  }
  return problems;
}
