import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { ENGINE_ENV } from "../../../contract/resources";
import type { SqlServerConfig } from "../../../config/schema";
import type {
  BackupHandle,
  DatabaseHandle,
  RestoreHandle,
  RestoreRequest,
  SnapshotRequest,
  StatefulEngine,
} from "../types";
import { engineLabels, type DockerEngineGround } from "./influxdb";
import {
  sqlServerForensicScript,
  sqlServerRestoreScript,
  sqlServerSnapshotScript,
} from "./sqlServerScripts";

const SQL_PORT = 1433;

/**
 * SQL Server on the Docker target (an mssql container; it cannot run on the machines this product
 * is built on, so its steps are tested as text and its plan under mocks): the data on a
 * protected, retained volume; a full and a log backup before every switch; a restore of the full
 * backup and the logs after it into a new database, STOPAT the restore point.
 */
export class DockerSqlServer implements StatefulEngine {
  readonly engine = "sqlServer" as const;
  private container?: docker.Container;

  constructor(
    private readonly ground: DockerEngineGround,
    private readonly config: SqlServerConfig,
    private readonly password: pulumi.Output<string>,
  ) {}

  private get containerName(): string {
    return `${this.ground.prefix}-sqlserver`;
  }

  private urlFor(database: string): pulumi.Output<string> {
    return pulumi.secret(
      pulumi.interpolate`sqlserver://sa:${this.password}@sqlserver:${SQL_PORT}?database=${database}`,
    );
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const { ground, config } = this;
    const volume = new docker.Volume(
      "sqlserver-data",
      {
        name: `${ground.prefix}-sqlserver`,
        labels: engineLabels(ground, this.engine, "database-volume"),
      },
      ground.opts(parent, { protect: true, retainOnDelete: true }),
    );
    this.container = new docker.Container(
      "sqlserver",
      {
        name: this.containerName,
        image: config.image,
        envs: [
          "ACCEPT_EULA=Y",
          "MSSQL_PID=Developer",
          pulumi.interpolate`MSSQL_SA_PASSWORD=${this.password}`,
        ],
        volumes: [
          { volumeName: volume.name, containerPath: "/var/opt/mssql" },
          { hostPath: ground.backupRoot, containerPath: "/backups" },
        ],
        networksAdvanced: [{ name: ground.networkName(), aliases: ["sqlserver"] }],
        healthcheck: {
          tests: [
            "CMD-SHELL",
            'SQLCMDPASSWORD="$MSSQL_SA_PASSWORD" /opt/mssql-tools18/bin/sqlcmd -S localhost -U sa -C -b -Q "SELECT 1" >/dev/null',
          ],
          interval: "10s",
          retries: 12,
        },
        wait: true,
        waitTimeout: 180,
        restart: "unless-stopped",
        labels: engineLabels(ground, this.engine, "database"),
      },
      ground.opts(parent, { deleteBeforeReplace: true }),
    );
    return {
      identity: `${this.containerName}/${config.name}`,
      url: this.urlFor(config.name),
      resources: [volume, this.container],
    };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const liveRelease = pulumi.output(request.liveRelease).apply((release) => release ?? "");
    const backup = new command.local.Command(
      "sqlserver-pre-switch-backup",
      {
        create: sqlServerSnapshotScript({
          container: this.containerName,
          database: this.config.name,
        }),
        triggers: [request.switchKey],
        environment: this.ground.dockerEnv({
          AITB_ROLE: "backup",
          [ENGINE_ENV]: this.engine,
          AITB_LIVE_RELEASE: liveRelease,
        }),
      },
      { parent, dependsOn: request.database.resources },
    );
    return {
      location: pulumi.output(
        `${this.ground.backupRoot}/sqlserver/<release>/{full,log}-<UTC time>`,
      ),
      resources: [backup],
    };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { config } = this;
    const target = request.point.target;
    const forensic = new command.local.Command(
      "sqlserver-forensic-copy",
      {
        create: sqlServerForensicScript({
          container: this.containerName,
          database: config.name,
          label: target,
        }),
        triggers: [target, request.incident],
        environment: this.ground.dockerEnv({
          AITB_ROLE: "forensic-copy",
          [ENGINE_ENV]: this.engine,
          AITB_INCIDENT: request.incident,
        }),
      },
      {
        parent,
        dependsOn: [...(this.container ? [this.container] : []), ...(request.after ?? [])],
      },
    );
    const restore = new command.local.Command(
      "sqlserver-restore",
      {
        create: sqlServerRestoreScript({
          container: this.containerName,
          live: config.name,
          target,
          release: request.point.release,
          notAfter: request.point.instant?.toISOString(),
        }),
        triggers: [target],
        environment: this.ground.dockerEnv({
          AITB_ROLE: "restore",
          [ENGINE_ENV]: this.engine,
          AITB_RESTORE_COLOR: request.color,
          AITB_RESTORE_REASON: request.reason,
          AITB_INCIDENT: request.incident,
          AITB_RESTORE_TARGET: target,
          AITB_LIVE_DATABASE: config.name,
          AITB_RESTORE_POINT: request.point.instant?.toISOString() ?? "",
          AITB_RESTORE_RELEASE: request.point.release ?? "",
          AITB_BACKUP_RETENTION_DAYS: String(config.backupRetentionDays),
        }),
      },
      { parent, dependsOn: [forensic], retainOnDelete: true },
    );
    return {
      identity: `${this.containerName}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restore],
    };
  }
}
