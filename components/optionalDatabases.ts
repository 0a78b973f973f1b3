import * as pulumi from "@pulumi/pulumi";
import type { ParsedStackConfig } from "../config/schema";
import { COLORS } from "../domain/colors";
import type { DeployedState } from "../domain/deployed";
import type { DeploymentSpec } from "../domain/deployment";
import { engineRestorePoint, type EngineKey } from "../domain/influxRestore";
import { InfluxDatabase } from "./InfluxDatabase";
import { SqlServerDatabase } from "./SqlServerDatabase";
import type { StatefulDatabase } from "./StatefulDatabase";
import type { Platform, StatefulEngine } from "./platform/types";

export interface OptionalDatabasesArgs {
  config: ParsedStackConfig;
  spec: DeploymentSpec;
  platform: Platform;
  deployed: pulumi.Input<DeployedState | undefined>;
}

/** What the stack exports of an optional engine: the live database and the restored one. */
export interface OptionalDatabaseOutput {
  live: string;
  restored: string | null;
  /** The restoring color's connection URL of the restored database, to repoint it to. */
  restoredUrl: pulumi.Output<string> | null;
}

/**
 * aitb:influxdb and aitb:sqlServer, each declared only when its key is set: the target's adapter
 * builds it (the config checks refuse a key the target has no adapter for).
 */
export function optionalDatabases(
  args: OptionalDatabasesArgs,
  parent: pulumi.Resource,
): Partial<Record<EngineKey, StatefulDatabase>> {
  const { config, spec, platform } = args;
  const switchKey = [
    spec.activeColor,
    ...COLORS.map((color) => `${color}=${spec.colors[color].release}`),
  ].join(",");
  const liveRelease = pulumi
    .output(args.deployed)
    .apply((deployed) => (deployed ? deployed.releases[deployed.activeColor] : undefined));
  const declared: Partial<Record<EngineKey, StatefulDatabase>> = {};
  const build = (
    key: EngineKey,
    engine: StatefulEngine | undefined,
    Component: typeof InfluxDatabase | typeof SqlServerDatabase,
  ) => {
    const settings = config[key];
    if (!settings) return;
    if (!engine) throw new Error(`the ${platform.target} target has no adapter for aitb:${key}`);
    const restore = settings.restore;
    declared[key] = new Component(
      `aitb-${key.toLowerCase()}`,
      {
        engine,
        switchKey,
        liveRelease,
        restore: restore
          ? {
              color: restore.color,
              point: engineRestorePoint(settings, restore, config.releaseHistory),
              reason: restore.reason,
              incident: restore.incident,
            }
          : undefined,
      },
      { parent },
    );
  };
  build("influxdb", platform.influxdb, InfluxDatabase);
  build("sqlServer", platform.sqlServer, SqlServerDatabase);
  return declared;
}

export function optionalDatabaseOutputs(
  declared: Partial<Record<EngineKey, StatefulDatabase>>,
): Partial<Record<EngineKey, OptionalDatabaseOutput>> {
  return Object.fromEntries(
    Object.entries(declared).map(([key, database]) => [
      key,
      {
        live: database.live.identity,
        restored: database.restoredInto,
        restoredUrl: database.restore?.url ?? null,
      },
    ]),
  );
}
