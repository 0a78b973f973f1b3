import type { RestoreRequest } from "./types";

/**
 * What a restore step is told about the restore it runs, on every target and for every engine:
 * the color, why, the incident, the new database and the live one, the point and the retention
 * it was judged against. The step's script reads them, and they show in `pulumi preview`.
 */
export function restoreStepEnvironment(
  request: RestoreRequest,
  /** The new database as the target names it (its identifier form), the live one and its retention. */
  live: { target: string; database: string; backupRetentionDays: number },
): Record<string, string> {
  return {
    AITB_ROLE: "restore",
    AITB_RESTORE_COLOR: request.color,
    AITB_RESTORE_REASON: request.reason,
    AITB_INCIDENT: request.incident,
    AITB_RESTORE_TARGET: live.target,
    AITB_LIVE_DATABASE: live.database,
    AITB_RESTORE_POINT: request.point.instant?.toISOString() ?? "",
    AITB_RESTORE_RELEASE: request.point.release ?? "",
    AITB_BACKUP_RETENTION_DAYS: String(live.backupRetentionDays),
  };
}
