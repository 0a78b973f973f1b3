import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { PlannedResource } from "../cli/engine/evaluate";
import { postgresUrl } from "../components/platform/azure/database";
import { JOBS_API } from "../components/platform/azure/forensicCopy";
import { fileItemName, fileSecretName } from "../components/platform/azure/serviceApp";
import type { Plan } from "../cli/engine/plan";
import { COLORS } from "../domain/colors";
import { ROLES } from "../domain/labels";
import { SERVICE_NAMES } from "../domain/services";
import { runCli } from "./support/cli";
import {
  changedUrns,
  configFailureOf,
  flipped,
  NOW,
  planOf,
  ROOT,
  stackSource,
} from "./support/stacks";

const APP = "azure-native:app:ContainerApp";
const SERVER = "azure-native:dbforpostgresql:Server";
const ON_DEMAND_BACKUP = "azure-native:dbforpostgresql:BackupsAutomaticAndOnDemand";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
/** A Key Vault secret URL with a version: .../secrets/<name>/<version>. */
const versioned = (name: string) =>
  new RegExp(`^https://[a-z0-9-]+\\.vault\\.azure\\.net/secrets/${name}/[^/]+$`);

interface AppInputs {
  tags: Record<string, string>;
  configuration: {
    ingress: {
      external: boolean;
      targetPort: number;
      ipSecurityRestrictions?: { ipAddressRange: string; action: string }[];
    };
    secrets: { name: string; keyVaultUrl?: string; value?: unknown }[];
  };
  template: {
    containers: {
      image: string;
      env: { name: string; value?: string; secretRef?: string }[];
      volumeMounts?: { mountPath: string; subPath: string }[];
    }[];
    scale: { minReplicas: number; maxReplicas: number };
    volumes?: { name: string; secrets: { secretRef: string; path: string }[] }[];
  };
}

