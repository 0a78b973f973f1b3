import type { PlannedResource } from "../../cli/engine/evaluate";
import { dbRestoreGuard } from "../../policies/dbRestoreGuard";
import { restoresOf } from "../../policies/restores";
import {
  azureService,
  azureTags,
  colors,
  dockerService,
  messagesOf,
  resource,
  urnOf,
} from "./fixtures";

const NOW = new Date("2026-11-25T20:00:00Z");
const policy = dbRestoreGuard({ now: () => NOW });
const COMMAND = "command:local:Command";
/** The fields a policy reads (`props`) of a planned resource. */
const view = (planned: PlannedResource) => ({ ...planned, props: planned.inputs });

function copy(name: string, engine?: string): PlannedResource {
  return resource(COMMAND, name, {
    create: "docker exec ... backup",
    environment: {
      AITB_ROLE: "forensic-copy",
      AITB_INCIDENT: "INC-77",
      ...(engine ? { AITB_DATABASE_ENGINE: engine } : {}),
    },
  });
}

/** The Docker adapter's InfluxDB restore (components/platform/docker/influxdb.ts). */
function influxRestore(
  env: Record<string, string> = {},
  dependsOn = [urnOf(COMMAND, "influxdb-forensic-copy")],
) {
  return resource(
    COMMAND,
    "influxdb-restore",
    {
      create: "docker exec aitb-dev-influxdb sh -c '... influxd restore -portable ...'",
      environment: {
        AITB_ROLE: "restore",
        AITB_DATABASE_ENGINE: "influxdb",
        AITB_RESTORE_COLOR: "green",
        AITB_RESTORE_REASON: "bad candles",
        AITB_INCIDENT: "INC-77",
        AITB_RESTORE_TARGET: "aitb_trading_restore_release_2026_11_3",
        AITB_LIVE_DATABASE: "aitb_trading",
        AITB_RESTORE_POINT: "2026-11-24T15:10:00.000Z",
        AITB_RESTORE_RELEASE: "2026.11.3",
        AITB_BACKUP_RETENTION_DAYS: "14",
        ...env,
      },
    },
    { dependsOn, retainOnDelete: true },
  );
}

describe("db-restore-guard on an InfluxDB restore (Docker)", () => {
  const base = colors(dockerService, "blue");

  test("pass: after its own engine's forensic copy, into the paper color, a new database", async () => {
    const stack = [...base, copy("influxdb-forensic-copy", "influxdb"), influxRestore()];
    expect(await messagesOf(policy, stack)).toEqual([]);
    expect(restoresOf(stack.map(view)).map((facts) => [facts.engine, facts.configKey])).toEqual([
      ["influxdb", "aitb:influxdb"],
    ]);
  });

  test("deny: only a PostgreSQL forensic copy exists, which saves nothing of InfluxDB", async () => {
    const stack = [
      ...base,
      copy("forensic-copy"),
      influxRestore({}, [urnOf(COMMAND, "forensic-copy")]),
    ];
    expect(await messagesOf(policy, stack)).toEqual([
      expect.stringContaining(
        "has no forensic copy of the current database declared before it; declare one (the program does with every aitb:influxdb.restore)",
      ),
    ]);
  });

  test("deny: a PostgreSQL restore is not covered by an InfluxDB forensic copy either", async () => {
    const pgRestore = resource(
      COMMAND,
      "restore",
      {
        environment: {
          AITB_ROLE: "restore",
          AITB_RESTORE_COLOR: "green",
          AITB_RESTORE_REASON: "bad migration",
          AITB_INCIDENT: "INC-9",
          AITB_RESTORE_TARGET: "aitb_restore_x",
          AITB_LIVE_DATABASE: "aitb",
          AITB_RESTORE_POINT: "2026-11-24T12:00:00.000Z",
          AITB_BACKUP_RETENTION_DAYS: "7",
        },
      },
      { dependsOn: [urnOf(COMMAND, "influxdb-forensic-copy")] },
    );
    const stack = [...base, copy("influxdb-forensic-copy", "influxdb"), pgRestore];
    expect(await messagesOf(policy, stack)).toEqual([
      expect.stringContaining("(the program does with every aitb:database.restore)"),
    ]);
  });

  test("deny: in place over the live database, naming the InfluxDB key to fix", async () => {
    const stack = [
      ...base,
      copy("influxdb-forensic-copy", "influxdb"),
      influxRestore({ AITB_RESTORE_TARGET: "aitb_trading" }),
    ];
    expect(await messagesOf(policy, stack)).toEqual([
      expect.stringContaining(
        "targets the live database aitb_trading in place; restore into a new database or server (aitb:influxdb.restore.target)",
      ),
    ]);
  });

  test("deny: a point older than the InfluxDB backup retention", async () => {
    const stack = [
      ...base,
      copy("influxdb-forensic-copy", "influxdb"),
      influxRestore({ AITB_BACKUP_RETENTION_DAYS: "1" }),
    ];
    expect(await messagesOf(policy, stack)).toEqual([
      expect.stringContaining("older than the backup retention of 1 days"),
    ]);
  });
});

