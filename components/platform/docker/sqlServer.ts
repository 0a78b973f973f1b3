import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { SqlServerConfig } from "../../../config/schema";
import type {
  BackupHandle,
  DatabaseHandle,
  RestoreHandle,
  RestoreRequest,
  SnapshotRequest,
  StatefulEngine,
} from "../types";
import {
  engineLabels,
  forensicThenRestore,
  preSwitchBackup,
  type DockerEngineGround,
  type EngineStepsOf,
} from "./engineSteps";
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

  private steps(parent: pulumi.Resource): EngineStepsOf {
    return { ground: this.ground, engine: this.engine, name: "sqlserver", parent };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const script = sqlServerSnapshotScript({
      container: this.containerName,
      database: this.config.name,
    });
    return {
      location: pulumi.output(
        `${this.ground.backupRoot}/sqlserver/<release>/{full,log}-<UTC time>`,
      ),
      resources: [preSwitchBackup(this.steps(parent), script, request)],
    };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { config } = this;
    const target = request.point.target;
    const { forensic, restore } = forensicThenRestore(
      this.steps(parent),
      {
        forensic: sqlServerForensicScript({
          container: this.containerName,
          database: config.name,
          label: target,
        }),
        restore: sqlServerRestoreScript({
          container: this.containerName,
          live: config.name,
          target,
          release: request.point.release,
          notAfter: request.point.instant?.toISOString(),
        }),
      },
      request,
      {
        database: config.name,
        backupRetentionDays: config.backupRetentionDays,
        container: this.container,
      },
    );
    return {
      identity: `${this.containerName}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restore],
    };
  }
}
