import type { PlannedResource } from "../cli/engine/evaluate";
import { dbRestoreGuard } from "../policies/dbRestoreGuard";
import { protectData } from "../policies/protectData";
import { configFailureOf, NOW, planOf, stackSource } from "./support/stacks";
import { messagesOf } from "./policies/fixtures";

const RESTORE = {
  pointInTime: "2026-11-25T12:00:00Z",
  color: "blue",
  reason: "fills table corrupted by 2026.11.4",
  incident: "INC-88",
};

function named(plan: { resources: PlannedResource[] }, name: string): PlannedResource {
  const found = plan.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}`);
  return found;
}

describe("aitb:sqlServer on the azure target (prod): Azure SQL", () => {
  test("absent: no Azure SQL resource", async () => {
    const plan = await planOf("prod");
    expect(plan.resources.filter((r) => r.type.startsWith("azure-native:sql:"))).toEqual([]);
  });

  test("the server and the live database are protected and retained; retention is declared", async () => {
    const plan = await planOf("prod", { sqlServer: { backupRetentionDays: 14 } });
    for (const name of ["sqlserver", "sqlserver-database"]) {
      expect(named(plan, name)).toMatchObject({ protect: true, retainOnDelete: true });
    }
    expect(named(plan, "sqlserver").inputs).toMatchObject({
      serverName: "aitb-prod-sql",
      publicNetworkAccess: "Disabled",
      minimalTlsVersion: "1.2",
      administratorLoginPassword: expect.anything(),
    });
    expect(named(plan, "sqlserver").secretPaths).toContain("administratorLoginPassword");
    expect(named(plan, "sqlserver-retention").inputs).toMatchObject({
      databaseName: "aitb",
      retentionDays: 14,
    });
    expect(await messagesOf(protectData(), plan.resources)).toEqual([]);
  });

  test("a restore: a database copy first, then a point-in-time restore into a NEW database", async () => {
    const plan = await planOf("prod", { sqlServer: { restore: RESTORE } });
    const copy = named(plan, "sqlserver-forensic-copy");
    const restored = named(plan, "sqlserver-restore");
    expect(copy.inputs).toMatchObject({ createMode: "Copy" });
    expect(restored.inputs).toMatchObject({
      createMode: "PointInTimeRestore",
      restorePointInTime: "2026-11-25T12:00:00.000Z",
      databaseName: "aitb_restore_pitr_20261125t1200",
      serverName: "aitb-prod-sql",
    });
    expect(restored.inputs.sourceDatabaseId).toEqual(copy.inputs.sourceDatabaseId);
    expect(restored.dependsOn).toContain(copy.urn);
    for (const resource of [copy, restored]) {
      expect(resource).toMatchObject({ protect: true, retainOnDelete: true });
    }
    expect(plan.outputs.sqlServer).toMatchObject({
      live: "aitb-prod-sql/aitb",
      restored: "aitb-prod-sql/aitb_restore_pitr_20261125t1200",
    });
  });

  test("db-restore-guard passes it into the standby color and refuses it into the live color", async () => {
    const policy = dbRestoreGuard({ now: () => NOW });
    const standby = await planOf("prod", { sqlServer: { restore: RESTORE } });
    expect(await messagesOf(policy, standby.resources)).toEqual([]);
    const live = await planOf("prod", { sqlServer: { restore: { ...RESTORE, color: "green" } } });
    expect(await messagesOf(policy, live.resources)).toEqual([
      expect.stringContaining(
        "affects the green color, whose bot bot-green trades live; restore into the standby color (aitb:sqlServer.restore.color)",
      ),
    ]);
  });

  test("a restore already performed is not judged again once its color goes live", async () => {
    const policy = dbRestoreGuard({ now: () => NOW });
    const restored = { sqlServer: { restore: RESTORE } };
    const switched = await planOf(
      "prod",
      { ...restored, activeColor: "blue" },
      { base: stackSource("prod", restored) },
    );
    expect(await messagesOf(policy, switched.resources)).toEqual([]);
    // The same switch with a restore the stack has not performed is refused.
    const fresh = await planOf(
      "prod",
      { sqlServer: { restore: { ...RESTORE, target: "aitb_restore_other" } }, activeColor: "blue" },
      { base: stackSource("prod", restored) },
    );
    expect(await messagesOf(policy, fresh.resources)).toEqual([
      expect.stringContaining("affects the blue color, whose bot bot-blue trades live"),
    ]);
  });

  test("a point older than the retention: a config error naming the key, nothing registered", async () => {
    const error = await configFailureOf("prod", {
      sqlServer: {
        backupRetentionDays: 7,
        restore: { ...RESTORE, pointInTime: "2026-11-01T00:00:00Z" },
      },
    });
    expect(error.issues).toEqual([
      {
        key: "aitb:sqlServer.restore.pointInTime",
        message: expect.stringContaining("older than the backup retention of 7 days"),
      },
    ]);
  });

  test("a retention beyond Azure SQL's 35 days is refused", async () => {
    const error = await configFailureOf("prod", { sqlServer: { backupRetentionDays: 40 } });
    expect(error.issues[0].key).toBe("aitb:sqlServer.backupRetentionDays");
  });
});

describe("aitb:sqlServer on the docker target (dev): an mssql container", () => {
  const restore = { ...RESTORE, color: "green", pointInTime: "2026-11-25T12:00:00Z" };

  test("a protected volume, full and log backups on every switch, a restore after a copy-only backup", async () => {
    const plan = await planOf("dev", { sqlServer: { restore } });
    expect(named(plan, "sqlserver-data")).toMatchObject({ protect: true, retainOnDelete: true });
    const container = named(plan, "sqlserver");
    expect(container.secretPaths.some((path) => path.startsWith("envs"))).toBe(true);
    const backup = named(plan, "sqlserver-pre-switch-backup");
    const copy = named(plan, "sqlserver-forensic-copy");
    const restoreStep = named(plan, "sqlserver-restore");
    expect(copy.dependsOn).toContain(backup.urn);
    expect(restoreStep.dependsOn).toContain(copy.urn);
    const create = (r: PlannedResource) => (r.inputs as { create: string }).create;
    expect(create(backup)).toContain("BACKUP DATABASE [aitb] TO DISK");
    expect(create(backup)).toContain("BACKUP LOG [aitb] TO DISK");
    expect(create(copy)).toContain("WITH COPY_ONLY, CHECKSUM, INIT");
    expect(create(restoreStep)).toContain("RESTORE DATABASE [aitb_restore_pitr_20261125t1200]");
    expect(create(restoreStep)).toContain("-v stopAt=2026-11-25T12:00:00 -Q");
    expect(create(restoreStep)).toContain("WITH STOPAT = N");
    for (const step of [backup, copy, restoreStep]) {
      expect(create(step)).not.toContain("MSSQL_SA_PASSWORD=");
    }
    const policy = dbRestoreGuard({ now: () => NOW });
    expect(await messagesOf(policy, plan.resources)).toEqual([]);
  });

  test("the switch waits for the backup; the restoring color's services wait for the restore and get SQLSERVER_URL", async () => {
    const plan = await planOf("dev", { sqlServer: { restore } });
    const without = await planOf("dev");
    expect(named(plan, "switch-record").dependsOn).toContain(
      named(plan, "sqlserver-pre-switch-backup").urn,
    );
    const restoreUrn = named(plan, "sqlserver-restore").urn;
    expect(named(plan, "inference-green").dependsOn).toContain(restoreUrn);
    expect(named(plan, "inference-blue").dependsOn).not.toContain(restoreUrn);
    // Every service that uses the database gets one more secret env value (SQLSERVER_URL, the
    // restored database for green, the live one for blue); the others none.
    for (const service of ["webapp-green", "webapp-blue", "bot-green", "notifier-blue"]) {
      expect({
        service,
        secrets:
          named(plan, service).secretPaths.length - named(without, service).secretPaths.length,
      }).toEqual({ service, secrets: service.startsWith("notifier") ? 0 : 1 });
    }
  });

  test("the loopback target refuses it, naming the key", async () => {
    const error = await configFailureOf("loopback", { sqlServer: {} });
    expect(error.issues).toEqual([
      {
        key: "aitb:sqlServer",
        message: expect.stringContaining("not deployed by the loopback target"),
      },
    ]);
  });
});
