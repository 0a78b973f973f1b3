import type { PlannedResource } from "../../cli/engine/evaluate";
import { DB_RESTORE_GUARD, dbRestoreGuard } from "../../policies/dbRestoreGuard";
import {
  azureService,
  azureTags,
  changeRecord,
  colors,
  dockerService,
  messagesOf,
  resource,
  urnOf,
  violationsOf,
} from "./fixtures";

const NOW = new Date("2026-11-25T20:00:00Z");
const DEPLOYED_STATE = {
  activeColor: "blue" as const,
  releases: { blue: "2026.11.3", green: "2026.11.4" },
  database: "aitb-dev-postgres/aitb",
  restore: "",
  knownGoodReleases: ["2026.11.3"],
};
const policy = dbRestoreGuard({ now: () => NOW });

const COMMAND = "command:local:Command";
const FORENSIC_URN = urnOf(COMMAND, "forensic-copy");

function forensicCopy(): PlannedResource {
  return resource(COMMAND, "forensic-copy", {
    create: "docker exec aitb-dev-postgres pg_dump ...",
    environment: { AITB_ROLE: "forensic-copy", AITB_INCIDENT: "INC-9" },
  });
}

/** The Docker adapter's restore command: green (the standby) is repointed. */
function dockerRestore(env: Record<string, string> = {}, dependsOn = [FORENSIC_URN]) {
  return resource(
    COMMAND,
    "restore",
    {
      create: "docker exec aitb-dev-postgres pg_restore ...",
      environment: {
        AITB_ROLE: "restore",
        AITB_RESTORE_COLOR: "green",
        AITB_RESTORE_REASON: "bad migration in 2026.11.4",
        AITB_INCIDENT: "INC-9",
        AITB_RESTORE_TARGET: "aitb_restore_pitr_20261124t1200",
        AITB_LIVE_DATABASE: "aitb",
        AITB_RESTORE_POINT: "2026-11-24T12:00:00.000Z",
        AITB_RESTORE_RELEASE: "",
        AITB_BACKUP_RETENTION_DAYS: "7",
        ...env,
      },
    },
    { dependsOn, retainOnDelete: true },
  );
}

function dockerStack(restore = dockerRestore(), extra: PlannedResource[] = [forensicCopy()]) {
  return [...colors(dockerService, "blue"), ...extra, restore];
}

async function dockerMessages(restore = dockerRestore(), extra?: PlannedResource[]) {
  return messagesOf(policy, dockerStack(restore, extra));
}

describe("db-restore-guard on Docker", () => {
  test("pass: a stack without a restore", async () => {
    expect(await messagesOf(policy, colors(dockerService))).toEqual([]);
  });

  test("pass: a restore after a forensic copy, within retention, into the paper color", async () => {
    expect(await dockerMessages()).toEqual([]);
  });

  const performed = "green:aitb_restore_pitr_20261124t1200";

  test("pass: a restore performed by an earlier update, now that its color trades live", async () => {
    const record = changeRecord({
      deployed: { ...DEPLOYED_STATE, restore: performed },
      desired: { restore: performed },
    });
    const stack = [...colors(dockerService, "green"), forensicCopy(), dockerRestore(), record];
    expect(await messagesOf(policy, stack)).toEqual([]);
  });

  test("deny: a restore this update performs, into the color that trades live", async () => {
    const record = changeRecord({ deployed: DEPLOYED_STATE, desired: { restore: performed } });
    const stack = [...colors(dockerService, "green"), forensicCopy(), dockerRestore(), record];
    expect(await messagesOf(policy, stack)).toEqual([expect.stringContaining("trades live")]);
  });

  test("deny: no forensic copy declared", async () => {
    const violations = await violationsOf(policy, dockerStack(dockerRestore({}, []), []));
    expect(violations).toEqual([
      expect.objectContaining({
        policy: DB_RESTORE_GUARD,
        level: "mandatory",
        urn: urnOf(COMMAND, "restore"),
        message: expect.stringContaining("has no forensic copy"),
      }),
    ]);
  });

  test("deny: the forensic copy exists but the restore does not wait for it", async () => {
    const [message] = await dockerMessages(dockerRestore({}, []));
    expect(message).toContain("is not ordered after the forensic copy (forensic-copy)");
  });

  test("pass: the restore waits for the copy through another resource", async () => {
    const step = resource(COMMAND, "step", {}, { dependsOn: [FORENSIC_URN] });
    const restore = dockerRestore({}, [step.urn]);
    expect(await dockerMessages(restore, [forensicCopy(), step])).toEqual([]);
  });

  test("deny: a restore point in the future", async () => {
    const [message] = await dockerMessages(
      dockerRestore({ AITB_RESTORE_POINT: "2026-11-26T00:00:00Z" }),
    );
    expect(message).toContain("is in the future");
  });

  test("deny: a restore point older than the retention", async () => {
    const [message] = await dockerMessages(
      dockerRestore({ AITB_RESTORE_POINT: "2026-11-10T00:00:00Z" }),
    );
    expect(message).toContain("older than the backup retention of 7 days");
  });

  test("pass: the same point with a 35-day retention", async () => {
    const restore = dockerRestore({
      AITB_RESTORE_POINT: "2026-11-10T00:00:00Z",
      AITB_BACKUP_RETENTION_DAYS: "35",
    });
    expect(await dockerMessages(restore)).toEqual([]);
  });

  test("deny: no restore point (a snapshot restore of a release never deactivated)", async () => {
    const [message] = await dockerMessages(dockerRestore({ AITB_RESTORE_POINT: "" }));
    expect(message).toContain("declares no restore point");
  });

  test("deny: the affected color's bot trades live", async () => {
    const [message] = await dockerMessages(dockerRestore({ AITB_RESTORE_COLOR: "blue" }));
    expect(message).toContain("affects the blue color, whose bot bot-blue trades live");
  });

  test("pass: the affected color's bot is suspended", async () => {
    const services = colors(dockerService, "green", { "bot-blue": { tradingMode: "suspended" } });
    const stack = [...services, forensicCopy(), dockerRestore({ AITB_RESTORE_COLOR: "blue" })];
    expect(await messagesOf(policy, stack)).toEqual([]);
  });

  test("deny: the restore targets the live database in place", async () => {
    const [message] = await dockerMessages(dockerRestore({ AITB_RESTORE_TARGET: "aitb" }));
    expect(message).toContain("targets the live database aitb in place");
  });

  test("deny: no reason and no incident", async () => {
    const messages = await dockerMessages(
      dockerRestore({ AITB_RESTORE_REASON: "", AITB_INCIDENT: " " }),
    );
    expect(messages).toEqual([
      expect.stringContaining("carries no reason; set aitb:database.restore.reason"),
      expect.stringContaining("carries no incident id; set aitb:database.restore.incident"),
    ]);
  });
});

