import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../../config/errors";
import type { Release } from "../../../config/schema";
import type { DeploymentSpec } from "../../../domain/deployment";
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
import { resolveRestorePoint } from "../../../domain/restore";
import { azureConfigIssues } from "./configChecks";
import { liveServer, restoredServer, type ServerHandle } from "./database";
import { forensicJob, forensicRun, MANUAL_COPY_PREFIX, type ForensicJob } from "./forensicCopy";
import { AzureSqlServer } from "./sqlServer";
import { buildFoundation, type Foundation } from "./foundation";
import { azureNames, HEALTH_APP, PROXY_APP, type AzureConfig, type AzureNames } from "./names";
import { nameAfter } from "./outputs";
import { onDemandBackupsSupported, preSwitchBackup, preSwitchBackupName } from "./preSwitchBackup";
import { healthApp, proxyApp } from "./proxyApp";
import { healthRoute, probeRoute, renderHealthSite, renderProxySite } from "./proxySite";
import { serviceApp } from "./serviceApp";
import { switchRecordBlob, switchRecordUrl } from "./switchRecord";
import { switchRecordOf } from "../../../domain/switchRecord";
import { azureSettings, type AzureSettings } from "./settings";
import { buildStorage, configBackupBlob, type BackupStorage } from "./storage";
import { configBackupOf, renderConfigBackup, serviceEnvOf } from "../../../domain/configBackup";
import { VaultSecrets, type VaultReference } from "./vaultSecrets";
import { CONSOLE_LOG_TABLE, forensicLogRun } from "./logs";
import type { Color } from "../../../domain/colors";

/** What foundation() builds and every later step stands on. */
interface Ground {
  foundation: Foundation;
  vault: VaultSecrets;
  storage: BackupStorage;
  publicEndpoint: pulumi.Output<string>;
  /** The health-only routes' app, when aitb:azure.healthCheckSources says who may call it. */
  healthEndpoint?: pulumi.Output<string>;
}

/** Azure always reports the environment's default domain; only an offline plan (SDK mocks) lacks it. */
function endpointOf(foundation: Foundation, app: string): pulumi.Output<string> {
  return foundation.defaultDomain.apply(
    (domain) => `https://${app}.${domain ?? "<environment default domain>"}`,
  );
}

/**
 * The staging and prod target: Azure Container Apps in a private network, an nginx proxy app as
 * the one public entry (fed by the same site generator as dev), PostgreSQL flexible server with
 * point-in-time restore into new servers, Key Vault for secrets, and a storage account whose
 * forensic container is write-once.
 */
export class AzurePlatform implements Platform {
  readonly target = "azure" as const;
  private readonly azure: AzureConfig;
  private readonly names: AzureNames;
  private readonly settings: AzureSettings;
  private ground?: Ground;
  private live?: ServerHandle & { database: pulumi.Resource };
  private liveUrl?: VaultReference;
  private forensic?: ForensicJob;
  private readonly apps: pulumi.Resource[] = [];
  readonly sqlServer?: StatefulEngine;

  constructor(private readonly context: PlatformContext) {
    const azure = context.config.azure;
    if (!azure) {
      throw new ConfigError([
        {
          key: "aitb:azure",
          message: 'is missing; expected at least {location: "<azure region>"}',
        },
      ]);
    }
    this.azure = azure;
    this.names = azureNames(context.stack, azure);
    this.settings = azureSettings(context.config);
    const issues = azureConfigIssues(context.config, this.names);
    if (issues.length > 0) throw new ConfigError(issues);
    const sqlServer = context.config.sqlServer;
    this.sqlServer = sqlServer
      ? new AzureSqlServer(
          {
            stack: context.stack,
            prefix: this.names.prefix,
            resourceGroupName: () => this.built.foundation.resourceGroupName,
            location: () => this.built.foundation.location,
            password: context.secrets.dbPassword,
          },
          sqlServer,
        )
      : undefined;
  }

  private get built(): Ground {
    if (!this.ground) throw new Error("foundation() must run before the other resources");
    return this.ground;
  }

  private get liveServer(): ServerHandle & { urlSecret: VaultReference; forensic: ForensicJob } {
    if (!this.live || !this.liveUrl || !this.forensic) {
      throw new Error("database() must run before this step");
    }
    return { ...this.live, urlSecret: this.liveUrl, forensic: this.forensic };
  }

  /** Checked by azureConfigIssues before anything registers. */
  private get cliImage(): string {
    if (!this.azure.cliImage) throw new Error("aitb:azure.cliImage is missing");
    return this.azure.cliImage;
  }