const named = (plan: Plan, name: string) => {
  const found = plan.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}`);
  return found;
};
const appInputs = (resource: PlannedResource) => resource.inputs as unknown as AppInputs;
const envOf = (resource: PlannedResource) =>
  Object.fromEntries(
    appInputs(resource).template.containers[0].env.map((e) => [e.name, e.value ?? e.secretRef]),
  );
const secretOf = (resource: PlannedResource, name: string) =>
  appInputs(resource).configuration.secrets.find((s) => s.name === name);
const apps = (plan: Plan) => plan.resources.filter((r) => r.type === APP);

type Catalog = Record<string, { services: Record<string, { image: string; digest: string }> }>;

describe.each(["staging", "prod"])("the %s stack on Azure", (stack) => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf(stack);
  });

  it("runs every service of both colors as a Container App at its pinned image and digest", () => {
    const catalog = stackSource(stack).values.releases as Catalog;
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES) {
        const app = named(plan, `${service}-${color}`);
        expect(app.type).toBe(APP);
        const pinned = catalog[plan.releases[color]].services[service];
        expect(appInputs(app).template.containers[0].image).toBe(
          `${pinned.image}@${pinned.digest}`,
        );
        expect(appInputs(app).tags).toMatchObject({
          "aitb-role": "service",
          "aitb-color": color,
          "aitb-service": service,
          "aitb-release": plan.releases[color],
        });
      }
    }
    expect(apps(plan).map((r) => r.name)).toHaveLength(11);
  });

  it("keeps the standby color warm: the same replicas as the active color, at least one", () => {
    for (const service of SERVICE_NAMES) {
      const active = appInputs(named(plan, `${service}-${plan.activeColor}`)).template.scale;
      const standby = appInputs(named(plan, `${service}-${plan.standbyColor}`)).template.scale;
      expect(standby.minReplicas).toBeGreaterThanOrEqual(1);
      expect(standby).toEqual(active);
    }
  });

  it("gives public ingress to the proxy alone", () => {
    const external = apps(plan).filter((r) => appInputs(r).configuration.ingress.external);
    expect(external.map((r) => r.name)).toEqual(["proxy"]);
    for (const service of ["bot", "inference", "notifier"]) {
      expect(appInputs(named(plan, `${service}-blue`)).configuration.ingress.external).toBe(false);
    }
  });

  it("tags every taggable resource with a known role and the stack", () => {
    const tagged = plan.resources.filter(
      (r) => r.type.startsWith("azure-native:") && r.inputs.tags,
    );
    expect(tagged.length).toBeGreaterThan(20);
    for (const resource of tagged) {
      const tags = resource.inputs.tags as Record<string, string>;
      expect(ROLES).toContain(tags["aitb-role"]);
      expect(tags["aitb-stack"]).toBe(stack);
    }
    // No active color in the proxy's tags: a switch changes nothing on the app.
    expect(named(plan, "proxy").inputs.tags).toEqual({
      "aitb-role": "router",
      "aitb-stack": stack,
    });
  });

  it("protects and retains the database, the storage and the vault", () => {
    const kept = plan.resources.filter((r) =>
      /^azure-native:(dbforpostgresql:(Server|Database)|storage:(StorageAccount|BlobServiceProperties|BlobContainer|BlobContainerImmutabilityPolicy)|keyvault:(Vault|Secret))$/.test(
        r.type,
      ),
    );
    expect(kept.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        SERVER,
        "azure-native:storage:StorageAccount",
        "azure-native:keyvault:Vault",
        "azure-native:keyvault:Secret",
      ]),
    );
    for (const resource of kept) {
      expect([resource.name, resource.protect, resource.retainOnDelete]).toEqual([
        resource.name,
        true,
        true,
      ]);
    }
    const unprotected = plan.resources.filter((r) => r.custom && !r.protect);
    expect(unprotected.map((r) => r.type)).not.toContain(SERVER);
  });

  it("keeps secrets Pulumi secrets: vault values are secret, apps only reference the vault", () => {
    const text = JSON.stringify(plan.resources.map((r) => r.inputs));
    expect(text).not.toContain("placeholder-dbPassword");
    expect(text).not.toContain("placeholder-exchangeApiKey");
    const vaultSecrets = plan.resources.filter((r) => r.type === "azure-native:keyvault:Secret");
    expect(vaultSecrets.map((r) => r.name).sort()).toEqual([
      "secret-database-url",
      "secret-db-password",
      "secret-exchange-api-key",
    ]);
    for (const secret of vaultSecrets) expect(secret.secretPaths).toContain("properties.value");
    expect(named(plan, "postgres").secretPaths).toContain("administratorLoginPassword");
    for (const color of COLORS) {
      const bot = named(plan, `bot-${color}`);
      for (const name of ["database-url", "exchange-api-key"]) {
        const secret = secretOf(bot, name);
        expect(secret?.keyVaultUrl).toMatch(versioned(name));
        expect(secret?.value).toBeUndefined();
      }
      expect(envOf(bot)).toMatchObject({
        DATABASE_URL: "database-url",
        EXCHANGE_API_KEY: "exchange-api-key",
      });
      expect(secretOf(named(plan, `webapp-${color}`), "exchange-api-key")).toBeUndefined();
    }
  });

  it("declares the server's backups and the write-once forensic container from config", () => {
    const db = stackSource(stack).values.database as {
      backupRetentionDays: number;
      geoRedundantBackup: boolean;
    };
    expect(named(plan, "postgres").inputs).toMatchObject({
      backup: {
        backupRetentionDays: db.backupRetentionDays,
        geoRedundantBackup: db.geoRedundantBackup ? "Enabled" : "Disabled",
      },
      network: { publicNetworkAccess: "Disabled" },
    });
    const backups = (stackSource(stack).values.backups ?? {}) as {
      forensicImmutabilityDays?: number;
    };
    expect(named(plan, "forensics-immutability").inputs).toMatchObject({
      containerName: "forensics",
      immutabilityPeriodSinceCreationInDays: backups.forensicImmutabilityDays ?? 30,
    });
    expect(named(plan, "blob-service").inputs).toMatchObject({
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true },
    });
    for (const dataset of ["candles", "trades", "orderbook", "config-backups", "forensics"]) {
      expect(named(plan, `container-${dataset}`).inputs).toMatchObject({ publicAccess: "None" });
    }
  });

  it("routes the proxy by the switch record to both colors' apps, with Host set to that app", () => {
    const proxy = named(plan, "proxy");
    const site = envOf(proxy).AITB_NGINX_SITE as string;
    for (const color of ["blue", "green"]) expect(site).toContain(`server webapp-${color}:80`);
    expect(site).toContain("if (-f /run/aitb/switch/current/green)");
    expect(site).toMatch(
      /map \$aitb_color \$aitb_host_webapp \{\n {4}default "";\n {4}blue webapp-blue;\n {4}green webapp-green;/,
    );
    expect(site).toMatch(
      /location \/ \{\n {8}proxy_set_header Connection "";\n {8}proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;\n {8}proxy_set_header X-Forwarded-Host \$host;\n {8}proxy_set_header Host \$aitb_host_webapp;/,
    );
    expect(proxy.dependsOn).toEqual(
      expect.arrayContaining([
        ...apps(plan)
          .filter((r) => r.name !== "proxy")
          .map((r) => r.urn),
        named(plan, "switch-record").urn,
      ]),
    );
  });

  it("exposes no health-only route without aitb:azure.healthCheckSources, and checks the public routes", () => {
    expect(apps(plan).map((r) => r.name)).not.toContain("proxy-health");
    const site = envOf(named(plan, "proxy")).AITB_NGINX_SITE as string;
    expect(site).not.toContain("/_aitb/health/");
    const gate = named(plan, "aitb-health-checks");
    const checks = JSON.parse(
      (gate.inputs.environment as Record<string, string>).AITB_HEALTH_CHECKS,
    ) as { name: string; url: string }[];
    expect(checks.map((c) => c.name).sort()).toEqual([
      "public /",
      "public /api/",
      "public /dashboard/",
    ]);
    expect(checks.find((c) => c.name === "public /dashboard/")?.url).toMatch(
      /\/dashboard\/health$/,
    );
  });

  it("waits for no on-demand backup: no app, router, gate or restore depends on one", () => {
    const backups = plan.resources.filter((r) => r.type === ON_DEMAND_BACKUP).map((r) => r.urn);
    for (const resource of plan.resources) {
      expect({
        name: resource.name,
        waitsFor: resource.dependsOn.filter((u) => backups.includes(u)),
      }).toEqual({ name: resource.name, waitsFor: [] });
    }
  });

  it("references every vault secret by version, so a rotation reaches the apps only through an update", () => {
    const references = plan.resources
      .filter((r) => r.type === APP || r.type === "azure-native:app:Job")
      .flatMap((r) => (r.inputs as unknown as AppInputs).configuration.secrets ?? [])
      .filter((secret) => secret.keyVaultUrl);
    expect(references.length).toBeGreaterThan(5);
    for (const secret of references) expect(secret.keyVaultUrl).toMatch(versioned("[a-z0-9-]+"));
  });

  it("protects the data and nothing that runs: no app or job is protected", () => {
    const running = plan.resources.filter(
      (r) => r.type === APP || r.type === "azure-native:app:Job" || r.type === ON_DEMAND_BACKUP,
    );
    expect(running.length).toBeGreaterThan(11);
    for (const resource of running)
      expect([resource.name, resource.protect]).toEqual([resource.name, false]);
  });
});

describe("health-only routes with aitb:azure.healthCheckSources", () => {
  const azure = stackSource("prod").values.azure as Record<string, unknown>;
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf("prod", {
      azure: { ...azure, healthCheckSources: ["203.0.113.0/28", "198.51.100.7/32"] },
    });
  });

  it("serves them from their own app, whose ingress admits only those ranges", () => {
    const health = named(plan, "proxy-health");
    const ingress = appInputs(health).configuration.ingress;
    expect(ingress.external).toBe(true);
    expect(ingress.ipSecurityRestrictions).toEqual([
      expect.objectContaining({ ipAddressRange: "203.0.113.0/28", action: "Allow" }),
      expect.objectContaining({ ipAddressRange: "198.51.100.7/32", action: "Allow" }),
    ]);
    const site = envOf(health).AITB_NGINX_SITE as string;
    for (const color of COLORS) {
      expect(site).toContain(`location = /_aitb/health/bot-${color} {`);
      expect(site).toContain(`proxy_pass http://bot-${color}:80/health;`);
    }
    expect(envOf(named(plan, "proxy")).AITB_NGINX_SITE).not.toContain("/_aitb/health/");
    expect(appInputs(named(plan, "proxy")).configuration.ingress.ipSecurityRestrictions).toBe(
      undefined,
    );
  });

  it("health-checks every service of both colors there, and the public routes", () => {
    const gate = named(plan, "aitb-health-checks");
    const checks = JSON.parse(
      (gate.inputs.environment as Record<string, string>).AITB_HEALTH_CHECKS,
    ) as { name: string; url: string; expect: Record<string, string> }[];
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES) {
        const check = checks.find((c) => c.name === `${service}-${color}`);
        expect(check?.url).toMatch(
          new RegExp(`^https://proxy-health\\..+/_aitb/health/${service}-${color}$`),
        );
        expect(check?.expect).toMatchObject({ service, color, release: plan.releases[color] });
      }
    }
    expect(checks.find((c) => c.name === "public /")?.url).toMatch(/^https:\/\/proxy\./);
    expect(gate.dependsOn).toContain(named(plan, "proxy-health").urn);
  });

  it("leaves the health app out of a switch", async () => {
    const after = await planOf("prod", {
      azure: { ...azure, healthCheckSources: ["203.0.113.0/28", "198.51.100.7/32"] },
      ...flipped(stackSource("prod")),
    });
    expect(named(after, "proxy-health").inputs).toEqual(named(plan, "proxy-health").inputs);
  });
});

