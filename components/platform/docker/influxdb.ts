import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { ENGINE_ENV, ENGINE_MARKER } from "../../../contract/resources";
import { LABEL, type Role } from "../../../domain/labels";
import type { InfluxdbConfig } from "../../../config/schema";
import type {
  BackupHandle,
  DatabaseHandle,
  RestoreHandle,
  RestoreRequest,
  SnapshotRequest,
  StatefulEngine,
} from "../types";
import { influxForensicScript, influxRestoreScript, influxSnapshotScript } from "./influxScripts";

/** What an optional engine on the Docker target stands on: the platform's provider, network and host folders. */
export interface DockerEngineGround {
  prefix: string;
  stack: string;
  /** Host folder of the backups, mounted at /backups. */
  backupRoot: string;
  opts(parent: pulumi.Resource, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
  networkName(): pulumi.Output<string>;
  /** A command's environment with DOCKER_HOST for the provider's daemon. */
  dockerEnv(own: Record<string, pulumi.Input<string>>): Record<string, pulumi.Input<string>>;
}

export function engineLabels(
  ground: DockerEngineGround,
  engine: StatefulEngine["engine"],
  role: Role,
): { label: string; value: string }[] {
  return Object.entries({
    [LABEL.role]: role,
    [LABEL.stack]: ground.stack,
    [ENGINE_MARKER]: engine,
  }).map(([label, value]) => ({ label, value }));
}

const INFLUX_PORT = 8086;

/**
 * InfluxDB 1.x on the Docker target: the data on a protected, retained volume; portable backups
 * in the host's backup folder beside the PostgreSQL dumps (`<root>/<release>/influxdb-pre-switch-*`);
 * a restore into a new database on the same server (`influxd restore -portable -newdb`).
 */
export class DockerInfluxdb implements StatefulEngine {
  readonly engine = "influxdb" as const;
  private container?: docker.Container;

  constructor(
    private readonly ground: DockerEngineGround,
    private readonly config: InfluxdbConfig,
  ) {}

  private get containerName(): string {
    return `${this.ground.prefix}-influxdb`;
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const { ground, config } = this;
    const volume = new docker.Volume(
      "influxdb-data",
      {
        name: `${ground.prefix}-influxdb`,
        labels: engineLabels(ground, this.engine, "database-volume"),
      },
      // The data: no update may delete it, and `pulumi destroy --exclude-protected` leaves it.
      ground.opts(parent, { protect: true, retainOnDelete: true }),
    );
    this.container = new docker.Container(
      "influxdb",
      {
        name: this.containerName,
        image: config.image,
        // The official 1.x image creates INFLUXDB_DB on its first start.
        envs: [`INFLUXDB_DB=${config.name}`, "INFLUXDB_REPORTING_DISABLED=true"],
        volumes: [
          { volumeName: volume.name, containerPath: "/var/lib/influxdb" },
          { hostPath: ground.backupRoot, containerPath: "/backups" },
        ],
        networksAdvanced: [{ name: ground.networkName(), aliases: ["influxdb"] }],
        healthcheck: {
          tests: ["CMD-SHELL", "influx -execute 'SHOW DATABASES' >/dev/null"],
          interval: "5s",
          retries: 12,
        },
        wait: true,
        restart: "unless-stopped",
        labels: engineLabels(ground, this.engine, "database"),
      },
      // Only the volume is protected: the container around it is replaceable (a new image).
      ground.opts(parent, { deleteBeforeReplace: true }),
    );
    return {
      identity: `${this.containerName}/${config.name}`,
      url: pulumi.output(`http://influxdb:${INFLUX_PORT}/${config.name}`),
      resources: [volume, this.container],
    };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const liveRelease = pulumi.output(request.liveRelease).apply((release) => release ?? "");
    const backup = new command.local.Command(
      "influxdb-pre-switch-backup",
      {
        create: influxSnapshotScript({ container: this.containerName, database: this.config.name }),
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
        `${this.ground.backupRoot}/<release>/influxdb-pre-switch-<UTC time>/`,
      ),
      resources: [backup],
    };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { config } = this;
    const target = request.point.target;
    const forensic = new command.local.Command(
      "influxdb-forensic-copy",
      {
        create: influxForensicScript({
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
      "influxdb-restore",
      {
        create: influxRestoreScript({
          container: this.containerName,
          database: config.name,
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
      url: pulumi.output(`http://influxdb:${INFLUX_PORT}/${target}`),
      forensicCopy: forensic,
      resources: [forensic, restore],
    };
  }
}
