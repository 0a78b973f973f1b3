import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type { DatabaseConfig } from "../../../config/schema";
import { LABEL } from "../../../domain/labels";
import type { Color } from "../../../domain/colors";
import type { Foundation } from "./foundation";
import { nameAfter } from "./outputs";
import type { HighAvailabilityMode } from "./settings";
import { tagsFor } from "./tags";

const POSTGRES_PORT = 5432;

/** Tags the restored server carries, so reviews and the policy pack see why it exists. */
import { RESTORE_LABEL as RESTORE_TAGS } from "../../../domain/labels";
export { RESTORE_TAGS };

export interface ServerHandle {
  server: dbforpostgresql.Server;
  name: string;
  /** `<server>/<database>`: what the stack reports as the database a color uses. */
  identity: string;
  url: pulumi.Output<string>;
}

/**
 * The libpq connection URL. User and password are percent-encoded: a password may hold any of
 * `@:/?#%`, which would otherwise end the user-info part or start the path, query or fragment
 * (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS: "percent-encoding
 * may be used to include symbols with special meaning in any of the URI parts").
 */
export function postgresUrl(parts: {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}): string {
  const user = encodeURIComponent(parts.user);
  const password = encodeURIComponent(parts.password);
  const database = encodeURIComponent(parts.database);
  return `postgres://${user}:${password}@${parts.host}:${parts.port}/${database}?sslmode=require`;
}

function connectionUrl(
  db: DatabaseConfig,
  password: pulumi.Output<string>,
  host: pulumi.Output<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.all([password, host]).apply(([secret, hostName]) =>
      postgresUrl({
        user: db.user,
        password: secret,
        host: hostName,
        port: POSTGRES_PORT,
        database: db.name,
      }),
    ),
  );
}

function privateNetwork(foundation: Foundation): dbforpostgresql.ServerArgs["network"] {
  return {
    delegatedSubnetResourceId: foundation.databaseSubnetId,
    privateDnsZoneArmResourceId: foundation.databaseZoneId,
    publicNetworkAccess: "Disabled",
  };
}

/**
 * The live PostgreSQL flexible server: reachable only from the stack's network, backups retained
 * and (in prod) geo-redundant as aitb:database says, protected and kept if removed from the program.
 */
export function liveServer(
  args: {
    stack: string;
    db: DatabaseConfig;
    name: string;
    password: pulumi.Output<string>;
    /** A standby for automatic failover; the Burstable tier has none (configChecks refuses it). */
    highAvailability: HighAvailabilityMode;
    foundation: Foundation;
  },
  parent: pulumi.Resource,
): ServerHandle & { database: dbforpostgresql.Database } {
  const { db, foundation } = args;
  const server = new dbforpostgresql.Server(
    "postgres",
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      serverName: args.name,
      version: db.engineVersion,
      sku: { name: db.sku, tier: db.tier },
      storage: { storageSizeGB: db.storageGb, autoGrow: "Enabled" },
      backup: {
        backupRetentionDays: db.backupRetentionDays,
        geoRedundantBackup: db.geoRedundantBackup ? "Enabled" : "Disabled",
      },
      // Not on the Burstable tier; only in regions with availability zones (MicrosoftDocs/azure-docs
      // articles/reliability/reliability-postgre.md, "Availability zones - limitations").
      highAvailability: { mode: args.highAvailability },
      administratorLogin: db.user,
      administratorLoginPassword: args.password,
      authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
      network: privateNetwork(foundation),
      tags: tagsFor(args.stack, "database"),
    },
    {
      parent,
      dependsOn: foundation.databaseNetwork,
      protect: true,
      retainOnDelete: true,
    },
  );
  const database = new dbforpostgresql.Database(
    "postgres-database",
    {
      resourceGroupName: foundation.resourceGroupName,
      serverName: nameAfter(server, args.name),
      databaseName: db.name,
      charset: "UTF8",
      collation: "en_US.utf8",
    },
    { parent: server, protect: true, retainOnDelete: true },
  );
  return {
    server,
    database,
    name: args.name,
    identity: `${args.name}/${db.name}`,
    url: connectionUrl(db, args.password, server.fullyQualifiedDomainName),
  };
}

export interface RestoredServerArgs {
  stack: string;
  db: DatabaseConfig;
  /** The new server's name (the restore target); the live server is never written to. */
  name: string;
  live: dbforpostgresql.Server;
  pointInTime: Date;
  color: Color;
  reason: string;
  incident: string;
  password: pulumi.Output<string>;
  foundation: Foundation;
  /** The forensic copy of the live server: the restore starts only after it succeeded. */
  after: pulumi.Resource[];
}

/** A point-in-time restore of the live server into a new server, in the same private network. */
export function restoredServer(args: RestoredServerArgs, parent: pulumi.Resource): ServerHandle {
  const { db, foundation } = args;
  const server = new dbforpostgresql.Server(
    args.name,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      serverName: args.name,
      createMode: "PointInTimeRestore",
      sourceServerResourceId: args.live.id,
      pointInTimeUTC: args.pointInTime.toISOString(),
      network: privateNetwork(foundation),
      tags: tagsFor(args.stack, "restore", {
        [LABEL.color]: args.color,
        [RESTORE_TAGS.reason]: args.reason,
        [RESTORE_TAGS.incident]: args.incident,
      }),
    },
    {
      parent,
      dependsOn: [...foundation.databaseNetwork, ...args.after],
      protect: true,
      retainOnDelete: true,
    },
  );
  return {
    server,
    name: args.name,
    identity: `${args.name}/${db.name}`,
    url: connectionUrl(db, args.password, server.fullyQualifiedDomainName),
  };
}