describe("switching the active color on prod", () => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planOf("prod");
    after = await planOf("prod", flipped(stackSource("prod")));
  });

  it("changes no app: only the switch-record blob, no database, other storage or vault", () => {
    const changed = changedUrns(before, after).map((urn) => named(after, urn.split("::").pop()!));
    expect(changed.filter((r) => r.type === APP).map((r) => r.name)).toEqual([]);
    expect(
      changed
        .filter((r) => r.type !== APP)
        .map((r) => r.type)
        .sort(),
    ).toEqual([
      // The pre-switch backup is taken again before every switch; both analyses and the record rerun.
      "azure-native:dbforpostgresql:BackupsAutomaticAndOnDemand",
      "azure-native:storage:Blob",
      "command:local:Command",
      "command:local:Command",
      "command:local:Command",
    ]);
    // The blob's metadata is the record: updated in place, never a replacement (its source stays).
    const blob = (plan: Plan) => named(plan, "switch-record").inputs;
    expect(blob(after).source).toEqual(blob(before).source);
    expect(blob(after).metadata).not.toEqual(blob(before).metadata);
    expect(before.resources.map((r) => r.urn).sort()).toEqual(
      after.resources.map((r) => r.urn).sort(),
    );
  });

  it("moves the active color in the switch record; the bots carry no trading mode", () => {
    const record = (plan: Plan) =>
      JSON.parse(
        (named(plan, "switch-record").inputs.metadata as Record<string, string>).record,
      ) as {
        activeColor: string;
      };
    expect(record(before).activeColor).toBe(before.activeColor);
    expect(record(after).activeColor).toBe(after.activeColor);
    for (const color of ["blue", "green"]) {
      const env = envOf(named(after, `bot-${color}`));
      expect(env.AITB_TRADING_MODE).toBeUndefined();
      expect(env).toMatchObject({
        AITB_TRADING_LEASE: "postgres",
        AITB_SWITCH_RECORD: "/run/aitb/switch",
      });
    }
  });

  it("gives each bot and the proxy a sidecar that reads the record with its own identity", () => {
    for (const name of ["proxy", "bot-blue", "bot-green"]) {
      const app = appInputs(named(after, name));
      const sidecar = app.template.containers.find(
        (c) => (c as { name?: string }).name === "switch-record",
      );
      expect(sidecar).toBeDefined();
      expect(app.template.volumes).toContainEqual({
        name: "switch-record",
        storageType: "EmptyDir",
      });
    }
    // Neither bot waits for, or is deleted before, the other: the lease keeps one live.
    const bot = named(after, `bot-${after.activeColor}`);
    expect(bot.deleteBeforeReplace).toBe(false);
    expect(bot.dependsOn).not.toContain(named(after, `bot-${after.standbyColor}`).urn);
  });

  it("replaces the pre-switch backup under a new name, deleting the old one once the new exists", () => {
    const name = (plan: Plan) => named(plan, "pre-switch-backup").inputs.backupName as string;
    expect(name(before)).toMatch(/^pre-switch-green-2026-11-4-[0-9a-f]{8}$/);
    expect(name(after)).toMatch(/^pre-switch-blue-2026-11-3-[0-9a-f]{8}$/);
    const backup = named(after, "pre-switch-backup");
    // Not retained and not deleted first: the replacement is created, then the old one deleted.
    expect([backup.retainOnDelete, backup.deleteBeforeReplace]).toEqual([false, false]);
  });
});

