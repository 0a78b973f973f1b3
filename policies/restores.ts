/**
 * Declared database restores as the restore guard reads them. Docker: a `command:local:Command`
 * with `AITB_ROLE=restore` whose environment names the target, the live database, the restore
 * point and the retention (its AITB_DATABASE_ENGINE says which engine: PostgreSQL, InfluxDB or
 * SQL Server). Azure: a PostgreSQL flexible server created with `createMode: PointInTimeRestore`
 * from the live server, or an Azure SQL database created with `createMode: PointInTimeRestore`
 * from the live database (`sourceDatabaseId`, `restorePointInTime`).
 */
import { isColor, type Color } from "../domain/colors";
import { LABEL, RESTORE_LABEL } from "../domain/labels";
import {
  AZURE_POSTGRES_SERVER,
  AZURE_SQL_DATABASE,
  engineOf,
  type DatabaseEngine,
  envOf,
  hasRole,
  isCommand,
  markersOf,
  pathProp,
  stringProp,
  type ResourceView,
  isType,
} from "../contract/resources";

/** Azure keeps 7 days of backups unless the server says otherwise. */
export const AZURE_DEFAULT_RETENTION_DAYS = 7;

export interface RestoreFacts<R extends ResourceView = ResourceView> {
  resource: R;
  /** The engine restored; its forensic copy must be of the same engine. */
  engine: DatabaseEngine;
  /** The config key the restore is declared under, for the fix a message names. */
  configKey: string;
  /** The new database (Docker) or server (Azure) the restore creates. */
  target?: string;
  /** The database or server the services use now. */
  live?: string;
  /** The restore point as declared (ISO-8601), if any. */
  point?: string;
  retentionDays?: number;
  color?: Color;
  reason?: string;
  incident?: string;
}

const POINT_IN_TIME = "PointInTimeRestore";

/** Azure SQL's point-in-time backups default to 7 days (Microsoft.Sql backupShortTermRetentionPolicies). */
export const AZURE_SQL_DEFAULT_RETENTION_DAYS = 7;
export const AZURE_SQL_RETENTION_POLICY = "azure-native:sql:BackupShortTermRetentionPolicy";

/** The config key of each engine's database. */
export const ENGINE_CONFIG_KEY: Record<DatabaseEngine, string> = {
  postgresql: "aitb:database",
  influxdb: "aitb:influxdb",
  sqlServer: "aitb:sqlServer",
};

function isAzureSqlRestore(resource: ResourceView): boolean {
  return (
    isType(resource, AZURE_SQL_DATABASE) &&
    stringProp(resource.props, "createMode") === POINT_IN_TIME
  );
}

function isAzureRestore(resource: ResourceView): boolean {
  return (
    isType(resource, AZURE_POSTGRES_SERVER) &&
    stringProp(resource.props, "createMode") === POINT_IN_TIME
  );
}

export function isRestore(resource: ResourceView): boolean {
  return (
    (isCommand(resource) && hasRole(resource, "restore")) ||
    isAzureRestore(resource) ||
    isAzureSqlRestore(resource)
  );
}

function serverName(resource: ResourceView): string {
  return stringProp(resource.props, "serverName") ?? resource.name;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== "" ? value : undefined;
}

function dockerRestore<R extends ResourceView>(resource: R): RestoreFacts<R> {
  const env = envOf(resource);
  const retention = Number(env.AITB_BACKUP_RETENTION_DAYS);
  const engine = engineOf(resource);
  return {
    resource,
    engine,
    configKey: ENGINE_CONFIG_KEY[engine],
    target: nonEmpty(env.AITB_RESTORE_TARGET),
    live: nonEmpty(env.AITB_LIVE_DATABASE),
    point: nonEmpty(env.AITB_RESTORE_POINT),
    retentionDays: Number.isFinite(retention) && retention > 0 ? retention : undefined,
    color: isColor(env.AITB_RESTORE_COLOR) ? env.AITB_RESTORE_COLOR : undefined,
    reason: nonEmpty(env.AITB_RESTORE_REASON),
    incident: nonEmpty(env.AITB_INCIDENT),
  };
}

function azureRestore<R extends ResourceView>(resource: R, all: readonly R[]): RestoreFacts<R> {
  const markers = markersOf(resource);
  const source = stringProp(resource.props, "sourceServerResourceId");
  const sourceName = source?.split("/").filter(Boolean).pop();
  const liveServers = all.filter(
    (candidate) =>
      isType(candidate, AZURE_POSTGRES_SERVER) &&
      !isAzureRestore(candidate) &&
      candidate !== resource,
  );
  const live =
    liveServers.find((server) => serverName(server) === sourceName) ??
    liveServers.find((server) => hasRole(server, "database"));
  const liveName = live ? serverName(live) : sourceName;
  const retention = live ? pathProp(live.props, "backup", "backupRetentionDays") : undefined;
  const color = markers[LABEL.color];
  return {
    resource,
    engine: "postgresql",
    configKey: ENGINE_CONFIG_KEY.postgresql,
    target: serverName(resource),
    live: liveName,
    point: nonEmpty(stringProp(resource.props, "pointInTimeUTC")),
    retentionDays: typeof retention === "number" ? retention : AZURE_DEFAULT_RETENTION_DAYS,
    color: isColor(color) ? color : undefined,
    reason: nonEmpty(markers[RESTORE_LABEL.reason]),
    incident: nonEmpty(markers[RESTORE_LABEL.incident]),
  };
}

function databaseName(resource: ResourceView): string {
  return stringProp(resource.props, "databaseName") ?? resource.name;
}

/** An Azure SQL restore: the live database is the one its sourceDatabaseId names. */
function azureSqlRestore<R extends ResourceView>(resource: R, all: readonly R[]): RestoreFacts<R> {
  const markers = markersOf(resource);
  const source = stringProp(resource.props, "sourceDatabaseId");
  const sourceName = source?.split("/").filter(Boolean).pop();
  const liveDatabases = all.filter(
    (candidate) =>
      isType(candidate, AZURE_SQL_DATABASE) &&
      candidate !== resource &&
      hasRole(candidate, "database"),
  );
  const live =
    liveDatabases.find((database) => databaseName(database) === sourceName) ?? liveDatabases[0];
  const liveName = live ? databaseName(live) : sourceName;
  const policy = all.find(
    (candidate) =>
      isType(candidate, AZURE_SQL_RETENTION_POLICY) &&
      stringProp(candidate.props, "databaseName") === liveName,
  );
  const retention = policy ? pathProp(policy.props, "retentionDays") : undefined;
  const color = markers[LABEL.color];
  return {
    resource,
    engine: "sqlServer",
    configKey: ENGINE_CONFIG_KEY.sqlServer,
    target: databaseName(resource),
    live: liveName,
    point: nonEmpty(stringProp(resource.props, "restorePointInTime")),
    retentionDays: typeof retention === "number" ? retention : AZURE_SQL_DEFAULT_RETENTION_DAYS,
    color: isColor(color) ? color : undefined,
    reason: nonEmpty(markers[RESTORE_LABEL.reason]),
    incident: nonEmpty(markers[RESTORE_LABEL.incident]),
  };
}

export function restoresOf<R extends ResourceView>(resources: readonly R[]): RestoreFacts<R>[] {
  return resources.filter(isRestore).map((resource) => {
    if (isCommand(resource)) return dockerRestore(resource);
    if (isAzureSqlRestore(resource)) return azureSqlRestore(resource, resources);
    return azureRestore(resource, resources);
  });
}
