import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as command from "@pulumi/command";
import { COLORS, type Color } from "../../../domain/colors";
import { SERVICE_NAMES } from "../../../domain/services";
import type { DeploymentSpec, ServiceSpec } from "../../../domain/deployment";
import type { Release } from "../../../config/schema";
import { renderNginxConfig, serviceAlias } from "../../../domain/routing";
import { LABEL, type Role } from "../../../domain/labels";
import type { HealthCheck } from "../../health/checks";
import type {
  BackupHandle,
  DatabaseHandle,
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
import { gateChecks } from "../../health/gateChecks";
import {
  forensicCopyScript,
  preSwitchSnapshotScript,
  proxyConfigScript,
  restoreScript,
} from "./scripts";

const PROXY_CONTAINER_PORT = 80;
const POSTGRES_PORT = 5432;

/**
 * The dev target: local containers on one Docker network, an nginx proxy whose site file the
 * router writes and reloads, PostgreSQL on a protected volume, backups as pg_dump files on the host.
 */
export class DockerPlatform implements Platform {
  readonly target = "docker" as const;
  private readonly prefix: string;
  private readonly backupRoot: string;
  private readonly proxyDir: string;
  private network?: docker.Network;
  private readonly images = new Map<string, docker.Image>();
  private databaseContainer?: docker.Container;

  constructor(private readonly context: PlatformContext) {
    this.prefix = `aitb-${context.stack}`;
    const root = projectRoot();
    this.backupRoot = path.resolve(root, context.config.backups.root);
    this.proxyDir = path.resolve(root, ".aitb", context.stack, "proxy");
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
    this.network = new docker.Network(
      "network",
      {
        name: `${this.prefix}-${this.context.config.docker.network}`,
        labels: this.labels("network"),
      },
      { parent },
    );
    const built = new Set(
      COLORS.flatMap((color) =>
        spec.colors[color].services.filter((s) => s.buildReference).map((s) => s.release),
      ),
    );
    for (const release of [...built].sort()) {
      this.images.set(
        release,
        new docker.Image(
          `reference-image-${release}`,
          {
            imageName: `aitb-reference:${release}`,
            build: {
              context: path.join(projectRoot(), "reference-service"),
              platform: "linux/amd64",
            },
            skipPush: true,
          },
          { parent },
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
      { parent, protect: true, retainOnDelete: true },
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
      { parent, protect: true, retainOnDelete: true },
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

  private imageOf(spec: ServiceSpec): pulumi.Input<string> {
    if (!spec.buildReference) return spec.image as string;
    const image = this.images.get(spec.release);
    if (!image) throw new Error(`no reference image was built for release ${spec.release}`);
    return image.imageName;
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
          ...(spec.tradingMode ? { [LABEL.tradingMode]: spec.tradingMode } : {}),
        }),
        networksAdvanced: [
          { name: this.networkName, aliases: [serviceAlias(spec.service, spec.color)] },
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
      {
        parent,
        dependsOn: request.dependsOn,
        // Container names are fixed, so a replacement must remove the old one first; for the bots
        // this also means the old live bot is gone before any new one starts.
        deleteBeforeReplace: true,
      },
    );
    return {
      resource: container,
      healthUrl: pulumi.output(`http://127.0.0.1:${hostPort}${settings.healthPath}`),
    };
  }

  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle {
    const { config } = this.context;
    const active = request.spec.colors[request.spec.activeColor];
    const site = renderNginxConfig({
      routes: request.routes,
      listenPort: PROXY_CONTAINER_PORT,
      activeColor: request.spec.activeColor,
      liveRelease: active.release,
      resolver: "127.0.0.11",
    });
    const proxyName = `${this.prefix}-proxy`;
    const script = proxyConfigScript(this.proxyDir, proxyName);
    const siteFile = new command.local.Command(
      "proxy-site",
      { create: script, update: script, stdin: site, environment: { AITB_ROLE: "router" } },
      { parent, dependsOn: request.dependsOn },
    );
    const proxy = new docker.Container(
      "proxy",
      {
        name: proxyName,
        image: config.proxy.image,
        ports: [{ internal: PROXY_CONTAINER_PORT, external: config.proxy.publicPort }],
        volumes: [{ hostPath: this.proxyDir, containerPath: "/etc/nginx/conf.d", readOnly: true }],
        networksAdvanced: [{ name: this.networkName }],
        restart: "unless-stopped",
        labels: this.labels("router"),
      },
      { parent, dependsOn: [siteFile], deleteBeforeReplace: true },
    );
    return {
      publicEndpoint: pulumi.output(`http://${config.proxy.hostname}:${config.proxy.publicPort}`),
      resources: [siteFile, proxy],
    };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const db = this.context.config.database;
    const snapshot = new command.local.Command(
      "pre-switch-snapshot",
      {
        create: preSwitchSnapshotScript({
          proxySite: path.join(this.proxyDir, "aitb.conf"),
          container: `${this.prefix}-postgres`,
          user: db.user,
          database: db.name,
        }),
        triggers: [request.switchKey],
        environment: { AITB_ROLE: "backup" },
      },
      { parent, dependsOn: request.database.resources },
    );
    return {
      location: pulumi.output(`${this.backupRoot}/<release>/pre-switch-<UTC time>.dump`),
      resources: [snapshot],
    };
  }

  configBackup(release: string, configuration: Release, parent: pulumi.Resource): BackupHandle {
    const folder = path.join(this.backupRoot, release);
    const content = `${JSON.stringify(configuration, null, 2)}\n`;
    const backup = new command.local.Command(
      `config-backup-${release}`,
      {
        create: `mkdir -p "${folder}" && cat > "${folder}/config.json"`,
        stdin: content,
        triggers: [content],
        environment: { AITB_ROLE: "backup" },
      },
      { parent },
    );
    return { location: pulumi.output(path.join(folder, "config.json")), resources: [backup] };
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
        environment: { AITB_ROLE: "forensic-copy", AITB_INCIDENT: request.incident },
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
        environment: {
          AITB_ROLE: "restore",
          AITB_RESTORE_COLOR: request.color,
          AITB_RESTORE_REASON: request.reason,
          AITB_INCIDENT: request.incident,
          AITB_RESTORE_TARGET: target,
          AITB_LIVE_DATABASE: db.name,
          AITB_RESTORE_POINT: request.point.instant?.toISOString() ?? "",
          AITB_RESTORE_RELEASE: request.point.release ?? "",
          AITB_BACKUP_RETENTION_DAYS: String(db.backupRetentionDays),
        },
      },
      { parent, dependsOn: [forensic], retainOnDelete: true },
    );
    return {
      identity: `${container}/${target}`,
      url: this.urlFor(target),
      forensicCopy: forensic,
      resources: [forensic, restore],
    };
  }

  healthChecks(
    spec: DeploymentSpec,
    services: Record<Color, ServiceHandle[]>,
    publicEndpoint: pulumi.Output<string>,
  ): pulumi.Output<HealthCheck[]> {
    const heartbeat = this.context.config.healthGate.heartbeatMaxAgeSeconds;
    return gateChecks(spec, services, publicEndpoint, heartbeat);
  }
}