describe("a declared restore on prod", () => {
  const database = stackSource("prod").values.database as Record<string, unknown>;
  const restore = {
    pointInTime: "2026-11-25T14:00:00Z",
    color: "blue",
    reason: "Order table corrupted by 2026.11.4 migration",
    incident: "INC-7781",
  };
  let plain: Plan;
  let plan: Plan;
  beforeAll(async () => {
    plain = await planOf("prod");
    plan = await planOf("prod", { database: { ...database, restore } });
  });

  const target = "aitb-restore-pitr-20261125t1400";

  it("restores into a new server at the point in time, from the live server, which stays", () => {
    const restored = named(plan, target);
    expect(restored.type).toBe(SERVER);
    expect(restored.inputs).toMatchObject({
      serverName: target,
      createMode: "PointInTimeRestore",
      pointInTimeUTC: "2026-11-25T14:00:00.000Z",
      // The mocks give every resource the id "<name>-id": this is the live server's id.
      sourceServerResourceId: "postgres-id",
      tags: {
        "aitb-role": "restore",
        "aitb-color": "blue",
        "aitb-incident": "INC-7781",
        "aitb-restore-reason": restore.reason,
      },
    });
    expect([restored.protect, restored.retainOnDelete]).toEqual([true, true]);
    expect(named(plan, "postgres").inputs).toEqual(named(plain, "postgres").inputs);
    expect(plan.outputs.databases).toEqual({
      live: "aitb-prod-pg/aitb",
      restored: `${target}/aitb`,
    });
  });

  it("repoints only the restoring color's database users", () => {
    const changedApps = changedUrns(plain, plan)
      .map((urn) => plan.resources.find((r) => r.urn === urn))
      .filter((r): r is PlannedResource => r?.type === APP)
      .map((r) => r.name)
      .sort();
    expect(changedApps).toEqual(["bot-blue", "dashboard-blue", "webapp-blue"]);
    for (const service of ["bot", "webapp", "dashboard"]) {
      const blue = named(plan, `${service}-blue`);
      expect(secretOf(blue, "database-url")?.keyVaultUrl).toMatch(
        versioned(`database-url-${target}`),
      );
      expect(envOf(blue).AITB_DATABASE).toBe(`${target}/aitb`);
      expect(envOf(named(plan, `${service}-green`)).AITB_DATABASE).toBe("aitb-prod-pg/aitb");
    }
    expect(named(plan, `secret-database-url-${target}`).secretPaths).toContain("properties.value");
  });

  it("starts the restore only after the forensic copy of the live database succeeded", () => {
    const run = named(plan, "forensic-copy-run");
    const job = named(plan, "forensic-copy");
    expect(named(plan, target).dependsOn).toContain(run.urn);
    expect(run.dependsOn).toContain(job.urn);
    expect(run.inputs).toMatchObject({
      kind: "AzureCLI",
      azCliVersion: "2.67.0",
      forceUpdateTag: `${target}/INC-7781`,
    });
    expect(run.inputs.scriptContent).toContain(`/start?api-version=${JOBS_API}`);
    const template = job.inputs.template as {
      initContainers: { image: string; command: string[]; env: { secretRef?: string }[] }[];
      containers: { command: string[]; env: { name: string; value?: string }[] }[];
    };
    expect(template.initContainers[0].command.join(" ")).toContain(
      'pg_dump -Fc --no-owner -d "$DATABASE_URL"',
    );
    expect(template.initContainers[0].env).toEqual([
      { name: "DATABASE_URL", secretRef: "database-url" },
    ]);
    const secrets = (job.inputs.configuration as { secrets: { keyVaultUrl: string }[] }).secrets;
    expect(secrets[0].keyVaultUrl).toMatch(versioned("database-url"));
    expect(template.containers[0].command.join(" ")).toContain("--container-name forensics --name");
    expect(template.containers[0].env).toContainEqual({
      name: "AITB_FORENSIC_PREFIX",
      value: `${target}/INC-7781`,
    });
    expect(job.inputs.tags).toMatchObject({ "aitb-role": "forensic-copy" });
  });

  it("restores a release to the instant it stopped being live", async () => {
    const fromRelease = await planOf("prod", {
      database: {
        ...database,
        restore: { ...restore, pointInTime: undefined, fromRelease: "2026.11.3" },
      },
    });
    expect(named(fromRelease, "aitb-restore-release-2026-11-3").inputs).toMatchObject({
      createMode: "PointInTimeRestore",
      pointInTimeUTC: "2026-11-24T22:15:00.000Z",
    });
  });
});

