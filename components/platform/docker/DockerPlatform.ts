import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { COLORS, type Color } from "../../../domain/colors";
import { SERVICE_NAMES } from "../../../domain/services";
import type { DeploymentSpec, ServiceSpec } from "../../../domain/deployment";
import type { Release } from "../../../config/schema";
import { ConfigError } from "../../../config/errors";
import { serviceAlias } from "../../../domain/routing";
import { proxySite, renderNginxSite } from "../../../domain/nginxSite";
import { encodeSwitchRecord, switchRecordOf } from "../../../domain/switchRecord";
import { LABEL, type Role } from "../../../domain/labels";
import type {
  BackupHandle,
  DatabaseHandle,
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
  StatefulEngine,
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
  forensicCopyScript,
  preSwitchSnapshotScript,
  proxyConfigScript,
  restoreScript,
} from "./scripts";
import { dockerCliEnv, DockerHostError, resolveDockerHost, type DockerHost } from "./dockerHost";
import { DockerInfluxdb } from "./influxdb";
import type { DockerEngineGround } from "./engineSteps";
import { DockerSqlServer } from "./sqlServer";
import { dockerLogCopyScript } from "./logs";
import { LOG_DIR_ENV, LOG_MOUNT } from "../../../contract/logs";
import { restoreStepEnvironment } from "../restoreEnvironment";

const PROXY_CONTAINER_PORT = 80;
const POSTGRES_PORT = 5432;
/** Where the proxy and the bots see the switch record (mounted read-only). */
const SWITCH_RECORD_MOUNT = "/run/aitb/switch";
/** Where the proxy sees its site folder (the official image includes conf.d/*.conf). */
const PROXY_CONF_MOUNT = "/etc/nginx/conf.d";

/** The Docker host of this run: `aitb:docker.host`, else as the docker CLI in this shell would. */
function dockerHostOf(configured: string | undefined): DockerHost {
  try {
    // HOME first, as os.homedir() does on POSIX, read from process.env so a caller can point it elsewhere.
    const home = process.env.HOME || os.homedir();
    return resolveDockerHost({ configured, env: process.env, home });
  } catch (error) {
    if (error instanceof DockerHostError) {
      throw new ConfigError([
        { key: "aitb:docker.host", message: `is not set and ${error.message}` },
      ]);
    }
    throw error;
  }
}

/**
 * The dev target: local containers on one Docker network, an nginx proxy that routes per request
 * to the color the switch record names (a host folder mounted into the proxy and both bots),
 * PostgreSQL on a protected volume, backups as pg_dump files on the host.
 * Every docker resource goes through one explicit provider for the resolved Docker host, and every
 * command that runs `docker` gets the same host in DOCKER_HOST.
 */
export class DockerPlatform implements Platform {
  readonly target = "docker" as const;
  private readonly prefix: string;
  private readonly backupRoot: string;
  private readonly proxyDir: string;
  private readonly switchDir: string;
  private readonly networkFullName: string;
  readonly dockerHost: DockerHost;
  private provider?: docker.Provider;
  private network?: docker.Network;
  private readonly images = new Map<string, docker.Image>();
  private databaseContainer?: docker.Container;
  readonly influxdb?: StatefulEngine;
  readonly sqlServer?: StatefulEngine;
  private readonly logVolumes = new Map<Color, docker.Volume>();

  constructor(private readonly context: PlatformContext) {
    this.prefix = `aitb-${context.stack}`;
    const root = projectRoot();
    this.backupRoot = path.resolve(root, context.config.backups.root);
    this.proxyDir = path.resolve(root, ".aitb", context.stack, "proxy");
    this.switchDir = path.resolve(root, ".aitb", context.stack, SWITCH_RECORD_FOLDER);
    this.networkFullName = `${this.prefix}-${context.config.docker.network}`;
    this.dockerHost = dockerHostOf(context.config.docker.host);
    const { influxdb, sqlServer } = context.config;
    this.influxdb = influxdb ? new DockerInfluxdb(this.engineGround(), influxdb) : undefined;
    this.sqlServer = sqlServer
      ? new DockerSqlServer(this.engineGround(), sqlServer, context.secrets.dbPassword)
      : undefined;
  }

