import type { PlannedResource } from "../cli/plan/evaluate";
import type { Plan } from "../cli/plan/plan";
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

interface AppInputs {
  tags: Record<string, string>;
  configuration: {
    ingress: { external: boolean; targetPort: number };
    secrets: { name: string; keyVaultUrl?: string; value?: unknown }[];
  };
  template: {
    containers: { image: string; env: { name: string; value?: string; secretRef?: string }[] }[];
    scale: { minReplicas: number; maxReplicas: number };
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
    expect(named(plan, "proxy").inputs.tags).toMatchObject({
      "aitb-role": "router",
      "aitb-color": plan.activeColor,
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
        expect(secret?.keyVaultUrl).toMatch(new RegExp(`/secrets/${name}$`));
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

  it("routes the proxy to the active color by app name, with Host set to that app", () => {
    const proxy = named(plan, "proxy");
    const site = envOf(proxy).AITB_NGINX_SITE as string;
    expect(site).toContain(`server webapp-${plan.activeColor}:80`);
    expect(site).not.toContain(`server webapp-${plan.standbyColor}:80`);
    expect(site).toMatch(
      new RegExp(`location / \\{\\n\\s+set \\$aitb_upstream_host webapp-${plan.activeColor};`),
    );
    expect(site).toContain("proxy_set_header Host $aitb_upstream_host;");
    expect(site).not.toContain("proxy_set_header Host $host;");
    expect(proxy.dependsOn).toEqual(
      expect.arrayContaining(
        apps(plan)
          .filter((r) => r.name !== "proxy")
          .map((r) => r.urn),
      ),
    );
  });

  it("health-checks every service of both colors through the proxy, and the public routes", () => {
    const gate = named(plan, "aitb-health-checks");
    const checks = JSON.parse(
      (gate.inputs.environment as Record<string, string>).AITB_HEALTH_CHECKS,
    ) as { name: string; url: string; expect: Record<string, string> }[];
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES) {
        const check = checks.find((c) => c.name === `${service}-${color}`);
        expect(check?.url).toMatch(new RegExp(`^https://.+/_aitb/health/${service}-${color}$`));
        expect(check?.expect).toMatchObject({ service, color, release: plan.releases[color] });
      }
    }
    expect(checks.find((c) => c.name === "public /dashboard/")?.url).toMatch(
      /\/dashboard\/health$/,
    );
    const site = envOf(named(plan, "proxy")).AITB_NGINX_SITE as string;
    for (const color of COLORS) {
      expect(site).toContain(`location = /_aitb/health/bot-${color} {`);
      expect(site).toContain(`proxy_pass http://bot-${color}:80/health;`);
    }
  });
});

describe("switching the active color on prod", () => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planOf("prod");
    after = await planOf("prod", flipped(stackSource("prod")));
  });

  it("changes the proxy and the two bots and no other app, no database, storage or vault", () => {
    const changed = changedUrns(before, after).map((urn) => named(after, urn.split("::").pop()!));
    expect(
      changed
        .filter((r) => r.type === APP)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["bot-blue", "bot-green", "proxy"]);
    expect(
      changed
        .filter((r) => r.type !== APP)
        .map((r) => r.type)
        .sort(),
    ).toEqual([
      // The pre-switch backup is taken again before every switch; the gate and the record rerun.
      "azure-native:dbforpostgresql:BackupsAutomaticAndOnDemand",
      "command:local:Command",
      "command:local:Command",
    ]);
    expect(before.resources.map((r) => r.urn).sort()).toEqual(
      after.resources.map((r) => r.urn).sort(),
    );
  });

  it("moves the live trading mode and the routes to the other color", () => {
    const mode = (plan: Plan, color: string) =>
      envOf(named(plan, `bot-${color}`)).AITB_TRADING_MODE;
    expect(mode(before, before.activeColor)).toBe("live");
    expect(mode(after, before.activeColor)).toBe("paper");
    expect(mode(after, after.activeColor)).toBe("live");
    const site = envOf(named(after, "proxy")).AITB_NGINX_SITE as string;
    expect(site).toContain(`server webapp-${after.activeColor}:80`);
    expect(site).not.toContain(`server webapp-${before.activeColor}:80`);
  });

  it("replaces a bot whose trading mode changes, the old one first", () => {
    const bot = named(after, `bot-${after.activeColor}`);
    expect(bot.deleteBeforeReplace).toBe(true);
    expect(bot.dependsOn).toContain(named(after, `bot-${after.standbyColor}`).urn);
    expect(named(after, `webapp-${after.activeColor}`).deleteBeforeReplace).toBe(false);
  });

  it("names a new pre-switch backup for the new routing", () => {
    const name = (plan: Plan) => named(plan, "pre-switch-backup").inputs.backupName as string;
    expect(name(before)).toMatch(/^pre-switch-green-2026-11-4-[0-9a-f]{8}$/);
    expect(name(after)).toMatch(/^pre-switch-blue-2026-11-3-[0-9a-f]{8}$/);
    expect(named(after, "pre-switch-backup").retainOnDelete).toBe(true);
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
        new RegExp(`/secrets/database-url-${target}$`),
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
    expect(run.inputs.scriptContent).toContain("/start?api-version=");
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
    expect(secrets[0].keyVaultUrl).toMatch(/\/secrets\/database-url$/);
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