describe.each(["staging", "prod"])("aitb plan --stack %s --format json", (stack) => {
  const originalCwd = process.cwd();
  beforeAll(() => process.chdir(ROOT));
  afterAll(() => process.chdir(originalCwd));

  it("evaluates offline and lists the Container Apps of both colors, the proxy and the database", async () => {
    const run = await runCli([
      "plan",
      "--stack",
      stack,
      "--format",
      "json",
      "--now",
      NOW.toISOString(),
    ]);
    // 1 would be a policy denial, which judges the config, not whether the plan could be made.
    expect(run.code).not.toBe(2);
    const plan = JSON.parse(run.stdout) as {
      target: string;
      resources: { type: string; name: string }[];
    };
    expect(plan.target).toBe("azure");
    const names = (type: string) =>
      plan.resources.filter((r) => r.type === type).map((r) => r.name);
    expect(names(APP).sort()).toEqual(
      [...COLORS.flatMap((c) => SERVICE_NAMES.map((s) => `${s}-${c}`)), "proxy"].sort(),
    );
    expect(names(SERVER)).toEqual(["postgres"]);
    expect(names("azure-native:app:ManagedEnvironment")).toEqual(["environment"]);
  });
});

describe("service sizes on Azure", () => {
  it("runs a service at the cpu and memory its settings give, in a Container Apps size", async () => {
    const plan = await planOf("staging", { services: { webapp: { cpu: 1, memoryGi: 2 } } });
    expect(appInputs(named(plan, "webapp-blue")).template.containers[0]).toMatchObject({
      resources: { cpu: 1, memory: "2Gi" },
    });
  });
});

