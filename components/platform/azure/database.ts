import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import type { DatabaseConfig } from "../../../config/schema";
import { LABEL } from "../../../domain/labels";
import type { Color } from "../../../domain/colors";
import type { Foundation } from "./foundation";
import { nameAfter } from "./outputs";
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

function connectionUrl(
  db: DatabaseConfig,
  password: pulumi.Output<string>,
  host: pulumi.Output<string>,
): pulumi.Output<string> {
  return pulumi.secret(
    pulumi.interpolate`postgres://${db.user}:${password}@${host}:${POSTGRES_PORT}/${db.name}?sslmode=require`,
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