  /** Options of a docker resource: its parent and the stack's docker provider. */
  private opts(
    parent: pulumi.Resource,
    extra: pulumi.CustomResourceOptions = {},
  ): pulumi.CustomResourceOptions {
    if (!this.provider) throw new Error("foundation() must run before other resources");
    return { parent, provider: this.provider, ...extra };
  }

  /** What aitb:influxdb and aitb:sqlServer stand on: this platform's provider, network and folders. */
  private engineGround(): DockerEngineGround {
    return {
      prefix: this.prefix,
      stack: this.context.stack,
      backupRoot: this.backupRoot,
      opts: (parent, extra) => this.opts(parent, extra),
      networkName: () => this.networkName,
      dockerEnv: (own) => this.dockerEnv(own),
    };
  }

  /** Environment of a command that runs `docker`: the provider's host, and the command's own keys. */
  private dockerEnv(
    own: Record<string, pulumi.Input<string>>,
  ): Record<string, pulumi.Input<string>> {
    return { ...dockerCliEnv(this.dockerHost), ...own };
  }

  private labels(
    role: Role,
    extra: Record<string, string> = {},
  ): docker.types.input.ContainerLabel[] {
    const all: Record<string, string> = {
      [LABEL.role]: role,
      [LABEL.stack]: this.context.stack,
      ...extra,
    };
    return Object.entries(all).map(([label, value]) => ({ label, value }));
  }

  private get networkName(): pulumi.Output<string> {
    if (!this.network) throw new Error("foundation() must run before other resources");
    return this.network.name;
  }

  foundation(spec: DeploymentSpec, parent: pulumi.Resource): void {
    const { host, certPath } = this.dockerHost;
    this.provider = new docker.Provider(
      "docker",
      { host, ...(certPath ? { certPath } : {}) },
      { parent },
    );
    this.network = new docker.Network(
      "network",
      { name: this.networkFullName, labels: this.labels("network") },
      this.opts(parent),
    );
    const built = new Set(
      COLORS.flatMap((color) =>
        spec.colors[color].services.filter((s) => s.buildReference).map((s) => s.release),
      ),
    );
    // Without `platform` the daemon builds for its own platform (pulumi-docker provider/image.go
    // passes build.platform to ImageBuildOptions only when set): native arm64 on Apple silicon.
    const platform = this.context.config.docker.platform;
    for (const release of [...built].sort()) {
      this.images.set(
        release,
        new docker.Image(
          `reference-image-${release}`,
          {
            imageName: `aitb-reference:${release}`,
            build: {
              context: path.join(projectRoot(), "reference-service"),
              ...(platform ? { platform } : {}),
            },
            skipPush: true,
          },
          this.opts(parent),
        ),
      );
    }
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const db = this.context.config.database;
    const volume = new docker.Volume(
      "postgres-data",
      {
        name: `${this.prefix}-pgdata`,
        labels: this.labels("database-volume") as docker.types.input.VolumeLabel[],
      },
      // The data: no update may delete it, and `pulumi destroy --exclude-protected` leaves it.
      this.opts(parent, { protect: true, retainOnDelete: true }),
    );
    const containerName = `${this.prefix}-postgres`;
    this.databaseContainer = new docker.Container(
      "postgres",
      {
        name: containerName,
        image: db.image,
        envs: [
          `POSTGRES_USER=${db.user}`,
          `POSTGRES_DB=${db.name}`,
          pulumi.interpolate`POSTGRES_PASSWORD=${this.context.secrets.dbPassword}`,
        ],
        volumes: [
          { volumeName: volume.name, containerPath: "/var/lib/postgresql/data" },
          { hostPath: this.backupRoot, containerPath: "/backups" },
        ],
        networksAdvanced: [{ name: this.networkName, aliases: ["postgres"] }],
        healthcheck: {
          tests: ["CMD-SHELL", `pg_isready -U ${db.user} -d ${db.name}`],
          interval: "5s",
          retries: 12,
        },
        wait: true,
        restart: "unless-stopped",
        labels: this.labels("database"),
      },
      // Only the data is protected: the container around it is replaceable (a new image, a new
      // password, a moved checkout). Its name is fixed, so a replacement removes the old one
      // first; the data stays in the protected, retained volume.
      this.opts(parent, { deleteBeforeReplace: true }),
    );
    return {
      identity: `${containerName}/${db.name}`,
      url: this.urlFor(db.name),
      resources: [volume, this.databaseContainer],
    };
  }