describe("azure config the schema cannot judge", () => {
  const database = stackSource("prod").values.database as Record<string, unknown>;
  const restore = { color: "blue", reason: "bad migration", incident: "INC-1" };

  it("refuses a second bot replica, which would trade twice", async () => {
    const error = await configFailureOf("prod", { services: { bot: { replicas: 2 } } });
    expect(error.issues[0]).toMatchObject({ key: "aitb:services.bot.replicas" });
    expect(error.issues[0].message).toMatch(/2 is not valid.*set 1/);
  });

  it("refuses a size Container Apps cannot run", async () => {
    const error = await configFailureOf("staging", {
      services: { webapp: { cpu: 0.5, memoryGi: 3 } },
    });
    expect(error.issues[0].key).toBe("aitb:services.webapp");
    expect(error.issues[0].message).toContain("memoryGi = 2 x cpu (1)");
  });

  it("refuses a release restore to a release that was never deactivated", async () => {
    const error = await configFailureOf("prod", {
      database: { ...database, restore: { ...restore, fromRelease: "2026.11.4" } },
    });
    expect(error.issues[0].key).toBe("aitb:database.restore.fromRelease");
    expect(error.issues[0].message).toContain("never deactivated");
  });

  it("refuses a restore onto the live server's name", async () => {
    const error = await configFailureOf("prod", {
      database: {
        ...database,
        restore: { ...restore, pointInTime: "2026-11-25T14:00:00Z", target: "aitb-prod-pg" },
      },
    });
    expect(error.issues.map((i) => i.key)).toContain("aitb:database.restore.target");
  });

  it("refuses the reference build, which only the dev target can run", async () => {
    const releases = structuredClone(stackSource("prod").values.releases) as Record<
      string,
      { services: Record<string, unknown> }
    >;
    releases["2026.11.4"].services.notifier = { build: "reference" };
    const error = await configFailureOf("prod", { releases });
    expect(error.issues[0].key).toBe("aitb:releases.2026.11.4.services.notifier");
  });

  it("refuses an unknown aitb:azure key, naming it", async () => {
    const error = await configFailureOf("prod", {
      azure: { location: "eastus", resourceGroupName: "rg-aitb-prod", frontDoor: true },
    });
    expect(error.issues[0].key).toBe("aitb:azure.frontDoor");
  });
});

describe("pre-switch backups on Azure", () => {
  it("takes no on-demand backup on staging's Burstable tier, which Azure refuses, and says how to restore", async () => {
    const plan = await planOf("staging");
    expect(plan.resources.filter((r) => r.type === ON_DEMAND_BACKUP)).toEqual([]);
    const locations = plan.outputs.backupLocations as Record<string, string>;
    expect(locations.databaseSnapshots).toMatch(
      /automatic backups \(point-in-time restore to any second within 7 days; the Burstable tier takes no on-demand backups\)/,
    );
    // Every app of both colors and the proxy are declared: nothing stops before them.
    expect(apps(plan)).toHaveLength(11);
  });

  it("declares one on-demand backup per change on prod, never retained, however many changes follow", async () => {
    const names = new Set<string>();
    for (let change = 1; change <= 9; change += 1) {
      const plan = await planOf("prod", {
        change: {
          class: "emergency",
          reason: `Switch ${change}`,
          incident: `INC-${change}`,
          requestedBy: "on-call",
          at: `2026-11-25T1${change}:00:00Z`,
        },
        ...(change % 2 ? flipped(stackSource("prod")) : {}),
      });
      const backups = plan.resources.filter((r) => r.type === ON_DEMAND_BACKUP);
      expect(backups).toHaveLength(1);
      expect(backups[0].retainOnDelete).toBe(false);
      names.add(backups[0].inputs.backupName as string);
    }
    // Each change replaces the last backup (a new name), and Pulumi deletes the replaced one: at
    // most two exist at once, under Azure's limit of 7 per server.
    expect(names.size).toBe(9);
  });
});

