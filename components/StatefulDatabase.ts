import * as pulumi from "@pulumi/pulumi";
import type { Color } from "../domain/colors";
import type { RestorePoint } from "../domain/restore";
import type { BackupHandle, DatabaseHandle, RestoreHandle, StatefulEngine } from "./platform/types";

export interface StatefulDatabaseArgs {
  engine: StatefulEngine;
  /** Changes whenever the routing or a pin changes: the backup is retaken before each switch. */
  switchKey: string;
  /** The release live before this update; undefined on a new stack. */
  liveRelease: pulumi.Input<string | undefined>;
  /** The declared restore, when the stack config has one. */
  restore?: { color: Color; point: RestorePoint; reason: string; incident: string };
}

/**
 * One optional engine's database with its backups and its restore: the live database (protected,
 * retained), a backup before every switch filed under the live release, and, when declared, a
 * forensic copy of the live database and then a restore into a new database. The restore
 * waits for this update's backup, so the backup holds the state before the restore.
 */
export abstract class StatefulDatabase extends pulumi.ComponentResource {
  readonly live: DatabaseHandle;
  readonly backup: BackupHandle;
  readonly restore?: RestoreHandle;
  /** The restored database's identity, or null without a restore. */
  readonly restoredInto: string | null;

  protected constructor(
    type: string,
    name: string,
    args: StatefulDatabaseArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super(type, name, {}, opts);
    this.live = args.engine.database(this);
    this.backup = args.engine.snapshot(
      { switchKey: args.switchKey, database: this.live, liveRelease: args.liveRelease },
      this,
    );
    if (args.restore) {
      this.restore = args.engine.restore(
        { ...args.restore, live: this.live, after: this.backup.resources },
        this,
      );
    }
    this.restoredInto = this.restore?.identity ?? null;
    this.registerOutputs({ live: this.live.identity, restoredInto: this.restoredInto });
  }
}
