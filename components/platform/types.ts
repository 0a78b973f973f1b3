import type * as pulumi from "@pulumi/pulumi";
import type { Color } from "../../domain/colors";
import type { ServiceSpec, DeploymentSpec } from "../../domain/deployment";
import type { Route } from "../../domain/routing";
import type { RestorePoint } from "../../domain/restore";
import type { ParsedStackConfig, Release, SecretKey } from "../../config/schema";

/** What every adapter is given: validated config and secrets, never raw pulumi.Config. */
export interface PlatformContext {
  config: ParsedStackConfig;
  secrets: Record<SecretKey, pulumi.Output<string>>;
  stack: string;
  project: string;
}

export interface DatabaseHandle {
  /** Identity of the live database (server or container and database name). */
  identity: string;
  /** Connection URL of the live database: a secret. */
  url: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

export interface ServiceHandle {
  resource: pulumi.Resource;
  /** Health URL reachable from where `pulumi up` runs, when there is one. */
  healthUrl?: pulumi.Output<string>;
  /**
   * The URL of one of the service's trading probes (a path of contract/tradingChecks.ts), reachable
   * from where `pulumi up` runs, when there is one.
   */
  probeUrl?: (path: string) => pulumi.Output<string>;
  /**
   * Any path of the service, called directly from where `pulumi up` runs, where the target allows
   * it (loopback, Docker): the pre-promotion analysis calls the target's routes this way.
   */
  directUrl?: (path: string) => pulumi.Output<string>;
}

export interface ServiceRequest {
  spec: ServiceSpec;
  /** Environment values that are secrets (DATABASE_URL, EXCHANGE_API_KEY). */
  secretEnv: Record<string, pulumi.Output<string>>;
  /** The service before it in its color's start order, or what the color waits for. */
  dependsOn: pulumi.Resource[];
}

export interface RouterRequest {
  spec: DeploymentSpec;
  routes: Route[];
  /** What the proxy's site needs: the routed services of both colors (it names them all). */
  dependsOn: pulumi.Resource[];
  /**
   * What must exist before the switch record names the active color: its services and the
   * pre-switch snapshot (a snapshot taken after the switch would hold the new release's writes).
   */
  switchAfter: pulumi.Resource[];
}

export interface RouterHandle {
  publicEndpoint: pulumi.Output<string>;
  /** The switch record (domain/switchRecord.ts): the only router resource a switch changes. */
  switchRecord: pulumi.Resource;
  resources: pulumi.Resource[];
}

export interface SnapshotRequest {
  /** Changes whenever the routing or a pin changes: the snapshot is retaken before each switch. */
  switchKey: string;
  database: DatabaseHandle;
  /** The release live before this update (the stack's deployed state); undefined on a new stack. */
  liveRelease: pulumi.Input<string | undefined>;
}

export interface BackupHandle {
  location: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

export interface RestoreRequest {
  color: Color;
  point: RestorePoint;
  live: DatabaseHandle;
  reason: string;
  incident: string;
  /** What the forensic copy waits for besides the live database (an optional engine's backup). */
  after?: pulumi.Resource[];
}

/** A step run where `pulumi up` runs, as a component declares it (the health gate, the change record). */
export interface LocalCommandRequest {
  name: string;
  /** The script; run by `sh -c` unless an interpreter is given. */
  create: string;
  interpreter?: string[];
  environment: Record<string, pulumi.Input<string>>;
  triggers: pulumi.Input<unknown>[];
  dependsOn?: pulumi.Resource[];
}

export interface RestoreHandle {
  identity: string;
  url: pulumi.Output<string>;
  forensicCopy: pulumi.Resource;
  resources: pulumi.Resource[];
  /**
   * The restore step's output, whose last `{"restoreVerification": ...}` line compares the
   * restored database with its snapshot's manifest (domain/restoreManifest.ts). Absent on a target
   * whose restore has no manifest to compare with.
   */
  verification?: pulumi.Output<string>;
}

/** Retained storage of one color's service logs (contract/logs.ts): it outlives any container. */
export interface LogStoreHandle {
  /** Where the color's logs are kept, as the target names it (a volume, a folder, a workspace). */
  location: pulumi.Output<string>;
  resources: pulumi.Resource[];
}

export interface LogCopyRequest {
  /** What the copy is filed under (contract/logs.ts forensicKey): the incident. */
  key: pulumi.Input<string>;
  /** Change exactly when a color's services are about to be replaced (a re-pin, a repoint). */
  triggers: pulumi.Input<string>[];
  /** The log stores the copy reads. */
  dependsOn: pulumi.Resource[];
}

/**
 * An optional stateful engine beside PostgreSQL (aitb:influxdb, aitb:sqlServer), on a target that
 * offers it, with the same guarantees: protected and retained data, a backup before every switch
 * keyed by the live release, and a restore that takes a forensic copy first and then restores
 * into a new database, never over the live one.
 */
export interface StatefulEngine {
  readonly engine: "influxdb" | "sqlServer";
  database(parent: pulumi.Resource): DatabaseHandle;
  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle;
  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle;
}

/**
 * The seam between the platform-free components and a target. Each method creates concrete
 * resources parented to the component that asks (`parent`), so the URNs read as a tree.
 */
export interface Platform {
  readonly target: "docker" | "azure" | "loopback";
  /** Shared ground both colors stand on (network, images, resource group, environment). */
  foundation(spec: DeploymentSpec, parent: pulumi.Resource): void;
  database(parent: pulumi.Resource): DatabaseHandle;
  service(request: ServiceRequest, parent: pulumi.Resource): ServiceHandle;
  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle;
  /**
   * The public base URL the router will answer on, known before the router is declared: the
   * pre-promotion analysis measures the traffic through it before the switch.
   */
  publicEndpoint(): pulumi.Output<string>;
  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle;
  /** Keeps a release's own service configuration (images, env, files) under that release's key. */
  configBackup(release: string, configuration: Release, parent: pulumi.Resource): BackupHandle;
  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle;
  /** aitb:influxdb on this target, when the stack declares it (configChecks refuse it elsewhere). */
  readonly influxdb?: StatefulEngine;
  /** aitb:sqlServer on this target, when the stack declares it. */
  readonly sqlServer?: StatefulEngine;
  /** Where one color's services write their logs: storage that no replacement deletes. */
  logStore(color: Color, parent: pulumi.Resource): LogStoreHandle;
  /**
   * The runbook's forensic copy of the current logs, into write-once storage keyed by incident;
   * run again only when the triggers change, and ordered before the services it precedes.
   */
  forensicLogCopy(request: LogCopyRequest, parent: pulumi.Resource): BackupHandle;
  /**
   * Runs a component's step on a target without @pulumi/command's provider (loopback). Targets
   * without it get a `command:local:Command` (components/platform/localCommand.ts).
   */
  localCommand?(request: LocalCommandRequest, parent: pulumi.Resource): pulumi.Resource;
}