describe("the forensic job before any restore", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf("prod");
  });

  it("exists with its start permission from the first deploy, long before a restore uses it", () => {
    const job = named(plan, "forensic-copy");
    expect(job.type).toBe("azure-native:app:Job");
    const grant = named(plan, "forensic-run-starts-forensic-copy");
    expect(grant.type).toBe(ROLE_ASSIGNMENT);
    expect(grant.inputs.scope).toBe("forensic-copy-id");
    expect(grant.inputs.roleDefinitionId).toMatch(/\/b9a307c4-5aa3-4b52-ba60-2b17c136cd7b$/);
    expect(plan.resources.map((r) => r.name)).not.toContain("forensic-copy-run");
    const template = job.inputs.template as {
      containers: { env: { name: string; value?: string }[] }[];
    };
    expect(template.containers[0].env).toContainEqual({
      name: "AITB_FORENSIC_PREFIX",
      value: "manual",
    });
  });

  it("bounds the run: a start refused while the grant spreads is retried for a while, the wait for the copy ends", async () => {
    const database = stackSource("prod").values.database as Record<string, unknown>;
    const restored = await planOf("prod", {
      database: {
        ...database,
        restore: {
          pointInTime: "2026-11-25T14:00:00Z",
          color: "blue",
          reason: "r",
          incident: "INC-1",
        },
      },
    });
    const run = named(restored, "forensic-copy-run");
    expect(run.dependsOn).toContain(named(restored, "forensic-run-starts-forensic-copy").urn);
    const env = Object.fromEntries(
      (run.inputs.environmentVariables as { name: string; value: string }[]).map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(Number(env.AITB_AUTH_WAIT_SECONDS)).toBeGreaterThan(10 * 60);
    expect(Number(env.AITB_TIMEOUT_SECONDS)).toBeLessThan(4 * 3600);
  });
});

describe("release files on Azure", () => {
  type Releases = Record<string, { services: Record<string, { files?: Record<string, string> }> }>;
  const withRisk = (content: string) => {
    const releases = structuredClone(stackSource("prod").values.releases) as Releases;
    releases["2026.11.3"].services.bot.files = { "/etc/aitb/risk.yaml": content };
    return { releases };
  };

  it("reaches the app as a new revision when only a file's content changes", async () => {
    const before = await planOf("prod", withRisk("max_position_usd: 250000\n"));
    const after = await planOf("prod", withRisk("max_position_usd: 100000\n"));
    const blue = (plan: Plan) => appInputs(named(plan, "bot-blue"));
    const secretName = fileSecretName("/etc/aitb/risk.yaml");
    // The app-level secret keeps its name (never removed under a running revision) ...
    for (const plan of [before, after]) {
      expect(blue(plan).configuration.secrets.map((s) => s.name)).toContain(secretName);
    }
    // ... and the template, whose every change is a new revision, names the content.
    const item = (plan: Plan) => blue(plan).template.volumes?.[0].secrets[0];
    expect(item(before)).toEqual({
      secretRef: secretName,
      path: fileItemName("/etc/aitb/risk.yaml", "max_position_usd: 250000\n"),
    });
    expect(item(after)?.path).not.toBe(item(before)?.path);
    expect(blue(after).template.containers[0].volumeMounts).toEqual([
      { volumeName: "release-files", mountPath: "/etc/aitb/risk.yaml", subPath: item(after)?.path },
      // The switch record's volume, kept by the bot's sidecar.
      { volumeName: "switch-record", mountPath: "/run/aitb/switch" },
    ]);
    const changedApps = changedUrns(before, after)
      .map((urn) => after.resources.find((r) => r.urn === urn))
      .filter((r) => r?.type === APP)
      .map((r) => r?.name);
    expect(changedApps).toEqual(["bot-blue"]);
  });
});