  foundation(_spec: DeploymentSpec, parent: pulumi.Resource): void {
    const { config, secrets, stack } = this.context;
    const foundation = buildFoundation(
      {
        stack,
        azure: this.azure,
        names: this.names,
        databaseUsers: this.settings.databaseUsers,
        zoneRedundant: this.settings.zoneRedundant,
      },
      parent,
    );
    const vault = new VaultSecrets(foundation, stack);
    vault.store(
      "exchange-api-key",
      secrets.exchangeApiKey,
      "exchange",
      foundation.vaults.exchange.vault,
    );
    vault.store("db-password", secrets.dbPassword, "database", foundation.vaults.database.vault);
    const storage = buildStorage(
      {
        stack,
        azure: this.azure,
        backups: config.backups,
        accountName: this.names.storageAccount,
        foundation,
      },
      parent,
    );
    const publicEndpoint = this.azure.proxyCertificateId
      ? pulumi.output(`https://${config.proxy.hostname}`)
      : endpointOf(foundation, PROXY_APP);
    const healthEndpoint = this.azure.healthCheckSources.length
      ? endpointOf(foundation, HEALTH_APP)
      : undefined;
    this.ground = { foundation, vault, storage, publicEndpoint, healthEndpoint };
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const { foundation, vault, storage } = this.built;
    const { config, stack } = this.context;
    const live = liveServer(
      {
        stack,
        db: config.database,
        name: this.names.server,
        password: this.context.secrets.dbPassword,
        highAvailability: this.settings.highAvailability,
        foundation,
      },
      parent,
    );
    this.live = live;
    this.liveUrl = vault.store("database-url", live.url, "database", live.server, live.identity);
    const restore = config.database.restore;
    const point = restore
      ? resolveRestorePoint(config.database, restore, config.releaseHistory)
      : undefined;
    this.forensic = forensicJob(
      {
        stack,
        prefix: restore && point ? `${point.target}/${restore.incident}` : MANUAL_COPY_PREFIX,
        incident: restore?.incident,
        liveUrl: this.liveUrl,
        dumpImage: config.database.image,
        cliImage: this.cliImage,
        foundation,
        storage,
      },
      parent,
    );
    return {
      identity: live.identity,
      url: live.url,
      resources: [live.server, live.database, this.liveUrl.resource],
    };
  }

  service(request: ServiceRequest, parent: pulumi.Resource): ServiceHandle {
    const { foundation, vault, healthEndpoint } = this.built;
    const { spec } = request;
    const live = this.live;
    const resource = serviceApp(
      {
        stack: this.context.stack,
        spec,
        secretEnv: request.secretEnv,
        foundation,
        vault,
        identity: foundation.identities[spec.service],
        switchRecord: {
          image: this.context.config.proxy.image,
          blobUrl: switchRecordUrl(this.built.storage),
        },
        dependsOn: [
          ...request.dependsOn,
          // A database user starts once the server exists (nothing else ties it to the server).
          ...(spec.settings.usesDatabase && live ? [live.server, live.database] : []),
        ],
      },
      parent,
    );
    this.apps.push(resource);
    return {
      resource,
      healthUrl: healthEndpoint?.apply(
        (endpoint) => `${endpoint}${healthRoute(spec.service, spec.color)}`,
      ),
      probeUrl: healthEndpoint
        ? (probePath) =>
            healthEndpoint.apply(
              (endpoint) => `${endpoint}${probeRoute(spec.service, spec.color, probePath)}`,
            )
        : undefined,
    };
  }

  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle {
    const { foundation, publicEndpoint, storage } = this.built;
    const { config, stack } = this.context;
    const keepalive = config.proxy.clientKeepaliveSeconds;
    // The switch: the blob's metadata, which the proxy's and the bots' sidecars read. The only
    // resource a change of aitb:activeColor changes on this target (switchRecord.ts).
    const switchRecord = switchRecordBlob(
      {
        record: switchRecordOf(request.spec),
        storage,
        foundation,
        dependsOn: request.switchAfter,
      },
      parent,
    );
    const proxy = proxyApp(
      {
        stack,
        site: renderProxySite({ spec: request.spec, clientKeepaliveSeconds: keepalive }),
        image: config.proxy.image,
        replicas: this.azure.proxyReplicas,
        hostname: config.proxy.hostname,
        certificateId: this.azure.proxyCertificateId,
        foundation,
        switchRecord: {
          blobUrl: switchRecordUrl(storage),
          identity: foundation.identities.proxy,
        },
        // nginx resolves every upstream when it starts: all apps must exist. It starts once a
        // record exists, so it never answers without one.
        dependsOn: [...request.dependsOn, ...this.apps, switchRecord],
      },
      parent,
    );
    const resources: pulumi.Resource[] = [switchRecord, proxy];
    if (this.azure.healthCheckSources.length) {
      resources.push(
        healthApp(
          {
            stack,
            site: renderHealthSite(request.spec, keepalive),
            image: config.proxy.image,
            sources: this.azure.healthCheckSources,
            foundation,
            dependsOn: [...this.apps],
          },
          parent,
        ),
      );
    }
    return { publicEndpoint, switchRecord, resources };
  }

