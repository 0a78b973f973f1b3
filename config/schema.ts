import { z } from "zod";
import { COLORS } from "../domain/colors";
import { SERVICE_NAMES, TRADING_MODES, type ServiceName } from "../domain/services";
import { parseImageRef, isDigest } from "../domain/images";
import { CHANGE_CLASSES, TRIGGER_CONDITIONS, triggerById } from "../domain/change";
import {
  azureLocation,
  azureResourceGroup,
  azureSku,
  containerPath,
  dockerName,
  envName,
  envValue,
  guid,
  localPath,
  postgresRole,
  postgresVersion,
  recordText,
  registryServer,
} from "./grammar";

/**
 * The stack config as zod schemas, keyed by the config key without the `aitb:` namespace.
 * Pure: no Pulumi imports, so the command line and the policy pack validate with the same rules.
 */

const releasePin = z
  .string()
  .regex(/^[0-9A-Za-z][0-9A-Za-z._-]*$/, 'expected a release pin such as "2026.11.4"');

const imageReference = z.string().superRefine((value, ctx) => {
  const ref = parseImageRef(value);
  if (!ref.tag) {
    ctx.addIssue({
      code: "custom",
      message: 'expected an image pinned by tag, such as "ghcr.io/aitb/bot:2026.11.4"',
    });
  } else if (ref.tag === "latest") {
    ctx.addIssue({
      code: "custom",
      message: 'expected a release tag, not the moving tag "latest"',
    });
  }
  if (ref.digest !== undefined && !isDigest(ref.digest)) {
    ctx.addIssue({ code: "custom", message: 'expected a digest "sha256:" and 64 hex digits' });
  }
});

const digest = z
  .string()
  .refine(isDigest, { message: 'expected a digest "sha256:" and 64 hex digits' });

const envMap = z.record(envName, envValue);

/** One service at one release: its image (or the reference service built locally) and its configuration. */
export const releaseServiceSchema = z
  .object({
    image: imageReference.optional(),
    digest: digest.optional(),
    /** `reference`: the dev stack builds reference-service/ and tags it with the release pin. */
    build: z.literal("reference").optional(),
    env: envMap.default({}),
    /** Config files mounted into the container: absolute path -> content. */
    files: z.record(containerPath, envValue).default({}),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!value.image && !value.build) {
      ctx.addIssue({
        code: "custom",
        message: 'expected "image" (a pinned image) or "build: reference"',
      });
    }
    if (value.image && value.build) {
      ctx.addIssue({ code: "custom", message: 'expected either "image" or "build", not both' });
    }
  });

const servicesOfRelease = z
  .object(
    Object.fromEntries(SERVICE_NAMES.map((name) => [name, releaseServiceSchema])) as Record<
      ServiceName,
      typeof releaseServiceSchema
    >,
  )
  .strict();

export const releaseSchema = z
  .object({
    notes: recordText("expected release notes", 500).optional(),
    services: servicesOfRelease,
  })
  .strict();

export const releaseCatalogSchema = z
  .record(releasePin, releaseSchema)
  .refine((catalog) => Object.keys(catalog).length > 0, {
    message: "expected at least one release in the catalog",
  });

const colorSchema = z.enum(COLORS);

export const slotsSchema = z
  .object({
    blue: z.object({ release: releasePin }).strict(),
    green: z.object({ release: releasePin }).strict(),
  })
  .strict();

const serviceSettingsOverride = z
  .object({
    port: z.number().int().min(1).max(65535).optional(),
    healthPath: z
      .string()
      .regex(
        /^(\/[a-z0-9._~-]+)*\/?$/,
        'expected an absolute path of [a-z0-9._~-] segments, such as "/health"',
      )
      .refine((p) => p.startsWith("/") && !/(^|\/)\.\.?(\/|$)/.test(p), {
        message: 'expected an absolute path without "." or ".." segments, such as "/health"',
      })
      .optional(),
    replicas: z.number().int().min(1).max(30).optional(),
    /** Public prefix: "/" or "/seg/.../"; it reaches the nginx site as a location. */
    route: z
      .string()
      .regex(
        /^\/([a-z0-9._~-]+\/)*$/,
        'expected "/" or a prefix of [a-z0-9._~-] segments ending in "/", such as "/dashboard/"',
      )
      .refine((p) => !/\/\.\.?\//.test(p), {
        message: 'expected a prefix without "." or ".." segments, such as "/dashboard/"',
      })
      .optional(),
    usesDatabase: z.boolean().optional(),
    cpu: z.number().positive().optional(),
    memoryGi: z.number().positive().optional(),
    env: envMap.optional(),
  })
  .strict();

