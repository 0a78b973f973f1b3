import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type { ChangeRecord } from "../../../config/schema";
import type { Color } from "../../../domain/colors";
import type { Foundation } from "./foundation";

/**
 * Name of the on-demand backup taken before a switch or re-pin: the color and release going live,
 * and a digest of the routing, the pins and the change record, so switching back later (a new
 * change) takes a new backup instead of meeting the name of an old one.
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
 * PostgreSQL flexible server backups are continuous (point-in-time restore to any second within
 * the retention), so the instant before a switch is always restorable. The on-demand full backup
 * adds a named restore point at that instant that a reviewer can find and that restores faster.
 * Replacing it (the next switch) keeps the old one until the retention expires it.
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
    { parent, dependsOn: args.after, retainOnDelete: true },
  );
}
