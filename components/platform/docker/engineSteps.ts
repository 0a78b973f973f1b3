import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { ENGINE_ENV, ENGINE_MARKER } from "../../../contract/resources";
import { LABEL, type Role } from "../../../domain/labels";
import type { RestoreRequest, SnapshotRequest, StatefulEngine } from "../types";
import { restoreStepEnvironment } from "../restoreEnvironment";

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

/** An optional engine's steps, as InfluxDB and SQL Server declare them alike on Docker. */
export interface EngineStepsOf {
  ground: DockerEngineGround;
  engine: StatefulEngine["engine"];
  /** The resource names' prefix: `influxdb`, `sqlserver`. */
  name: string;
  parent: pulumi.Resource;
}

/** The backup before every switch, filed under the live release (`AITB_LIVE_RELEASE`). */
export function preSwitchBackup(
  of: EngineStepsOf,
  script: string,
  request: SnapshotRequest,
): command.local.Command {
  const liveRelease = pulumi.output(request.liveRelease).apply((release) => release ?? "");
  return new command.local.Command(
    `${of.name}-pre-switch-backup`,
    {
      create: script,
      triggers: [request.switchKey],
      environment: of.ground.dockerEnv({
        AITB_ROLE: "backup",
        [ENGINE_ENV]: of.engine,
        AITB_LIVE_RELEASE: liveRelease,
      }),
    },
    { parent: of.parent, dependsOn: request.database.resources },
  );
}

export interface EngineRestoreScripts {
  /** The forensic copy of the live database, taken first. */
  forensic: string;
  /** The restore into the new database `request.point.target`. */
  restore: string;
}

/**
 * The forensic copy of the live database, then the restore into a new one that waits for it
 * (retained when it leaves the program, like the database it made). Both are keyed by the target,
 * so each runs once per declared restore.
 */
export function forensicThenRestore(
  of: EngineStepsOf,
  scripts: EngineRestoreScripts,
  request: RestoreRequest,
  live: { database: string; backupRetentionDays: number; container?: docker.Container },
): { forensic: command.local.Command; restore: command.local.Command } {
  const target = request.point.target;
  const forensic = new command.local.Command(
    `${of.name}-forensic-copy`,
    {
      create: scripts.forensic,
      triggers: [target, request.incident],
      environment: of.ground.dockerEnv({
        AITB_ROLE: "forensic-copy",
        [ENGINE_ENV]: of.engine,
        AITB_INCIDENT: request.incident,
      }),
    },
    {
      parent: of.parent,
      dependsOn: [...(live.container ? [live.container] : []), ...(request.after ?? [])],
    },
  );
  const restore = new command.local.Command(
    `${of.name}-restore`,
    {
      create: scripts.restore,
      triggers: [target],
      environment: of.ground.dockerEnv({
        ...restoreStepEnvironment(request, { ...live, target }),
        [ENGINE_ENV]: of.engine,
      }),
    },
    { parent: of.parent, dependsOn: [forensic], retainOnDelete: true },
  );
  return { forensic, restore };
}