export const serviceOverridesSchema = z
  .object(
    Object.fromEntries(
      SERVICE_NAMES.map((name) => [name, serviceSettingsOverride.optional()]),
    ) as Record<ServiceName, z.ZodOptional<typeof serviceSettingsOverride>>,
  )
  .strict()
  .default({});

const isoInstant = z.iso.datetime({
  offset: true,
  message: 'expected an ISO-8601 time with offset, such as "2026-11-25T14:30:00Z"',
});

export const changeSchema = z
  .object({
    class: z.enum(CHANGE_CLASSES),
    reason: recordText("expected a reason that says why this update happens"),
    incident: recordText("expected the incident id").optional(),
    requestedBy: recordText("expected who asked for the change"),
    /** Emergency changes expire: the market-hours rule ignores an expired emergency. */
    expires: isoInstant.optional(),
    /** When the change record was written; the policies want it recent (fresh-change-record). */
    at: isoInstant,
    /** The decision matrix's trigger (domain/change.ts); it must belong to the class. */
    trigger: z
      .string()
      .regex(/^[a-z0-9-]{1,64}$/, 'expected a trigger id such as "bot-execution-errors"')
      .optional(),
  })
  .strict()
  .superRefine((record, ctx) => {
    if (record.trigger !== undefined) {
      const trigger = triggerById(record.trigger);
      if (!trigger) {
        ctx.addIssue({
          code: "custom",
          path: ["trigger"],
          message: `expected a trigger of the decision matrix: ${TRIGGER_CONDITIONS.filter(
            (t) => t.changeClass === record.class,
          )
            .map((t) => t.id)
            .join(", ")} (for class ${record.class})`,
        });
      } else if (trigger.changeClass !== record.class) {
        ctx.addIssue({
          code: "custom",
          path: ["trigger"],
          message: `"${trigger.id}" (${trigger.description}) is a ${trigger.changeClass} trigger in the decision matrix, not ${record.class}; set aitb:change.class to "${trigger.changeClass}" or pick a ${record.class} trigger: ${TRIGGER_CONDITIONS.filter(
            (t) => t.changeClass === record.class,
          )
            .map((t) => t.id)
            .join(", ")}`,
        });
      }
    }
    if (record.expires !== undefined && Date.parse(record.expires) <= Date.parse(record.at)) {
      ctx.addIssue({
        code: "custom",
        path: ["expires"],
        message: `expected an expiry after the record's time (at ${record.at})`,
      });
    }
  });

export const restoreSchema = z
  .object({
    /** Restore to this instant (point-in-time restore). */
    pointInTime: isoInstant.optional(),
    /** Or restore the pre-switch snapshot taken while this release was live. */
    fromRelease: releasePin.optional(),
    /** The color whose services are repointed to the restored database. */
    color: colorSchema,
    reason: recordText("expected a reason for the restore"),
    incident: recordText("expected the incident id the restore belongs to"),
    /** Name of the new server or database; derived from the restore point when absent. */
    target: z
      .string()
      .regex(/^[a-z][a-z0-9-]{2,62}$/)
      .optional(),
    /**
     * When the restore ran: `aitb rollback` sets it on the switch to the restored color. The point
     * is then history, no longer checked against the clock and the backup retention.
     */
    performedAt: isoInstant.optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!value.pointInTime === !value.fromRelease) {
      ctx.addIssue({
        code: "custom",
        message: 'expected exactly one of "pointInTime" or "fromRelease"',
      });
    }
  });