  private urlFor(database: string): pulumi.Output<string> {
    const db = this.context.config.database;
    return pulumi.secret(
      pulumi.interpolate`postgres://${db.user}:${this.context.secrets.dbPassword}@postgres:${POSTGRES_PORT}/${database}`,
    );
  }

  private hostPort(color: Color, service: ServiceSpec["service"]): number {
    return (
      this.context.config.docker.hostPortBase +
      COLORS.indexOf(color) * 10 +
      SERVICE_NAMES.indexOf(service)
    );
  }

  /**
   * A built image by what identifies its content, so a rebuild replaces the containers: for a
   * local build (skipPush) pulumi-docker 4.11.2 sets `repoDigest` to the image id, sha256:<hex>
   * (node_modules/@pulumi/docker/image.d.ts; registry docs docker.Image "repoDigest");
   * `imageName` is the tag, which stays the same across rebuilds.
   */
  private imageOf(spec: ServiceSpec): pulumi.Input<string> {
    if (!spec.buildReference) return spec.image as string;
    const image = this.images.get(spec.release);
    if (!image) throw new Error(`no reference image was built for release ${spec.release}`);
    return image.repoDigest;
  }

  service(request: ServiceRequest, parent: pulumi.Resource): ServiceHandle {
    const { spec } = request;
    const settings = spec.settings;
    const envs: pulumi.Input<string>[] = Object.entries(spec.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${value}`);
    for (const [key, value] of Object.entries(request.secretEnv).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      envs.push(pulumi.interpolate`${key}=${value}`);
    }
    const hostPort = this.hostPort(spec.color, spec.service);
    const isBot = spec.service === "bot";
    if (isBot) envs.push(`AITB_SWITCH_RECORD=${SWITCH_RECORD_MOUNT}`);
    envs.push(`${LOG_DIR_ENV}=${LOG_MOUNT}`);
    const logVolume = this.logVolumes.get(spec.color);
    if (!logVolume) throw new Error("logStore() must run before the color's services");
    const container = new docker.Container(
      `${spec.service}-${spec.color}`,
      {
        name: `${this.prefix}-${spec.color}-${spec.service}`,
        image: this.imageOf(spec),
        envs,
        labels: this.labels("service", {
          [LABEL.color]: spec.color,
          [LABEL.service]: spec.service,
          [LABEL.release]: spec.release,
        }),
        networksAdvanced: [
          { name: this.networkName, aliases: [serviceAlias(spec.service, spec.color)] },
        ],
        // The color's logs live on its retained volume, not in the container: a replacement
        // keeps them. The bot learns the desired color from the switch record, never from its
        // own config.
        volumes: [
          { volumeName: logVolume.name, containerPath: LOG_MOUNT },
          ...(isBot
            ? [{ hostPath: this.switchDir, containerPath: SWITCH_RECORD_MOUNT, readOnly: true }]
            : []),
        ],
        ports: [{ internal: settings.port, external: hostPort, ip: "127.0.0.1" }],
        uploads: Object.entries(spec.files).map(([file, content]) => ({ file, content })),
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `wget -qO- http://127.0.0.1:${settings.port}${settings.healthPath} || exit 1`,
          ],
          interval: "5s",
          timeout: "3s",
          retries: 12,
        },
        wait: true,
        waitTimeout: 120,
        restart: "unless-stopped",
        memory: Math.round(settings.memoryGi * 1024),
      },
      this.opts(parent, {
        dependsOn: request.dependsOn,
        // Container names are fixed, so a replacement must remove the old one first. A switch
        // replaces no container: the bots' trading mode is the switch record's and the lease's.
        deleteBeforeReplace: true,
      }),
    );
    const direct = (servicePath: string) =>
      pulumi.output(`http://127.0.0.1:${hostPort}${servicePath}`);
    return {
      resource: container,
      healthUrl: pulumi.output(`http://127.0.0.1:${hostPort}${settings.healthPath}`),
      probeUrl: direct,
      directUrl: direct,
    };
  }

  publicEndpoint(): pulumi.Output<string> {
    const { proxy } = this.context.config;
    return pulumi.output(`http://${proxy.hostname}:${proxy.publicPort}`);
  }

  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle {
    const { config } = this.context;
    const keepalive = config.proxy.clientKeepaliveSeconds;
    const site = renderNginxSite(
      proxySite({
        spec: request.spec,
        listen: { port: PROXY_CONTAINER_PORT },
        upstreamOf: ({ service, port }, color) => ({ host: serviceAlias(service, color), port }),
        switchRecordDir: SWITCH_RECORD_MOUNT,
        drainFlag: `${PROXY_CONF_MOUNT}/${DRAIN_FLAG}`,
        clientKeepaliveSeconds: keepalive,
      }),
    );
    const proxyName = `${this.prefix}-proxy`;
    const script = proxyConfigScript({
      dir: this.proxyDir,
      proxyContainer: proxyName,
      proxyImage: config.proxy.image,
      network: this.networkFullName,
      drainSeconds: keepalive + 1,
    });
    // Runs only when the site itself changes (a route, an address, a release): not on a switch.
    const siteFile = new command.local.Command(
      "proxy-site",
      {
        create: script,
        update: script,
        stdin: site,
        environment: this.dockerEnv({ AITB_ROLE: "router" }),
      },
      // The staged site is checked on the stack network: it must exist before the script runs.
      { parent, dependsOn: [...request.dependsOn, ...(this.network ? [this.network] : [])] },
    );
    // The switch: one rename in the host folder the proxy and both bots mount.
    const switchRecord = new command.local.Command(
      "switch-record",
      {
        interpreter: ["node", "-e"],
        create: SWITCH_RECORD_SCRIPT,
        environment: {
          AITB_ROLE: "switch-record",
          AITB_SWITCH_DIR: this.switchDir,
          AITB_SWITCH_RECORD: encodeSwitchRecord(switchRecordOf(request.spec)),
        },
      },
      { parent, dependsOn: request.switchAfter },
    );
    const proxy = new docker.Container(
      "proxy",
      {
        name: proxyName,
        image: config.proxy.image,
        ports: [
          {
            internal: PROXY_CONTAINER_PORT,
            external: config.proxy.publicPort,
            ip: config.docker.bindAddress,
          },
        ],
        volumes: [
          { hostPath: this.proxyDir, containerPath: PROXY_CONF_MOUNT, readOnly: true },
          { hostPath: this.switchDir, containerPath: SWITCH_RECORD_MOUNT, readOnly: true },
        ],
        networksAdvanced: [{ name: this.networkName }],
        restart: "unless-stopped",
        labels: this.labels("router"),
      },
      // Started once a record exists, so it never answers without one.
      this.opts(parent, { dependsOn: [siteFile, switchRecord], deleteBeforeReplace: true }),
    );
    return {
      publicEndpoint: this.publicEndpoint(),
      switchRecord,
      resources: [siteFile, switchRecord, proxy],
    };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const db = this.context.config.database;
    // The release live before this update, from the stack's deployed state: after a switch the
    // next update sees the new live release and takes one more snapshot of it, which is harmless
    // (the newest snapshot of a release is still the one taken when it stops being live).
    const liveRelease = pulumi.output(request.liveRelease).apply((release) => release ?? "");
    const snapshot = new command.local.Command(
      "pre-switch-snapshot",
      {
        create: preSwitchSnapshotScript({
          container: `${this.prefix}-postgres`,
          user: db.user,
          database: db.name,
        }),
        triggers: [request.switchKey],
        environment: this.dockerEnv({ AITB_ROLE: "backup", AITB_LIVE_RELEASE: liveRelease }),
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
    // A local Command runs `create` with /bin/sh -c on Linux and macOS and hands it `stdin`
    // (@pulumi/command 1.2.1 local/command.d.ts, `interpreter` and `stdin`).
    const backup = new command.local.Command(
      `config-backup-${release}`,
      {
        create: configBackupScript(file),
        stdin: content,
        triggers: [content],
        environment: { AITB_ROLE: "backup" },
      },
      { parent },
    );
    return { location: pulumi.output(file), resources: [backup] };
  }

  /**
   * One named volume per color, mounted at LOG_MOUNT in each of its containers (each service
   * appends its own <service>.log). Every argument of a docker volume forces a replacement
   * (kreuzwerker/terraform-provider-docker internal/provider/resource_docker_volume.go: name,
   * labels, driver, driverOpts are ForceNew and there is no update; cli/engine/replacements.json),
   * and a replacement would delete the logs with the volume: protected and retained, and its
   * inputs are fixed (no release in them). A container's `volumes` force a new container
   * (resource_docker_container.go, ForceNew), which is why the mount never changes either.
   */
  logStore(color: Color, parent: pulumi.Resource): LogStoreHandle {
    const volume = new docker.Volume(
      `logs-${color}`,
      {
        name: `${this.prefix}-${color}-logs`,
        labels: this.labels("log-store", {
          [LABEL.color]: color,
        }) as docker.types.input.VolumeLabel[],
      },
      this.opts(parent, { protect: true, retainOnDelete: true }),
    );
    this.logVolumes.set(color, volume);
    return { location: pulumi.interpolate`docker volume ${volume.name}`, resources: [volume] };
  }

  forensicLogCopy(request: LogCopyRequest, parent: pulumi.Resource): BackupHandle {
    const volumes = Object.fromEntries(
      [...this.logVolumes.keys()].map((color) => [color, `${this.prefix}-${color}-logs`]),
    );
    const copy = new command.local.Command(
      "forensic-logs",
      {
        create: dockerLogCopyScript({
          image: this.context.config.database.image,
          volumes,
          backupRoot: this.backupRoot,
        }),
        // Only a change of the triggers (a re-pin, a repoint) copies again; a new incident on a
        // plain switch updates the record of the step and copies nothing.
        update: 'echo "no service is replaced: no forensic copy of the logs"',
        triggers: request.triggers,
        environment: this.dockerEnv({
          AITB_ROLE: "forensic-logs",
          AITB_FORENSIC_KEY: request.key,
        }),
      },
      { parent, dependsOn: request.dependsOn },
    );
    return {
      location: pulumi.interpolate`${this.backupRoot}/forensics/${request.key}/logs-<UTC time>/<color>/<service>.log`,
      resources: [copy],
    };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const db = this.context.config.database;
    const container = `${this.prefix}-postgres`;
    const target = request.point.target.replace(/-/g, "_");
    const dependsOn = this.databaseContainer ? [this.databaseContainer] : [];
    const forensic = new command.local.Command(
      "forensic-copy",
      {
        create: forensicCopyScript({ container, user: db.user, database: db.name, label: target }),
        triggers: [target, request.incident],
        environment: this.dockerEnv({
          AITB_ROLE: "forensic-copy",
          AITB_INCIDENT: request.incident,
        }),
      },
      { parent, dependsOn },
    );
    const restore = new command.local.Command(
      "restore",
      {
        create: restoreScript({
          container,
          user: db.user,
          target,
          release: request.point.release,
          notAfter: request.point.instant?.toISOString(),
        }),
        triggers: [target],
        environment: this.dockerEnv(
          restoreStepEnvironment(request, {
            target,
            database: db.name,
            backupRetentionDays: db.backupRetentionDays,
          }),
        ),
      },
      { parent, dependsOn: [forensic], retainOnDelete: true },
    );
    return {
      identity: `${container}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restore],
      verification: restore.stdout,
    };
  }
}