describe("the database URL", () => {
  const password = "p@ss:w/rd?#%x";

  it("percent-encodes the user and password, so any character survives", () => {
    const url = postgresUrl({
      user: "aitb",
      password,
      host: "aitb-prod-pg.postgres.database.azure.com",
      port: 5432,
      database: "aitb",
    });
    const parsed = new URL(url);
    expect(decodeURIComponent(parsed.password)).toBe(password);
    expect(decodeURIComponent(parsed.username)).toBe("aitb");
    expect(parsed.hostname).toBe("aitb-prod-pg.postgres.database.azure.com");
    expect(parsed.port).toBe("5432");
    expect(parsed.pathname).toBe("/aitb");
    expect(parsed.searchParams.get("sslmode")).toBe("require");
    expect(parsed.hash).toBe("");
  });

  it("is read by libpq as the host and port it names (psql tries to connect there)", () => {
    const url = postgresUrl({
      user: "aitb",
      password,
      host: "127.0.0.1",
      port: 9,
      database: "aitb",
    });
    const result = spawnSync("psql", ["-X", "-d", url, "-c", "select 1"], {
      encoding: "utf8",
      env: { ...process.env, PGCONNECT_TIMEOUT: "2" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('connection to server at "127.0.0.1", port 9 failed');
    // The same URL built without encoding points libpq somewhere else.
    const raw = `postgres://aitb:${password}@127.0.0.1:9/aitb?sslmode=require`;
    const wrong = spawnSync("psql", ["-X", "-d", raw, "-c", "select 1"], {
      encoding: "utf8",
      env: { ...process.env, PGCONNECT_TIMEOUT: "2" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect(wrong.stderr).not.toContain('connection to server at "127.0.0.1", port 9 failed');
  });
});

describe("availability on Azure", () => {
  it("makes prod's environment zone-redundant and its database highly available across zones", async () => {
    const plan = await planOf("prod");
    expect(named(plan, "environment").inputs.zoneRedundant).toBe(true);
    expect(named(plan, "postgres").inputs.highAvailability).toMatchObject({
      mode: "ZoneRedundant",
    });
  });

  it("keeps staging (Burstable) single-zone, without a standby", async () => {
    const plan = await planOf("staging");
    expect(named(plan, "environment").inputs.zoneRedundant).toBe(false);
    expect(named(plan, "postgres").inputs.highAvailability).toMatchObject({ mode: "Disabled" });
  });

  it("refuses high availability on the Burstable tier, naming the key", async () => {
    const database = stackSource("staging").values.database as Record<string, unknown>;
    const error = await configFailureOf("staging", {
      database: { ...database, highAvailability: "SameZone" },
    });
    expect(error.issues).toEqual([
      {
        key: "aitb:database.highAvailability",
        message: expect.stringContaining('"SameZone" is not available on the Burstable tier'),
      },
    ]);
  });

  it("refuses a zone-redundant environment on a subnet smaller than /23", async () => {
    const azure = stackSource("prod").values.azure as Record<string, unknown>;
    const error = await configFailureOf("prod", {
      azure: {
        ...azure,
        network: {
          addressSpace: "10.40.0.0/16",
          appsSubnet: "10.40.0.0/24",
          databaseSubnet: "10.40.2.0/24",
        },
      },
    });
    expect(error.issues.map((i) => i.key)).toEqual(["aitb:azure.network.appsSubnet"]);
    expect(error.issues[0].message).toContain("/23 or larger");
  });
});

describe("images the platform runs on Azure", () => {
  it("refuses a proxy, pg_dump or Azure CLI image without a digest, naming the key and the fix", async () => {
    const source = stackSource("prod").values;
    const error = await configFailureOf("prod", {
      proxy: { ...(source.proxy as object), image: "nginx:1.27.2" },
      database: { ...(source.database as object), image: "postgres:15.8" },
      azure: { ...(source.azure as object), cliImage: undefined },
    });
    const byKey = Object.fromEntries(error.issues.map((i) => [i.key, i.message]));
    expect(byKey["aitb:proxy.image"]).toContain('"nginx:1.27.2" is not pinned by digest');
    expect(byKey["aitb:proxy.image"]).toContain(
      "az acr import --name <registry> --source docker.io/library/nginx:1.27.2 --image nginx:1.27.2",
    );
    expect(byKey["aitb:database.image"]).toContain('"postgres:15.8" is not pinned by digest');
    expect(byKey["aitb:azure.cliImage"]).toMatch(
      /^is missing; the azure target needs it pinned by digest/,
    );
  });

  it("runs the pinned images it was given", async () => {
    const plan = await planOf("prod");
    const source = stackSource("prod").values as {
      proxy: { image: string };
      database: { image: string };
      azure: { cliImage: string };
    };
    expect(appInputs(named(plan, "proxy")).template.containers[0].image).toBe(source.proxy.image);
    const job = named(plan, "forensic-copy").inputs.template as {
      initContainers: { image: string }[];
      containers: { image: string }[];
    };
    expect(job.initContainers[0].image).toBe(source.database.image);
    expect(job.containers[0].image).toBe(source.azure.cliImage);
  });
});

describe("Azure API versions in use", () => {
  const apiVersionOf = (module: string, resource: string) => {
    const file = path.join(ROOT, "node_modules/@pulumi/azure-native", module, `${resource}.d.ts`);
    return /Uses Azure REST API version ([0-9a-z-]+)\./.exec(fs.readFileSync(file, "utf8"))?.[1];
  };

  it("are GA for the database, the vaults, identities, storage, network and role assignments", () => {
    const modules: [string, string][] = [
      ["dbforpostgresql", "server"],
      ["dbforpostgresql", "database"],
      ["dbforpostgresql", "backupsAutomaticAndOnDemand"],
      ["keyvault", "vault"],
      ["keyvault", "secret"],
      ["managedidentity", "userAssignedIdentity"],
      ["authorization", "roleAssignment"],
      ["storage", "storageAccount"],
      ["network", "virtualNetwork"],
      ["resources", "azureCliScript"],
    ];
    for (const [module, resource] of modules) {
      const version = apiVersionOf(module, resource);
      expect({ resource, version }).toEqual({
        resource,
        version: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    }
    expect(JOBS_API).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("are, for Container Apps, the one preview docs/azure.md names as the exception", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs/azure.md"), "utf8");
    for (const resource of ["containerApp", "managedEnvironment", "job"]) {
      const version = apiVersionOf("app", resource);
      expect(version).toMatch(/-preview$/);
      expect(doc).toContain(`\`${version}\``);
    }
  });
});