describe("db-restore-guard on Azure", () => {
  const SERVER = "azure-native:dbforpostgresql:Server";
  const liveServer = resource(
    SERVER,
    "postgres",
    {
      serverName: "aitb-prod-pg",
      backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
      tags: azureTags("database"),
    },
    { protect: true, retainOnDelete: true },
  );
  const forensicJob = resource("azure-native:app:Job", "forensic-copy", {
    tags: azureTags("forensic-copy"),
  });

  function restoredServer(inputs: Record<string, unknown> = {}, tags = {}) {
    return resource(
      SERVER,
      "aitb-prod-pg-restore",
      {
        serverName: "aitb-prod-pg-restore-pitr",
        createMode: "PointInTimeRestore",
        sourceServerResourceId:
          "/subscriptions/0000/resourceGroups/rg-aitb-prod/providers/Microsoft.DBforPostgreSQL/flexibleServers/aitb-prod-pg",
        pointInTimeUTC: "2026-11-01T00:00:00Z",
        tags: azureTags("restore", {
          "aitb-color": "blue",
          "aitb-restore-reason": "corrupted fills table",
          "aitb-incident": "INC-12",
          ...tags,
        }),
        ...inputs,
      },
      { dependsOn: [forensicJob.urn], protect: true, retainOnDelete: true },
    );
  }

  async function azureMessages(restore: PlannedResource) {
    return messagesOf(policy, [...colors(azureService, "green"), liveServer, forensicJob, restore]);
  }

  test("pass: a point-in-time restore into a new server, within the 35-day retention", async () => {
    expect(await azureMessages(restoredServer())).toEqual([]);
  });

  test("deny: a point older than the live server's retention", async () => {
    const [message] = await azureMessages(
      restoredServer({ pointInTimeUTC: "2026-10-01T00:00:00Z" }),
    );
    expect(message).toContain("older than the backup retention of 35 days");
  });

  test("deny: the restore names the live server as its target", async () => {
    const [message] = await azureMessages(restoredServer({ serverName: "aitb-prod-pg" }));
    expect(message).toContain("targets the live database aitb-prod-pg in place");
  });

  test("deny: the live color's bot while restoring into the active color", async () => {
    const [message] = await azureMessages(restoredServer({}, { "aitb-color": "green" }));
    expect(message).toContain("whose bot bot-green trades live");
  });

  test("deny: a restored server without the incident tag", async () => {
    const [message] = await azureMessages(restoredServer({}, { "aitb-incident": "" }));
    expect(message).toContain("carries no incident id");
  });
});