export const databaseSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default("aitb"),
    user: postgresRole.default("aitb"),
    engineVersion: postgresVersion.default("15"),
    /** The PostgreSQL image: the dev database, and on Azure the forensic copy's pg_dump (pinned by digest there). */
    image: imageReference.default("postgres:15.8"),
    storageGb: z.number().int().min(32).default(128),
    sku: azureSku.default("Standard_D2ds_v5"),
    tier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]).default("GeneralPurpose"),
    backupRetentionDays: z.number().int().min(7).max(35).default(14),
    geoRedundantBackup: z.boolean().default(false),
    /**
     * Azure: a standby server for automatic failover. Default ZoneRedundant in prod (not on the
     * Burstable tier, which has no high availability), Disabled elsewhere.
     */
    highAvailability: z.enum(["ZoneRedundant", "SameZone", "Disabled"]).optional(),
    restore: restoreSchema.optional(),
  })
  .strict();

/** A restore of InfluxDB or SQL Server: shaped like aitb:database.restore, its target a database name. */
function engineRestoreSchema(example: string) {
  return z
    .object({
      pointInTime: isoInstant.optional(),
      fromRelease: releasePin.optional(),
      color: colorSchema,
      reason: recordText("expected a reason for the restore"),
      incident: recordText("expected the incident id the restore belongs to"),
      /** Name of the new database; derived from the restore point when absent. */
      target: z
        .string()
        .regex(
          /^[a-z][a-z0-9_]{2,62}$/,
          `expected a new database name of 3-63 lowercase letters, digits or "_", such as "${example}"`,
        )
        .optional(),
      performedAt: isoInstant.optional(),
    })
    .strict()
    .superRefine((value, ctx) => {
      if (!value.pointInTime === !value.fromRelease) {
        ctx.addIssue({
          code: "custom",
          message: 'expected exactly one of "pointInTime" or "fromRelease"',
        });
      }
    });
}

const engineDatabaseName = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    'expected a database name of lowercase letters, digits and "_"',
  );

/**
 * Optional InfluxDB 1.x (absent: not deployed). Docker: a container on a protected volume, portable
 * backups keyed by release (components/platform/docker/influxdb.ts). No managed InfluxDB exists on
 * Azure, and the loopback target runs none: both refuse it (their configChecks).
 */
export const influxdbSchema = z
  .object({
    name: engineDatabaseName.default("aitb_trading"),
    image: imageReference.default("influxdb:1.8.10"),
    /** Days a backup stays a valid restore point. */
    backupRetentionDays: z.number().int().min(1).max(365).default(14),
    restore: engineRestoreSchema("aitb_trading_restore_inc_42").optional(),
  })
  .strict();

/**
 * Optional SQL Server (absent: not deployed). Azure: Azure SQL server and database, point-in-time
 * restore into a new database. Docker: an mssql container with full and log backups. The
 * administrator password is aitb:dbPassword.
 */
export const sqlServerSchema = z
  .object({
    name: engineDatabaseName.default("aitb"),
    /** Azure SQL administrator login (Docker: the image's `sa`). */
    adminLogin: postgresRole.default("aitbadmin"),
    /**
     * Docker target. The tag is the one Apache Spark's SQL Server integration tests and EMQX's
     * SQL Server guide run, with sqlcmd at /opt/mssql-tools18/bin (the health check and the
     * backup steps call it there); pin it by digest once pulled
     * (`docker buildx imagetools inspect <image>`).
     */
    image: imageReference.default("mcr.microsoft.com/mssql/server:2022-CU15-ubuntu-22.04"),
    /** Azure SQL SKU name, such as "S1" or "GP_Gen5_2". */
    sku: azureSku.default("S1"),
    /**
     * Point-in-time restore window. Azure SQL: 1 to 35 days, 7 by default (Basic tier at most 7):
     * learn.microsoft.com/azure/azure-sql/database/automated-backups-overview.
     */
    backupRetentionDays: z.number().int().min(1).max(35).default(7),
    restore: engineRestoreSchema("aitb_restore_inc_42").optional(),
  })
  .strict();

export const backupsSchema = z
  .object({
    /** Docker target: host folder under which backups are kept, one folder per release. */
    root: localPath.default("./.aitb/backups"),
    /** Take a database snapshot keyed by the live release before every switch or re-pin. */
    preSwitchSnapshot: z.boolean().default(true),
    /** Keep the configuration of every release (the services' env and files). */
    configBackup: z.boolean().default(true),
    /** Parquet archive datasets. */
    archives: z
      .array(z.enum(["candles", "trades", "orderbook"]))
      .default(["candles", "trades", "orderbook"]),
    /** Days the forensic copies stay immutable. */
    forensicImmutabilityDays: z.number().int().min(1).default(30),
  })
  .strict();