  /**
   * Nothing waits for the pre-switch backup: the handle carries no resource to wait on, so the
   * apps and the router go ahead while it is taken. On the Burstable tier Azure takes no
   * on-demand backups at all; the automatic backups restore any instant within the retention,
   * and aitb:releaseHistory records the instant of each switch.
   */
  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const { foundation } = this.built;
    const live = this.liveServer;
    const { config } = this.context;
    const retention = `point-in-time restore to any second within ${config.database.backupRetentionDays} days`;
    if (!onDemandBackupsSupported(config.database)) {
      return {
        location: pulumi.output(
          `${live.name} automatic backups (${retention}; the ${config.database.tier} tier takes no on-demand backups): restore the state before this change to its instant in aitb:releaseHistory`,
        ),
        resources: [],
      };
    }
    const name = preSwitchBackupName(
      { color: config.activeColor, release: config.slots[config.activeColor].release },
      request.switchKey,
      config.change,
    );
    preSwitchBackup(
      {
        name,
        server: nameAfter(live.server, live.name),
        foundation,
        after: request.database.resources,
      },
      parent,
    );
    return {
      location: pulumi.output(`${live.name} on-demand backup ${name} (${retention})`),
      resources: [],
    };
  }

  configBackup(release: string, configuration: Release, parent: pulumi.Resource): BackupHandle {
    const { foundation, storage } = this.built;
    const { stack, config } = this.context;
    const serviceEnv = serviceEnvOf(config.services);
    // No write step stamps the body here: the blob's Last-Modified (and its version id) is the
    // time it was written (`az storage blob show ... --query properties.lastModified`).
    const content = renderConfigBackup(
      configBackupOf({ stack, release, configuration, serviceEnv }),
    );
    const { blob, location } = configBackupBlob({ release, content, storage, foundation }, parent);
    return { location: pulumi.output(location), resources: [blob] };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { foundation, vault } = this.built;
    const live = this.liveServer;
    const { config, stack, secrets } = this.context;
    const target = request.point.target;
    const instant = request.point.instant;
    if (!instant) {
      // azureConfigIssues rejects such a config before anything registers.
      throw new Error(`restore ${target} has no instant to restore to`);
    }
    const copy = forensicRun(
      {
        stack,
        target,
        incident: request.incident,
        cliImage: this.cliImage,
        foundation,
        forensic: live.forensic,
      },
      parent,
    );
    const restored = restoredServer(
      {
        stack,
        db: config.database,
        name: target,
        live: live.server,
        pointInTime: instant,
        color: request.color,
        reason: request.reason,
        incident: request.incident,
        password: secrets.dbPassword,
        foundation,
        after: [copy],
      },
      parent,
    );
    const url = vault.store(
      `database-url-${target}`,
      restored.url,
      "database",
      restored.server,
      restored.identity,
    );
    return {
      identity: restored.identity,
      url: restored.url,
      forensicCopy: copy,
      resources: [copy, restored.server, url.resource],
    };
  }

  publicEndpoint(): pulumi.Output<string> {
    return this.built.publicEndpoint;
  }

  /** The environment's Log Analytics workspace (foundation.ts), shared by both colors. */
  logStore(color: Color): LogStoreHandle {
    const { logs } = this.built.foundation;
    return {
      location: pulumi.interpolate`Log Analytics ${logs.customerId}: ${CONSOLE_LOG_TABLE}, ${color} apps`,
      resources: [logs.workspace],
    };
  }

  forensicLogCopy(request: LogCopyRequest, parent: pulumi.Resource): BackupHandle {
    const { foundation, storage } = this.built;
    const run = forensicLogRun(
      {
        stack: this.context.stack,
        key: request.key,
        triggers: request.triggers,
        cliImage: this.cliImage,
        retentionDays: this.azure.logRetentionDays,
        foundation,
        storage,
        workspace: foundation.logs,
        dependsOn: request.dependsOn,
      },
      parent,
    );
    return {
      location: pulumi.interpolate`${storage.blobEndpoint}/forensics/${request.key}/logs-<UTC time>/`,
      resources: [run],
    };
  }
}
