import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { COLORS, type Color } from "../../../domain/colors";
import { SERVICE_NAMES, type ServiceName } from "../../../domain/services";
import type { DeploymentSpec } from "../../../domain/deployment";
import type { LoopbackConfig, Release } from "../../../config/schema";
import { ConfigError } from "../../../config/errors";
import type { RoutedService } from "../../../domain/routing";
import { proxySite, renderNginxSite } from "../../../domain/nginxSite";
import { encodeSwitchRecord, switchRecordOf } from "../../../domain/switchRecord";
import { LABEL, type Role } from "../../../domain/labels";
import type {
  BackupHandle,
  DatabaseHandle,
  LocalCommandRequest,
  LogCopyRequest,
  LogStoreHandle,
  Platform,
  PlatformContext,
  RestoreHandle,
  RestoreRequest,
  RouterHandle,
  RouterRequest,
  ServiceHandle,
  ServiceRequest,
  SnapshotRequest,
} from "../types";
import { projectRoot } from "../projectRoot";
import {
  CONFIG_BACKUP_FILE,
  configBackupOf,
  configBackupScript,
  renderConfigBackup,
  serviceEnvOf,
} from "../../../domain/configBackup";
import { DRAIN_FLAG, SWITCH_RECORD_FOLDER, SWITCH_RECORD_SCRIPT } from "../switchRecord";
import {
  forensicDumpStep,
  LIVE_RELEASE_PRELUDE,
  pgRestoreStep,
  preSwitchDumpStep,
} from "../docker/scripts";
import { loopbackConfigIssues, servicePort } from "./configChecks";
import { logStoreScript, loopbackLogsDir } from "./logs";
import { SEAL_LOGS_SCRIPT, sealLogsEnvironment } from "../docker/logs";
import { LOG_DIR_ENV } from "../../../contract/logs";
import {
  LoopbackProviders,
  LoopbackProxy,
  LoopbackService,
  LoopbackStep,
  PostgresCluster,
  PostgresServer,
} from "./resources";
import { restoreStepEnvironment } from "../restoreEnvironment";

/** Where a program is looked for when aitb:loopback.nginx is not set. */
const NGINX_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"];