export const proxySchema = z
  .object({
    /** Port the public endpoint listens on (Docker target: on the host). */
    publicPort: z.number().int().min(1).max(65535).default(8080),
    /** Public host name, used in the endpoint URL. */
    hostname: z
      .string()
      .regex(
        /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
        'expected a host name of RFC 1123 labels (lowercase letters, digits, "-"), such as "aitb.example.com"',
      )
      .default("localhost"),
    image: imageReference.default("nginx:1.27.2"),
    /**
     * How long an idle client connection stays open. A switch reloads nothing, so keep-alive
     * stays on; CIS NGINX Benchmark 2.4.3: "10 seconds or less, but not 0".
     */
    clientKeepaliveSeconds: z
      .number()
      .int("expected a whole number of seconds")
      .min(
        1,
        "expected 1 to 10 seconds: 0 turns client keep-alive off (CIS NGINX Benchmark 2.4.3: 10 seconds or less, but not 0)",
      )
      .max(
        10,
        "expected 1 to 10 seconds (CIS NGINX Benchmark 2.4.3: 10 seconds or less, but not 0)",
      )
      .default(10),
  })
  .strict();

export const dockerSchema = z
  .object({
    network: dockerName.default("aitb"),
    /** Host ports of the color services are base + an offset per color and service, for health checks. */
    hostPortBase: z.number().int().min(1024).max(60000).default(18000),
    /**
     * Docker daemon address, e.g. unix:///Users/me/.colima/default/docker.sock. Unset: DOCKER_HOST,
     * else the active Docker context, else the default socket (components/platform/docker/dockerHost.ts).
     */
    host: z
      .string()
      .regex(
        /^(unix|tcp|ssh|npipe|fd):\/\/\S+$/,
        'expected a Docker host such as "unix:///var/run/docker.sock", "tcp://127.0.0.1:2376" or "ssh://me@host"',
      )
      .optional(),
    /** Platform the reference image is built for, e.g. linux/amd64. Unset: the Docker host's own. */
    platform: z
      .string()
      .regex(
        /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/,
        'expected os/arch[/variant] such as "linux/arm64" or "linux/amd64"',
      )
      .optional(),
    /** Host address the proxy's public port binds to: 127.0.0.1 (this machine only) by default. */
    bindAddress: z
      .union([z.ipv4(), z.ipv6()], {
        error:
          'expected an IP address of this machine, such as "127.0.0.1" (this machine only) or "0.0.0.0" (every interface)',
      })
      .default("127.0.0.1"),
  })
  .strict();

const loopbackPort = z.number().int().min(1024).max(65535);
const absolutePath = z.string().startsWith("/", "expected an absolute path");

/** The loopback target: processes, nginx and PostgreSQL on this machine, no container engine. */
export const loopbackSchema = z
  .object({
    /** Folder of the processes' pid and log files, the proxy and the database cluster; default ./.aitb/<stack>. */
    stateDir: localPath.optional(),
    /** The IPv4 loopback address everything listens on. */
    host: z
      .string()
      .regex(
        /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/,
        'expected an IPv4 loopback address such as "127.0.0.1"',
      )
      .default("127.0.0.1"),
    /** Port of the public endpoint (nginx). */
    proxyPort: loopbackPort.default(18080),
    /** Port of PostgreSQL. */
    postgresPort: loopbackPort.default(15432),
    /** Ports of the color services are base + 10 per color + the service's index. */
    servicePortBase: loopbackPort.max(65000).default(18100),
    /** nginx; default: the first nginx on PATH, /usr/sbin or /usr/local/sbin. */
    nginx: absolutePath.optional(),
    /** Folder of initdb, pg_ctl, psql, createdb, pg_dump and pg_restore. */
    postgresBin: absolutePath.default("/usr/lib/postgresql/15/bin"),
    /** Seconds a service, nginx or PostgreSQL may take to come up healthy. */
    startTimeoutSeconds: z.number().int().min(5).max(600).default(60),
  })
  .strict();

const ipv4Cidr = z
  .string()
  .regex(
    /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d|[12]\d|3[0-2])$/,
    'expected an IPv4 CIDR range such as "10.40.0.0/16"',
  );

