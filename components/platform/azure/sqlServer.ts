import * as pulumi from "@pulumi/pulumi";
import * as sql from "@pulumi/azure-native/sql";
import { ENGINE_MARKER } from "../../../contract/resources";
import { LABEL, RESTORE_LABEL } from "../../../domain/labels";
import type { SqlServerConfig } from "../../../config/schema";
import type {
  BackupHandle,
  DatabaseHandle,
  RestoreHandle,
  RestoreRequest,
  StatefulEngine,
} from "../types";
import { tagsFor } from "./tags";

/** What Azure SQL stands on: the stack's resource group and region, known after foundation(). */
export interface AzureSqlGround {
  stack: string;
  prefix: string;
  resourceGroupName(): pulumi.Output<string>;
  location(): string;
  password: pulumi.Output<string>;
}

/**
 * Azure SQL (Microsoft.Sql servers/databases): the live database protected and retained, its
 * point-in-time backups kept `backupRetentionDays` (1 to 35 days; learn.microsoft.com/azure/
 * azure-sql/database/automated-backups-overview), a forensic copy as a database copy
 * (`createMode: "Copy"`, a transactionally consistent copy of the source), and the restore as a
 * NEW database, `createMode: "PointInTimeRestore"` from `sourceDatabaseId` at
 * `restorePointInTime`. Property names as node_modules/@pulumi/azure-native/sql/database.d.ts
 * (3.28.0) declares them: "PointInTimeRestore: Creates a database by restoring a point in time
 * backup of an existing database. sourceDatabaseId must be specified as the resource ID of the
 * existing database, and restorePointInTime must be specified."
 */
export class AzureSqlServer implements StatefulEngine {
  readonly engine = "sqlServer" as const;
  private server?: sql.Server;
  private live?: sql.Database;

  constructor(
    private readonly ground: AzureSqlGround,
    private readonly config: SqlServerConfig,
  ) {}

  private get serverName(): string {
    return `${this.ground.prefix}-sql`;
  }

  private tags(role: "database" | "backup" | "forensic-copy" | "restore", extra = {}) {
    return tagsFor(this.ground.stack, role, { [ENGINE_MARKER]: this.engine, ...extra });
  }

  private urlFor(database: string): pulumi.Output<string> {
    return pulumi.output(
      `sqlserver://${this.serverName}.database.windows.net:1433?database=${database}`,
    );
  }

  private get liveDatabase(): sql.Database {
    if (!this.live) throw new Error("database() must run before this step");
    return this.live;
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const { ground, config } = this;
    const resourceGroupName = ground.resourceGroupName();
    const data = { parent, protect: true, retainOnDelete: true };
    this.server = new sql.Server(
      "sqlserver",
      {
        resourceGroupName,
        location: ground.location(),
        serverName: this.serverName,
        administratorLogin: config.adminLogin,
        administratorLoginPassword: ground.password,
        version: "12.0",
        minimalTlsVersion: "1.2",
        publicNetworkAccess: "Disabled",
        tags: this.tags("database"),
      },
      data,
    );
    this.live = new sql.Database(
      "sqlserver-database",
      {
        resourceGroupName,
        location: ground.location(),
        // Names as declared (not the server's output), so a review and the policies read them.
        serverName: this.serverName,
        databaseName: config.name,
        sku: { name: config.sku },
        tags: this.tags("database"),
      },
      { ...data, dependsOn: [this.server] },
    );
    const retention = new sql.BackupShortTermRetentionPolicy(
      "sqlserver-retention",
      {
        resourceGroupName,
        serverName: this.serverName,
        databaseName: config.name,
        policyName: "default",
        retentionDays: config.backupRetentionDays,
      },
      { parent, dependsOn: [this.live] },
    );
    return {
      identity: `${this.serverName}/${config.name}`,
      url: this.urlFor(config.name),
      resources: [this.server, this.live, retention],
    };
  }

  /** Azure SQL backs up continuously: a release's state is its point in time, nothing to take. */
  snapshot(): BackupHandle {
    return {
      location: pulumi.output(
        `Azure SQL automated backups of ${this.serverName}/${this.config.name} (point-in-time restore, ${this.config.backupRetentionDays} days)`,
      ),
      resources: [],
    };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { ground, config } = this;
    const live = this.liveDatabase;
    const target = request.point.target;
    const instant = request.point.instant;
    if (!instant) {
      // aitb:sqlServer.restore.fromRelease needs a recorded deactivation (config/validate.ts).
      throw new Error(`restore ${target} has no instant to restore to`);
    }
    const resourceGroupName = ground.resourceGroupName();
    const data = { parent, protect: true, retainOnDelete: true };
    const forensic = new sql.Database(
      "sqlserver-forensic-copy",
      {
        resourceGroupName,
        location: ground.location(),
        serverName: this.serverName,
        databaseName: `${config.name}_forensic_${target}`.slice(0, 128),
        createMode: "Copy",
        sourceDatabaseId: live.id,
        tags: this.tags("forensic-copy", { [RESTORE_LABEL.incident]: request.incident }),
      },
      { ...data, dependsOn: request.after ?? [] },
    );
    const restored = new sql.Database(
      "sqlserver-restore",
      {
        resourceGroupName,
        location: ground.location(),
        serverName: this.serverName,
        databaseName: target,
        createMode: "PointInTimeRestore",
        sourceDatabaseId: live.id,
        restorePointInTime: instant.toISOString(),
        tags: this.tags("restore", {
          [LABEL.color]: request.color,
          [RESTORE_LABEL.reason]: request.reason,
          [RESTORE_LABEL.incident]: request.incident,
        }),
      },
      { ...data, dependsOn: [forensic] },
    );
    return {
      identity: `${this.serverName}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restored],
    };
  }
}
