import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../../config/errors";
import type { Color } from "../../../domain/colors";
import type { Release } from "../../../config/schema";
import type { DeploymentSpec } from "../../../domain/deployment";
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
import { azureConfigIssues } from "./configChecks";
import { liveServer, restoredServer, type ServerHandle } from "./database";
import { forensicCopy } from "./forensicCopy";
import { buildFoundation, type Foundation } from "./foundation";
import { gateChecks } from "../../health/gateChecks";
import { azureNames, PROXY_APP, type AzureConfig, type AzureNames } from "./names";
import { nameAfter } from "./outputs";
import { preSwitchBackup, preSwitchBackupName } from "./preSwitchBackup";
import { proxyApp } from "./proxyApp";
import { healthRoute, renderProxySite } from "./proxySite";
import { serviceApp } from "./serviceApp";
import { buildStorage, configBackupBlob, type BackupStorage } from "./storage";
import { VaultSecrets, type VaultReference } from "./vaultSecrets";

/** What foundation() builds and every later step stands on. */
interface Ground {
  foundation: Foundation;
  vault: VaultSecrets;
  storage: BackupStorage;
  publicEndpoint: pulumi.Output<string>;
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
  private ground?: Ground;
  private live?: ServerHandle;
  private liveUrl?: VaultReference;
  private readonly apps: pulumi.Resource[] = [];

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
    const issues = azureConfigIssues(context.config, this.names);
    if (issues.length > 0) throw new ConfigError(issues);
  }

  private get built(): Ground {
    if (!this.ground) throw new Error("foundation() must run before the other resources");
    return this.ground;
  }

  private get liveServer(): ServerHandle & { urlSecret: VaultReference } {
    if (!this.live || !this.liveUrl) throw new Error("database() must run before this step");
    return { ...this.live, urlSecret: this.liveUrl };
  }

  foundation(_spec: DeploymentSpec, parent: pulumi.Resource): void {
    const { config, secrets, stack } = this.context;
    const foundation = buildFoundation({ stack, azure: this.azure, names: this.names }, parent);
    const vault = new VaultSecrets(foundation, stack, this.names.vault);
    vault.store("exchange-api-key", secrets.exchangeApiKey, foundation.vault);
    vault.store("db-password", secrets.dbPassword, foundation.vault);
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
    // Azure always reports the default domain; only an offline plan (SDK mocks) lacks it.
    const publicEndpoint = this.azure.proxyCertificateId
      ? pulumi.output(`https://${config.proxy.hostname}`)
      : foundation.defaultDomain.apply(
          (domain) => `https://${PROXY_APP}.${domain ?? "<environment default domain>"}`,
        );
    this.ground = { foundation, vault, storage, publicEndpoint };
  }

  database(parent: pulumi.Resource): DatabaseHandle {
    const { foundation, vault } = this.built;
    const live = liveServer(
      {
        stack: this.context.stack,
        db: this.context.config.database,
        name: this.names.server,
        password: this.context.secrets.dbPassword,
        foundation,
      },
      parent,
    );
    this.live = live;
    this.liveUrl = vault.store("database-url", live.url, foundation.vault, live.identity);
    return {
      identity: live.identity,
      url: live.url,
      resources: [live.server, live.database, this.liveUrl.resource],
    };
  }

  service(request: ServiceRequest, parent: pulumi.Resource): ServiceHandle {
    const { foundation, vault, publicEndpoint } = this.built;
    const { spec } = request;
    const resource = serviceApp(
      {
        stack: this.context.stack,
        spec,
        secretEnv: request.secretEnv,
        foundation,
        vault,
        registryServer: this.azure.containerRegistry?.server,
        dependsOn: [...request.dependsOn, ...foundation.appPrerequisites],
      },
      parent,
    );
    this.apps.push(resource);
    return {
      resource,
      healthUrl: publicEndpoint.apply(
        (endpoint) => `${endpoint}${healthRoute(spec.service, spec.color)}`,
      ),
    };
  }

  router(request: RouterRequest, parent: pulumi.Resource): RouterHandle {
    const { foundation, publicEndpoint } = this.built;
    const { config, stack } = this.context;
    const site = renderProxySite({
      spec: request.spec,
      routes: request.routes,
      healthCheckSources: this.azure.healthCheckSources,
    });
    const proxy = proxyApp(
      {
        stack,
        spec: request.spec,
        site,
        image: config.proxy.image,
        replicas: this.azure.proxyReplicas,
        hostname: config.proxy.hostname,
        certificateId: this.azure.proxyCertificateId,
        foundation,
        // nginx resolves every upstream and health route when it starts: all apps must exist.
        dependsOn: [...request.dependsOn, ...this.apps],
      },
      parent,
    );
    return { publicEndpoint, resources: [proxy] };
  }

  snapshot(request: SnapshotRequest, parent: pulumi.Resource): BackupHandle {
    const { foundation } = this.built;
    const live = this.liveServer;
    const { config } = this.context;
    const name = preSwitchBackupName(
      { color: config.activeColor, release: config.slots[config.activeColor].release },
      request.switchKey,
      config.change,
    );
    const backup = preSwitchBackup(
      {
        name,
        server: nameAfter(live.server, live.name),
        foundation,
        after: request.database.resources,
      },
      parent,
    );
    return {
      location: pulumi.output(
        `${live.name} on-demand backup ${name} (point-in-time restore to any second within ${config.database.backupRetentionDays} days)`,
      ),
      resources: [backup],
    };
  }

  configBackup(release: string, configuration: Release, parent: pulumi.Resource): BackupHandle {
    const { foundation, storage } = this.built;
    const content = `${JSON.stringify(configuration, null, 2)}\n`;
    const { blob, location } = configBackupBlob({ release, content, storage, foundation }, parent);
    return { location: pulumi.output(location), resources: [blob] };
  }

  restore(request: RestoreRequest, parent: pulumi.Resource): RestoreHandle {
    const { foundation, vault, storage } = this.built;
    const live = this.liveServer;
    const { config, stack, secrets } = this.context;
    const target = request.point.target;
    const instant = request.point.instant;
    if (!instant) {
      // azureConfigIssues rejects such a config before anything registers.
      throw new Error(`restore ${target} has no instant to restore to`);
    }
    const copy = forensicCopy(
      {
        stack,
        target,
        incident: request.incident,
        liveUrl: live.urlSecret,
        dumpImage: config.database.image,
        cliImage: this.azure.cliImage,
        foundation,
        storage,
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

  healthChecks(
    spec: DeploymentSpec,
    services: Record<Color, ServiceHandle[]>,
    publicEndpoint: pulumi.Output<string>,
  ): pulumi.Output<HealthCheck[]> {
    return gateChecks(
      spec,
      services,
      publicEndpoint,
      this.context.config.healthGate.heartbeatMaxAgeSeconds,
    );
  }
}