const azureResourceId = z
  .string()
  .startsWith("/subscriptions/", 'expected an Azure resource id "/subscriptions/<id>/..."');

export const azureNetworkSchema = z
  .object({
    addressSpace: ipv4Cidr.default("10.40.0.0/16"),
    /** Delegated to the Container Apps environment (workload profiles: /27 or larger). */
    appsSubnet: ipv4Cidr.default("10.40.0.0/23"),
    /** Delegated to the PostgreSQL flexible servers (the live one and any restored one). */
    databaseSubnet: ipv4Cidr.default("10.40.2.0/24"),
  })
  .strict();

export const azureSchema = z
  .object({
    location: azureLocation.default("eastus"),
    resourceGroupName: azureResourceGroup.optional(),
    /** Object id of the group allowed to read Key Vault secrets. */
    operatorsObjectId: guid.optional(),
    tenantId: guid.optional(),
    /** Prefix of the globally unique names (Key Vault, storage account, PostgreSQL server); default aitb-<stack>. */
    namePrefix: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{1,14}[a-z0-9]$/,
        'expected 3-16 lowercase letters, digits or "-", such as "aitb-prod"',
      )
      .optional(),
    network: azureNetworkSchema.default(azureNetworkSchema.parse({})),
    /** Replicas of the nginx proxy Container App (the only public ingress). */
    proxyReplicas: z.number().int().min(1).max(10).default(2),
    /** Certificate (a Container Apps environment certificate) for aitb:proxy.hostname; without it the proxy's own Azure host name is the endpoint. */
    proxyCertificateId: azureResourceId.optional(),
    /**
     * Who may call the health-only routes (/_aitb/health/...), served by a separate app whose
     * ingress admits only these ranges; empty: no health-only routes are exposed at all.
     */
    healthCheckSources: z.array(ipv4Cidr).default([]),
    /** The Container Apps environment spreads replicas over availability zones; default true in prod. */
    zoneRedundant: z.boolean().optional(),
    /** Azure Container Registry the images come from: pulled with a dedicated AcrPull identity. */
    containerRegistry: z
      .object({ server: registryServer, resourceId: azureResourceId.optional() })
      .strict()
      .optional(),
    /**
     * Azure CLI image of the forensic copy's upload step, pinned by digest; its tag is also the
     * deployment script's CLI version. Required on the azure target (no unpinned default).
     */
    cliImage: imageReference.optional(),
    storageSku: z
      .enum([
        "Standard_LRS",
        "Standard_ZRS",
        "Standard_GRS",
        "Standard_RAGRS",
        "Standard_GZRS",
        "Standard_RAGZRS",
      ])
      .default("Standard_GRS"),
    /** Days deleted blobs, versions and containers stay recoverable. */
    softDeleteDays: z.number().int().min(1).max(365).default(30),
    logRetentionDays: z.number().int().min(30).max(730).default(90),
  })
  .strict();

/** The trading-operations checks (contract/tradingChecks.ts), before a switch and after it. */
export const tradingChecksSchema = z
  .object({
    enabled: z.boolean().default(true),
    marketDataMaxAgeSeconds: z.number().int().min(1).max(3600).default(30),
    inferenceBudgetMs: z.number().int().min(10).max(60_000).default(1000),
  })
  .strict();

export const successConditionSchema = z
  .object({
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    maxLatencyDegradationPercent: z.number().min(0).max(1000).default(75),
    minLatencyIncreaseMs: z.number().min(0).max(60_000).default(25),
  })
  .strict();

/** The post-promotion analysis (components/health/analysis.ts), as Argo Rollouts declares one. */
export const postPromotionSchema = z
  .object({
    initialDelaySeconds: z.number().int().min(0).max(600).default(5),
    intervalSeconds: z.number().int().min(1).max(600).default(10),
    count: z.number().int().min(1).max(100).default(3),
    failureLimit: z.number().int().min(0).max(99).default(0),
    requests: z.number().int().min(1).max(1000).default(50),
    successCondition: successConditionSchema.default(successConditionSchema.parse({})),
  })
  .strict()
  .refine((analysis) => analysis.failureLimit < analysis.count, {
    message: "failureLimit must be below count, or the analysis could never fail",
    path: ["failureLimit"],
  });