function findNginx(): string {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...NGINX_DIRS];
  const found = dirs
    .map((dir) => path.join(dir, "nginx"))
    .find((file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  // Not found: the proxy's create names the key to set.
  return found ?? "/usr/sbin/nginx";
}

/**
 * The site nginx serves on loopback: both colors' processes as upstreams, the color picked per
 * request from the switch record in the state folder. The one place this target renders a site.
 */
export function loopbackSite(options: {
  spec: DeploymentSpec;
  host: string;
  port: number;
  upstreamPort: (routed: RoutedService, color: Color) => number;
  switchRecordDir: string;
  drainFlag: string;
  clientKeepaliveSeconds: number;
}): string {
  return renderNginxSite(
    proxySite({
      spec: options.spec,
      listen: { host: options.host, port: options.port },
      upstreamOf: (routed, color) => ({
        host: options.host,
        port: options.upstreamPort(routed, color),
      }),
      switchRecordDir: options.switchRecordDir,
      drainFlag: options.drainFlag,
      clientKeepaliveSeconds: options.clientKeepaliveSeconds,
    }),
  );
}

/**
 * The loopback target: no container engine and no cloud. The services of both colors run as
 * supervised Node processes on 127.0.0.1, a real nginx serves the router's site, PostgreSQL runs
 * from a cluster folder; everything lives under the stack's state folder (default
 * ./.aitb/<stack>), and every piece is a Pulumi dynamic resource of this program.
 */
export class LoopbackPlatform implements Platform {
  readonly target = "loopback" as const;
  private readonly settings: LoopbackConfig;
  private readonly stateDir: string;
  private readonly backupRoot: string;
  private readonly providers: LoopbackProviders;
  private readonly node: string;
  private readonly program: string;
  private readonly supervisor: string;
  private readonly nginx: string;
  private readonly socketDir: string;
  private readonly switchDir: string;
  private server?: PostgresServer;

  constructor(private readonly context: PlatformContext) {
    const issues = loopbackConfigIssues(context.config);
    if (issues.length > 0) throw new ConfigError(issues);
    this.settings = context.config.loopback;
    const root = projectRoot();
    this.stateDir = path.resolve(root, this.settings.stateDir ?? path.join(".aitb", context.stack));
    this.backupRoot = path.resolve(root, context.config.backups.root);
    const dist = path.join(root, "dist");
    this.providers = new LoopbackProviders(
      path.join(dist, "components", "platform", "loopback", "runtime"),
    );
    this.node = process.execPath;
    this.program = path.join(dist, "reference-service", "server.js");
    this.supervisor = path.join(this.providers.runtimeDir, "supervisor.js");
    this.nginx = this.settings.nginx ?? findNginx();
    this.socketDir = path.join(this.stateDir, "postgres", "socket");
    this.switchDir = path.join(this.stateDir, SWITCH_RECORD_FOLDER);
  }

  private labels(role: Role, extra: Record<string, string> = {}): Record<string, string> {
    return { [LABEL.role]: role, [LABEL.stack]: this.context.stack, ...extra };
  }

  private get host(): string {
    return this.settings.host;
  }

  private portOf(color: Color, service: ServiceName): number {
    return servicePort(
      this.settings.servicePortBase,
      COLORS.indexOf(color),
      SERVICE_NAMES.indexOf(service),
    );
  }

  /** Nothing is shared beyond the state folder, which each resource creates as it needs. */
  foundation(): void {}

  database(parent: pulumi.Resource): DatabaseHandle {
    const db = this.context.config.database;
    const password = this.context.secrets.dbPassword;
    const cluster = new PostgresCluster(
      this.providers,
      "postgres-data",
      {
        dataDir: path.join(this.stateDir, "postgres", "data"),
        bin: this.settings.postgresBin,
        user: db.user,
        password,
        labels: this.labels("database-volume"),
      },
      { parent, protect: true, retainOnDelete: true },
    );
    this.server = new PostgresServer(
      this.providers,
      "postgres",
      {
        dataDir: cluster.dataDir,
        bin: this.settings.postgresBin,
        host: this.host,
        port: this.settings.postgresPort,
        socketDir: this.socketDir,
        logFile: path.join(this.stateDir, "postgres", "postgres.log"),
        user: db.user,
        password,
        database: db.name,
        startTimeoutSeconds: this.settings.startTimeoutSeconds,
        labels: this.labels("database"),
      },
      // Only the data (the cluster folder) is protected, as on the Docker target where only the
      // volume is: the server process stays replaceable and `pulumi destroy` stops it. One
      // cluster folder serves one postmaster, so a replacement stops the old one first.
      { parent, dependsOn: [cluster], deleteBeforeReplace: true },
    );
    return {
      identity: `postgres@${this.host}:${this.settings.postgresPort}/${db.name}`,
      url: this.urlFor(db.name),
      resources: [cluster, this.server],
    };
  }

  private urlFor(database: string): pulumi.Output<string> {
    const db = this.context.config.database;
    const { host } = this;
    const port = this.settings.postgresPort;
    return pulumi.secret(
      this.context.secrets.dbPassword.apply(
        (password) =>
          `postgres://${encodeURIComponent(db.user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`,
      ),
    );
  }

  /** libpq's environment for the backup and restore steps: the Unix socket in the state folder. */
  private databaseEnvironment(): Record<string, string> {
    return {
      PGHOST: this.socketDir,
      PGPORT: String(this.settings.postgresPort),
      PGUSER: this.context.config.database.user,
      PGCONNECT_TIMEOUT: "10",
    };
  }

  private databaseSecrets(): pulumi.Output<Record<string, string>> {
    return pulumi.secret(
      this.context.secrets.dbPassword.apply((password): Record<string, string> => ({
        PGPASSWORD: password,
      })),
    );
  }

  service(request: ServiceRequest, parent: pulumi.Resource): ServiceHandle {
    const { spec } = request;
    const port = this.portOf(spec.color, spec.service);
    const healthUrl = `http://${this.host}:${port}${spec.settings.healthPath}`;
    const service = new LoopbackService(
      this.providers,
      `${spec.service}-${spec.color}`,
      {
        name: `${spec.color}-${spec.service}`,
        stateDir: this.stateDir,
        host: this.host,
        port,
        node: this.node,
        supervisor: this.supervisor,
        program: this.program,
        env: {
          ...spec.env,
          PORT: String(port),
          AITB_HOST: this.host,
          // The bot learns the desired color from the switch record, never from its own config.
          ...(spec.service === "bot" ? { AITB_SWITCH_RECORD: this.switchDir } : {}),
          // The color's log folder outlives every process of the color (contract/logs.ts).
          [LOG_DIR_ENV]: loopbackLogsDir(this.stateDir, spec.color),
        },
        secretEnv: pulumi.secret(pulumi.all(request.secretEnv)),
        files: spec.files,
        healthUrl,
        // Not the trading mode: that follows the switch record and the lease, and the health
        // gate checks it after the switch.
        expect: { service: spec.service, color: spec.color, release: spec.release },
        startTimeoutSeconds: this.settings.startTimeoutSeconds,
        labels: this.labels("service", {
          [LABEL.color]: spec.color,
          [LABEL.service]: spec.service,
          [LABEL.release]: spec.release,
        }),
      },
      { parent, dependsOn: request.dependsOn },
    );
    const direct = (servicePath: string) =>
      pulumi.output(`http://${this.host}:${port}${servicePath}`);
    return {
      resource: service,
      healthUrl: pulumi.output(healthUrl),
      probeUrl: direct,
      directUrl: direct,
    };
  }

  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle {
    const { spec } = request;
    const port = this.settings.proxyPort;
    const keepalive = this.context.config.proxy.clientKeepaliveSeconds;
    const drainFlag = path.join(this.proxyPrefix, DRAIN_FLAG);
    const site = loopbackSite({
      spec,
      host: this.host,
      port,
      upstreamPort: (routed, color) => this.portOf(color, routed.service),
      switchRecordDir: this.switchDir,
      drainFlag,
      clientKeepaliveSeconds: keepalive,
    });
    // The switch: one rename in the state folder that nginx and both bots read.
    const switchRecord = new LoopbackStep(
      this.providers,
      "switch-record",
      {
        create: SWITCH_RECORD_SCRIPT,
        interpreter: [this.node, "-e"],
        environment: {
          AITB_ROLE: "switch-record",
          AITB_SWITCH_DIR: this.switchDir,
          AITB_SWITCH_RECORD: encodeSwitchRecord(switchRecordOf(spec)),
        },
        labels: this.labels("switch-record"),
      },
      { parent, dependsOn: request.switchAfter },
    );
    const proxy = new LoopbackProxy(
      this.providers,
      "proxy",
      {
        prefix: this.proxyPrefix,
        nginx: this.nginx,
        host: this.host,
        port,
        site,
        drain: { file: drainFlag, seconds: keepalive + 1 },
        startTimeoutSeconds: this.settings.startTimeoutSeconds,
        labels: this.labels("router"),
      },
      // Started once a record exists, so it never answers without one.
      { parent, dependsOn: [...request.dependsOn, switchRecord] },
    );
    return {
      publicEndpoint: this.publicEndpoint(),
      switchRecord,
      resources: [switchRecord, proxy],
    };
  }

  publicEndpoint(): pulumi.Output<string> {
    return pulumi.output(`http://${this.host}:${this.settings.proxyPort}`);
  }

  private get proxyPrefix(): string {
    return path.join(this.stateDir, "proxy");
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const db = this.context.config.database;
    // Filed under the release live before this update (the stack's deployed state), as on the
    // Docker target; empty on a new stack: nothing to snapshot yet.
    const liveRelease = pulumi.output(request.liveRelease).apply((release) => release ?? "");
    const script = [
      "set -eu",
      ...LIVE_RELEASE_PRELUDE,
      preSwitchDumpStep({ user: db.user, database: db.name, backupDir: this.backupRoot }),
      'echo "snapshot of $release taken before the switch: pre-switch-$stamp.dump"',
    ].join("\n");
    const snapshot = new LoopbackStep(
      this.providers,
      "pre-switch-snapshot",
      {
        create: script,
        environment: pulumi.output({
          AITB_ROLE: "backup",
          AITB_LIVE_RELEASE: liveRelease,
          ...this.databaseEnvironment(),
        }),
        secretEnvironment: this.databaseSecrets(),
        path: [this.settings.postgresBin],
        triggers: [request.switchKey],
        labels: this.labels("backup"),
      },
      { parent, dependsOn: request.database.resources },
    );
    return {
      location: pulumi.output(`${this.backupRoot}/<release>/pre-switch-<UTC time>.dump`),
      resources: [snapshot],
    };
  }

  configBackup(release: string, configuration: Release, parent: pulumi.Resource): BackupHandle {
    const file = path.join(this.backupRoot, release, CONFIG_BACKUP_FILE);
    const { stack, config } = this.context;
    const serviceEnv = serviceEnvOf(config.services);
    const content = renderConfigBackup(
      configBackupOf({ stack, release, configuration, serviceEnv }),
    );
    const backup = new LoopbackStep(
      this.providers,
      `config-backup-${release}`,
      {
        create: configBackupScript(file),
        stdin: content,
        environment: { AITB_ROLE: "backup" },
        triggers: [content],
        labels: this.labels("backup", { [LABEL.release]: release }),
      },
      { parent },
    );
    return { location: pulumi.output(file), resources: [backup] };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const db = this.context.config.database;
    const target = request.point.target.replace(/-/g, "_");
    const dependsOn = this.server ? [this.server] : [];
    const forensic = new LoopbackStep(
      this.providers,
      "forensic-copy",
      {
        create: `set -eu\n${forensicDumpStep({ user: db.user, database: db.name, label: target, backupDir: this.backupRoot })}\necho "forensic copy of ${db.name} taken"`,
        environment: {
          AITB_ROLE: "forensic-copy",
          AITB_INCIDENT: request.incident,
          ...this.databaseEnvironment(),
        },
        secretEnvironment: this.databaseSecrets(),
        path: [this.settings.postgresBin],
        triggers: [target, request.incident],
        labels: this.labels("forensic-copy"),
      },
      { parent, dependsOn },
    );
    const restore = new LoopbackStep(
      this.providers,
      "restore",
      {
        create: pgRestoreStep({
          user: db.user,
          target,
          backupDir: this.backupRoot,
          release: request.point.release,
          notAfter: request.point.instant?.toISOString(),
        }),
        environment: {
          ...restoreStepEnvironment(request, {
            target,
            database: db.name,
            backupRetentionDays: db.backupRetentionDays,
          }),
          ...this.databaseEnvironment(),
        },
        secretEnvironment: this.databaseSecrets(),
        path: [this.settings.postgresBin],
        triggers: [target],
        labels: this.labels("restore", { [LABEL.color]: request.color }),
      },
      { parent, dependsOn: [forensic], retainOnDelete: true },
    );
    return {
      identity: `postgres@${this.host}:${this.settings.postgresPort}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restore],
      verification: restore.stdout,
    };
  }

  /** A color's log folder under the state folder: kept when its processes stop or are replaced. */
  logStore(color: Color, parent: pulumi.Resource): LogStoreHandle {
    const dir = loopbackLogsDir(this.stateDir, color);
    const store = new LoopbackStep(
      this.providers,
      `logs-${color}`,
      {
        create: logStoreScript(dir),
        environment: { AITB_ROLE: "log-store" },
        labels: this.labels("log-store", { [LABEL.color]: color }),
      },
      // A step's delete leaves what it made; protected as the data it holds.
      { parent, protect: true, retainOnDelete: true },
    );
    return { location: pulumi.output(dir), resources: [store] };
  }

  forensicLogCopy(request: LogCopyRequest, parent: pulumi.Resource): BackupHandle {
    const copy = new LoopbackStep(
      this.providers,
      "forensic-logs",
      {
        create: SEAL_LOGS_SCRIPT,
        // Only a change of the triggers (a re-pin, a repoint) copies again (runtime/step.ts).
        update: 'echo "no service is replaced: no forensic copy of the logs"',
        environment: pulumi.output(request.key).apply((key) => ({
          AITB_ROLE: "forensic-logs",
          ...sealLogsEnvironment({
            source: path.join(this.stateDir, "logs"),
            root: this.backupRoot,
            key,
          }),
        })),
        triggers: request.triggers,
        labels: this.labels("forensic-logs"),
      },
      { parent, dependsOn: request.dependsOn },
    );
    return {
      location: pulumi.interpolate`${path.join(this.backupRoot, "forensics")}/${request.key}/logs-<UTC time>`,
      resources: [copy],
    };
  }

  /** The health gate and the change record: @pulumi/command has no provider to run them here. */
  localCommand(request: LocalCommandRequest, parent: pulumi.Resource): pulumi.Resource {
    const role = request.environment.AITB_ROLE;
    return new LoopbackStep(
      this.providers,
      request.name,
      {
        create: request.create,
        ...(request.interpreter ? { interpreter: request.interpreter } : {}),
        environment: pulumi.output(request.environment),
        triggers: pulumi.output(request.triggers),
        labels: typeof role === "string" ? this.labels(role as Role) : {},
      },
      { parent, dependsOn: request.dependsOn },
    );
  }
}
