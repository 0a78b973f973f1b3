import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { InfluxdbConfig } from "../../../config/schema";
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
import { influxForensicScript, influxRestoreScript, influxSnapshotScript } from "./influxScripts";

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

  private steps(parent: pulumi.Resource): EngineStepsOf {
    return { ground: this.ground, engine: this.engine, name: "influxdb", parent };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const script = influxSnapshotScript({
      container: this.containerName,
      database: this.config.name,
    });
    return {
      location: pulumi.output(
        `${this.ground.backupRoot}/<release>/influxdb-pre-switch-<UTC time>/`,
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
        forensic: influxForensicScript({
          container: this.containerName,
          database: config.name,
          label: target,
        }),
        restore: influxRestoreScript({
          container: this.containerName,
          database: config.name,
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
      url: pulumi.output(`http://influxdb:${INFLUX_PORT}/${target}`),
      forensicCopy: forensic,
      resources: [forensic, restore],
    };
  }
}