export const healthGateSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How long the pre-promotion analysis waits for the target color to become healthy. */
    timeoutSeconds: z.number().int().min(5).max(1800).default(300),
    heartbeatMaxAgeSeconds: z.number().int().min(10).max(3600).default(120),
    tradingChecks: tradingChecksSchema.default(tradingChecksSchema.parse({})),
    postPromotion: postPromotionSchema.default(postPromotionSchema.parse({})),
  })
  .strict();

export const releaseHistoryEntrySchema = z
  .object({
    release: releasePin,
    color: colorSchema,
    activatedAt: isoInstant,
    deactivatedAt: isoInstant.optional(),
    change: recordText("expected the change it went live with").optional(),
    /** Content digest of the release when it went live (domain/releaseDigest.ts). */
    digest: digest.optional(),
    /**
     * Set when the release failed its post-promotion analysis or verification while live: it is
     * never offered as a known-good rollback target again.
     */
    failedAnalysis: z
      .object({
        at: isoInstant,
        reason: recordText("expected what failed"),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Which schema the services read trading data from, and the archive a restore filled it from. */
export const tradingDataSchema = z
  .object({
    /** Handed to the services as AITB_TRADING_SCHEMA (contract/tradingData.ts); a restore repoints it. */
    schema: z
      .string()
      .regex(
        /^[a-z_][a-z0-9_]{0,62}$/,
        'expected a PostgreSQL schema name of lower-case letters, digits and "_", such as "trading"',
      )
      .default("trading"),
    /** Written by `aitb data restore`: the archived day the schema was restored from. */
    restoredFrom: z
      .object({
        day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day "YYYY-MM-DD"'),
        types: z.array(z.enum(["candles", "trades", "orderbook"])).min(1),
        manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, "expected the manifest's sha256"),
        at: isoInstant,
      })
      .strict()
      .optional(),
  })
  .strict();

export const stackConfigSchema = z
  .object({
    environment: z.enum(["dev", "staging", "prod"]),
    target: z.enum(["docker", "azure", "loopback"]),
    activeColor: colorSchema,
    slots: slotsSchema,
    releases: releaseCatalogSchema,
    services: serviceOverridesSchema,
    change: changeSchema,
    database: databaseSchema.default(databaseSchema.parse({})),
    backups: backupsSchema.default(backupsSchema.parse({})),
    tradingData: tradingDataSchema.default(tradingDataSchema.parse({})),
    proxy: proxySchema.default(proxySchema.parse({})),
    docker: dockerSchema.default(dockerSchema.parse({})),
    loopback: loopbackSchema.default(loopbackSchema.parse({})),
    azure: azureSchema.optional(),
    influxdb: influxdbSchema.optional(),
    sqlServer: sqlServerSchema.optional(),
    healthGate: healthGateSchema.default(healthGateSchema.parse({})),
    releaseHistory: z.array(releaseHistoryEntrySchema).default([]),
    /** Trading mode of the standby color's bot. */
    standbyTradingMode: z.enum(TRADING_MODES).exclude(["live"]).default("paper"),
  })
  .strict();

export type RawStackConfig = z.input<typeof stackConfigSchema>;
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
export type ReleaseCatalog = z.output<typeof releaseCatalogSchema>;
export type Release = z.output<typeof releaseSchema>;
export type ReleaseService = z.output<typeof releaseServiceSchema>;
export type ChangeRecord = z.output<typeof changeSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type RestoreConfig = z.output<typeof restoreSchema>;
export type BackupsConfig = z.output<typeof backupsSchema>;
export type TradingDataConfig = z.output<typeof tradingDataSchema>;
export type LoopbackConfig = z.output<typeof loopbackSchema>;
export type InfluxdbConfig = z.output<typeof influxdbSchema>;
export type SqlServerConfig = z.output<typeof sqlServerSchema>;
export type EngineRestoreConfig = NonNullable<InfluxdbConfig["restore"]>;
export type ReleaseHistoryEntry = z.output<typeof releaseHistoryEntrySchema>;

/** The config keys this project reads, without the namespace. */
export const CONFIG_KEYS = Object.keys(stackConfigSchema.shape) as (keyof ParsedStackConfig)[];

/** Keys that hold secrets; set them with `pulumi config set --secret`. */
export const SECRET_KEYS = ["dbPassword", "exchangeApiKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