describe("db-restore-guard on an Azure SQL point-in-time restore", () => {
  const DATABASE = "azure-native:sql:Database";
  const SOURCE =
    "/subscriptions/0000/resourceGroups/rg-aitb-prod/providers/Microsoft.Sql/servers/aitb-prod-sql/databases/aitb";
  const live = resource(
    DATABASE,
    "sqlserver-database",
    {
      serverName: "aitb-prod-sql",
      databaseName: "aitb",
      tags: azureTags("database", { "aitb-engine": "sqlServer" }),
    },
    { protect: true, retainOnDelete: true },
  );
  const retention = (days: number) =>
    resource("azure-native:sql:BackupShortTermRetentionPolicy", "sqlserver-retention", {
      serverName: "aitb-prod-sql",
      databaseName: "aitb",
      retentionDays: days,
    });
  const sqlCopy = resource(
    DATABASE,
    "sqlserver-forensic-copy",
    {
      databaseName: "aitb_forensic_aitb_restore_pitr",
      createMode: "Copy",
      sourceDatabaseId: SOURCE,
      tags: azureTags("forensic-copy", { "aitb-engine": "sqlServer", "aitb-incident": "INC-88" }),
    },
    { protect: true, retainOnDelete: true },
  );
  const pgCopy = resource("azure-native:app:Job", "forensic-copy", {
    tags: azureTags("forensic-copy"),
  });

  function restored(
    inputs: Record<string, unknown> = {},
    tags: Record<string, string> = {},
    dependsOn = [sqlCopy.urn],
  ) {
    return resource(
      DATABASE,
      "sqlserver-restore",
      {
        serverName: "aitb-prod-sql",
        databaseName: "aitb_restore_pitr_20261116t1200",
        createMode: "PointInTimeRestore",
        sourceDatabaseId: SOURCE,
        restorePointInTime: "2026-11-16T12:00:00.000Z",
        tags: azureTags("restore", {
          "aitb-engine": "sqlServer",
          "aitb-color": "blue",
          "aitb-restore-reason": "fills corrupted",
          "aitb-incident": "INC-88",
          ...tags,
        }),
        ...inputs,
      },
      { dependsOn, protect: true, retainOnDelete: true },
    );
  }

  const stackOf = (...extra: PlannedResource[]) => [
    ...colors(azureService, "green"),
    live,
    ...extra,
  ];

  test("pass: after a database copy, within the declared 14-day retention, into the paper color", async () => {
    expect(await messagesOf(policy, stackOf(retention(14), sqlCopy, restored()))).toEqual([]);
  });

  test("deny: the same point with Azure SQL's default 7 days when no retention is declared", async () => {
    expect(await messagesOf(policy, stackOf(sqlCopy, restored()))).toEqual([
      expect.stringContaining("older than the backup retention of 7 days"),
    ]);
  });

  test("deny: only the PostgreSQL forensic job, no copy of the SQL database", async () => {
    expect(
      await messagesOf(policy, stackOf(retention(14), pgCopy, restored({}, {}, [pgCopy.urn]))),
    ).toEqual([expect.stringContaining("every aitb:sqlServer.restore")]);
  });

  test("deny: restoring over the live database's name, into the live color, without incident", async () => {
    const messages = await messagesOf(
      policy,
      stackOf(
        retention(14),
        sqlCopy,
        restored({ databaseName: "aitb" }, { "aitb-color": "green", "aitb-incident": "" }),
      ),
    );
    expect(messages).toEqual([
      expect.stringContaining(
        "whose bot bot-green trades live; restore into the standby color (aitb:sqlServer.restore.color)",
      ),
      expect.stringContaining("targets the live database aitb in place"),
      expect.stringContaining("carries no incident id; set aitb:sqlServer.restore.incident"),
    ]);
  });

  test("a database copy (createMode Copy) is not itself judged as a restore", () => {
    expect(restoresOf([live, sqlCopy].map(view))).toEqual([]);
  });
});
