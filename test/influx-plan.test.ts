import * as fs from "node:fs";
import * as path from "node:path";
import type { PlannedResource } from "../cli/engine/evaluate";
import { dbRestoreGuard } from "../policies/dbRestoreGuard";
import { configFailureOf, NOW, planOf, ROOT } from "./support/stacks";
import { messagesOf } from "./policies/fixtures";
import { runCli } from "./support/cli";
import { removeTempFiles, tempFile } from "./support/tempFiles";

interface CommandInputs {
  create: string;
  triggers?: unknown[];
  environment: Record<string, string>;
}

const RESTORE = {
  fromRelease: "2026.11.3",
  color: "green",
  reason: "bad candles written by 2026.11.4",
  incident: "INC-77",
};
const TARGET = "aitb_trading_restore_release_2026_11_3";

function byName(plan: { resources: PlannedResource[] }, name: string): PlannedResource {
  const found = plan.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource named ${name}`);
  return found;
}

function commandOf(resource: PlannedResource): CommandInputs {
  return resource.inputs as unknown as CommandInputs;
}

describe("aitb:influxdb on the docker target (dev)", () => {
  test("absent: nothing of InfluxDB is declared", async () => {
    const plan = await planOf("dev");
    expect(plan.resources.filter((r) => /influx/i.test(r.name))).toEqual([]);
    expect(plan.outputs.influxdb).toBeUndefined();
  });

  test("the data is a protected, retained volume; the container is replaceable", async () => {
    const plan = await planOf("dev", { influxdb: {} });
    const volume = byName(plan, "influxdb-data");
    expect(volume).toMatchObject({ protect: true, retainOnDelete: true });
    expect(volume.inputs).toMatchObject({ name: "aitb-dev-influxdb" });
    const container = byName(plan, "influxdb");
    expect(container).toMatchObject({ protect: false, deleteBeforeReplace: true });
    expect(container.inputs).toMatchObject({ image: "influxdb:1.8.10" });
    expect(plan.outputs.influxdb).toMatchObject({
      live: "aitb-dev-influxdb/aitb_trading",
      restored: null,
    });
  });

  test("a portable backup is taken on every switch, filed under the live release", async () => {
    const plan = await planOf("dev", { influxdb: {} });
    const backup = commandOf(byName(plan, "influxdb-pre-switch-backup"));
    expect(backup.environment).toMatchObject({
      AITB_ROLE: "backup",
      AITB_DATABASE_ENGINE: "influxdb",
    });
    expect(backup.create).toContain(
      'influxd backup -portable -host 127.0.0.1:8088 -db aitb_trading "$part"',
    );
    expect(backup.create).toContain("/backups/$release");
    const flipped = await planOf("dev", { influxdb: {}, activeColor: "green" });
    expect(commandOf(byName(flipped, "influxdb-pre-switch-backup")).triggers).not.toEqual(
      backup.triggers,
    );
  });

  test("a restore: forensic copy first, then influxd restore into a new database", async () => {
    const plan = await planOf("dev", { influxdb: { restore: RESTORE } });
    const forensic = byName(plan, "influxdb-forensic-copy");
    const restore = byName(plan, "influxdb-restore");
    const backup = byName(plan, "influxdb-pre-switch-backup");
    expect(restore.dependsOn).toContain(forensic.urn);
    expect(forensic.dependsOn).toContain(backup.urn);
    expect(restore.retainOnDelete).toBe(true);
    const inputs = commandOf(restore);
    expect(inputs.create).toContain(
      `influxd restore -portable -host 127.0.0.1:8088 -db aitb_trading -newdb ${TARGET} "$dir"`,
    );
    expect(inputs.create).toContain(`database ${TARGET} exists; a restore never writes over`);
    expect(inputs.environment).toMatchObject({
      AITB_ROLE: "restore",
      AITB_DATABASE_ENGINE: "influxdb",
      AITB_RESTORE_TARGET: TARGET,
      AITB_LIVE_DATABASE: "aitb_trading",
      AITB_RESTORE_COLOR: "green",
    });
    expect(plan.outputs.influxdb).toMatchObject({
      live: "aitb-dev-influxdb/aitb_trading",
      restored: `aitb-dev-influxdb/${TARGET}`,
    });
  });

  test("db-restore-guard passes the declared restore and judges it by its own engine's copy", async () => {
    const plan = await planOf("dev", { influxdb: { restore: RESTORE } });
    const policy = dbRestoreGuard({ now: () => NOW });
    expect(await messagesOf(policy, plan.resources)).toEqual([]);
    const withoutCopy = plan.resources.filter((r) => r.name !== "influxdb-forensic-copy");
    expect(await messagesOf(policy, withoutCopy)).toEqual([
      expect.stringContaining(
        "has no forensic copy of the current database declared before it; declare one (the program does with every aitb:influxdb.restore)",
      ),
    ]);
  });
});

describe("aitb plan shows the InfluxDB database, its backup and the restore", () => {
  afterAll(removeTempFiles);

  test("under the InfluxDatabase component, the data protected and retained, no violation", async () => {
    const stack = `${fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8").trimEnd()}
  aitb:influxdb:
    restore:
      fromRelease: 2026.11.3
      color: green
      reason: bad candles written by 2026.11.4
      incident: INC-77
`;
    const file = tempFile("Pulumi.dev.yaml", stack);
    const run = await runCli([
      "plan",
      "--stack",
      "dev",
      "--config",
      file,
      "--now",
      NOW.toISOString(),
      "--no-inputs",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/aitb-influxdb {2}aitb:deploy:InfluxDatabase/);
    expect(run.stdout).toMatch(
      /influxdb-data {2}docker:index\/volume:Volume {2}\[protect, retain\]/,
    );
    expect(run.stdout).toMatch(/influxdb-forensic-copy {2}command:Command/);
    expect(run.stdout).toMatch(/influxdb-restore {2}command:Command {2}\[retain/);
    expect(run.stdout).toContain("policies: no violations");
  });
});

describe("aitb:influxdb config errors: the key and the fix, nothing registered", () => {
  test("a restore point in the future", async () => {
    const error = await configFailureOf("dev", {
      influxdb: {
        restore: { ...RESTORE, fromRelease: undefined, pointInTime: "2026-11-26T00:00:00Z" },
      },
    });
    expect(error.issues).toEqual([
      {
        key: "aitb:influxdb.restore.pointInTime",
        message: expect.stringContaining("is in the future"),
      },
    ]);
  });

  test("a release without a backup (never deactivated)", async () => {
    const error = await configFailureOf("dev", {
      influxdb: { restore: { ...RESTORE, fromRelease: "2026.11.4" } },
    });
    expect(error.issues).toEqual([
      {
        key: "aitb:influxdb.restore.fromRelease",
        message: expect.stringContaining("has no backup"),
      },
    ]);
  });

  test("a restore onto the live database's name", async () => {
    const error = await configFailureOf("dev", {
      influxdb: { restore: { ...RESTORE, target: "aitb_trading" } },
    });
    expect(error.issues).toEqual([
      {
        key: "aitb:influxdb.restore.target",
        message: expect.stringContaining('"aitb_trading" is the live database'),
      },
    ]);
  });

  test("the azure target refuses it, saying why", async () => {
    const error = await configFailureOf("staging", { influxdb: {} });
    expect(error.issues).toEqual([
      { key: "aitb:influxdb", message: expect.stringContaining("no managed InfluxDB") },
    ]);
  });
});
