import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type { ChangeRecord, DatabaseConfig } from "../../../config/schema";
import type { Color } from "../../../domain/colors";
import type { Foundation } from "./foundation";

/**
 * Azure's limits on on-demand backups of a flexible server (MicrosoftDocs concepts-backup-restore,
 * "On-demand backups", https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore):
 * none on the Burstable tier, at most 7 per server, each kept for the backup retention unless
 * deleted (users may delete on-demand backups at any time).
 */
export const ON_DEMAND_BACKUP_LIMIT = 7;

/**
 * On-demand backups this stack holds at once: the current one, and during the update that
 * replaces it also the new one (Pulumi creates the replacement, then deletes the old backup).
 * The rest of the limit is left to operators.
 */
export const STACK_ON_DEMAND_BACKUPS = 2;

export function onDemandBackupsSupported(db: DatabaseConfig): boolean {
  return db.tier !== "Burstable";
}

/**
 * Name of the on-demand backup taken at a switch or re-pin: the color and release going live,
 * and a digest of the routing, the pins and the change record, so a reviewer can tell which
 * change it belongs to and the next change replaces it under a new name.
 */
export function preSwitchBackupName(
  goingLive: { color: Color; release: string },
  switchKey: string,
  change: ChangeRecord,
): string {
  const digest = createHash("sha256")
    .update(`${switchKey}\n${JSON.stringify(change)}`)
    .digest("hex")
    .slice(0, 8);
  const release = goingLive.release.replace(/[^A-Za-z0-9]+/g, "-");
  return `pre-switch-${goingLive.color}-${release}-${digest}`.toLowerCase();
}

/**
 * PostgreSQL flexible server backups are continuous: a point-in-time restore reaches any second
 * within the retention, so the instant of a switch is restorable whether or not an on-demand
 * backup exists. The on-demand full backup is a named, faster restore point for the latest
 * change only. It is not retained on delete: its replacement at the next change deletes it, so
 * the stack never holds more than STACK_ON_DEMAND_BACKUPS of Azure's ON_DEMAND_BACKUP_LIMIT,
 * however many changes the retention spans. Nothing waits for it (the adapter hands no resource
 * back to wait on), so an app or the router is never held up by a backup.
 */
export function preSwitchBackup(
  args: {
    name: string;
    server: pulumi.Output<string>;
    foundation: Foundation;
    after: pulumi.Resource[];
  },
  parent: pulumi.Resource,
): dbforpostgresql.BackupsAutomaticAndOnDemand {
  return new dbforpostgresql.BackupsAutomaticAndOnDemand(
    "pre-switch-backup",
    {
      resourceGroupName: args.foundation.resourceGroupName,
      serverName: args.server,
      backupName: args.name,
    },
    // backupName is a path parameter, so a new name replaces the resource (pulumi/pulumi-azure-native
    // provider/pkg/provider/diff.go: "All the parameters that are part of the resource path cause
    // a replacement"), new one first, then the old one is deleted.
    { parent, dependsOn: args.after, deleteBeforeReplace: false },
  );
}
