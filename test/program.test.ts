import { SERVICE_NAMES } from "../domain/services";
import { COLORS } from "../domain/colors";
import { planOf, STACKS, stackSource } from "./support/stacks";
import type { PlannedResource } from "../cli/engine/evaluate";
import type { Plan } from "../cli/engine/plan";

/** The image a color's service runs, whatever the target calls the field. */
function imageOf(resource: PlannedResource): string | undefined {
  const inputs = resource.inputs as Record<string, unknown>;
  if (typeof inputs.image === "string") return inputs.image;
  const template = inputs.template as { containers?: { image?: string }[] } | undefined;
  return template?.containers?.[0]?.image;
}

function labelsOf(resource: PlannedResource): Record<string, string> {
  const inputs = resource.inputs as {
    labels?: { label: string; value: string }[] | Record<string, string>;
    tags?: Record<string, string>;
  };
  if (Array.isArray(inputs.labels))
    return Object.fromEntries(inputs.labels.map((l) => [l.label, l.value]));
  // The loopback target's dynamic resources carry their labels as a map.
  if (inputs.labels) return inputs.labels;
  return inputs.tags ?? {};
}

/** A bot's environment on any target: Docker `envs`, a Container App's first container, loopback `env`. */
function botEnv(resource: PlannedResource): Record<string, string> {
  const inputs = resource.inputs as {
    envs?: string[];
    env?: Record<string, string>;
    template?: { containers?: { env?: { name: string; value?: string }[] }[] };
  };
  if (inputs.envs) {
    return Object.fromEntries(
      inputs.envs.map((entry) => [
        entry.slice(0, entry.indexOf("=")),
        entry.slice(entry.indexOf("=") + 1),
      ]),
    );
  }
  if (inputs.env) return inputs.env;
  return Object.fromEntries(
    (inputs.template?.containers?.[0]?.env ?? []).map((e) => [e.name, e.value ?? ""]),
  );
}

describe.each([...STACKS, "loopback"])("the %s stack", (stack) => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf(stack);
  });

  it("registers every service of both colors at the image its release pins", () => {
    const source = stackSource(stack);
    const releases = source.values.releases as Record<
      string,
      { services: Record<string, { image?: string; digest?: string }> }
    >;
    for (const color of COLORS) {
      const pin = plan.releases[color];
      for (const service of SERVICE_NAMES) {
        const resource = plan.resources.find((r) => {
          const labels = labelsOf(r);
          return r.custom && labels["aitb-color"] === color && labels["aitb-service"] === service;
        });
        expect(resource).toBeDefined();
        const labels = labelsOf(resource as PlannedResource);
        expect(labels["aitb-release"]).toBe(pin);
        const pinned = releases[pin].services[service];
        if (plan.target === "loopback") {
          // No images on loopback: the compiled reference service runs as the pinned release.
          const inputs = (resource as PlannedResource).inputs as {
            program: string;
            env: Record<string, string>;
          };
          expect(pinned.image).toBeUndefined();
          expect(inputs.program).toMatch(/\/dist\/reference-service\/server\.js$/);
          expect(inputs.env).toMatchObject({ AITB_RELEASE: pin, AITB_COLOR: color });
          continue;
        }
        const image = imageOf(resource as PlannedResource);
        if (pinned.image) {
          expect(image).toBe(pinned.digest ? `${pinned.image}@${pinned.digest}` : pinned.image);
        } else {
          // The reference build of the release, run by its image id (see test/docker-platform.test.ts).
          const built = plan.resources.filter(
            (r) =>
              r.type === "docker:index/image:Image" &&
              r.inputs.imageName === `aitb-reference:${pin}`,
          );
          expect(built).toHaveLength(1);
          expect(image).toMatch(/^sha256:[0-9a-f]{64}$/);
        }
      }
    }
  });

  it("exports the active and standby color, each color's release and the public endpoint", () => {
    expect(plan.outputs.activeColor).toBe(plan.activeColor);
    expect(plan.outputs.standbyColor).toBe(plan.standbyColor);
    expect(plan.outputs.releases).toEqual(plan.releases);
    expect(String(plan.outputs.publicEndpoint)).toMatch(/^https?:\/\//);
    expect(Object.keys(plan.outputs.backupLocations as object).length).toBeGreaterThan(0);
  });

  it("gives no bot a trading mode: both trade live only by the switch record and the lease", () => {
    const bots = plan.resources.filter((r) => r.custom && labelsOf(r)["aitb-service"] === "bot");
    expect(bots).toHaveLength(2);
    for (const bot of bots) {
      const env = botEnv(bot);
      expect(env.AITB_TRADING_MODE).toBeUndefined();
      expect(labelsOf(bot)["aitb-trading-mode"]).toBeUndefined();
      expect(env.AITB_TRADING_LEASE).toBe("postgres");
      expect(env.AITB_SWITCH_RECORD).toMatch(/^\//);
      expect(["paper", "suspended"]).toContain(env.AITB_STANDBY_TRADING_MODE);
    }
    const record = plan.resources.find((r) => r.name === "switch-record") as PlannedResource;
    const inputs = record.inputs as {
      environment?: Record<string, string>;
      metadata?: Record<string, string>;
    };
    const text = inputs.environment?.AITB_SWITCH_RECORD ?? inputs.metadata?.record ?? "";
    expect(JSON.parse(text)).toMatchObject({ activeColor: plan.activeColor });
  });

  it("orders neither bot after the other: the lease, not the update, keeps one live", () => {
    const bots = plan.resources.filter((r) => r.custom && labelsOf(r)["aitb-service"] === "bot");
    const [a, b] = bots;
    expect(a.dependsOn).not.toContain(b.urn);
    expect(b.dependsOn).not.toContain(a.urn);
  });

  it("never shows a secret in any input", () => {
    const text = JSON.stringify(plan.resources.map((r) => r.inputs));
    expect(text).not.toContain("placeholder-dbPassword");
    expect(text).not.toContain("placeholder-exchangeApiKey");
    expect(text).toContain("[secret]");
  });
});

describe("the dev stack on Docker", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await planOf("dev");
  });

  const named = (name: string) => plan.resources.find((r) => r.name === name) as PlannedResource;

  it("starts a color's services in the runbook's order, each after the one before", () => {
    for (const color of COLORS) {
      SERVICE_NAMES.slice(1).forEach((service, index) => {
        const before = named(`${SERVICE_NAMES[index]}-${color}`);
        expect(named(`${service}-${color}`).dependsOn).toContain(before.urn);
      });
    }
  });

  it("protects and retains the PostgreSQL volume; the container around it stays replaceable", () => {
    expect(named("postgres-data").protect).toBe(true);
    expect(named("postgres-data").retainOnDelete).toBe(true);
    expect(named("postgres").protect).toBe(false);
    expect(named("postgres").deleteBeforeReplace).toBe(true);
  });

  it("routes by the switch record to both colors, and reloads nginx drained when the site changes", () => {
    const site = named("proxy-site").inputs as { stdin: string; create: string };
    for (const color of COLORS) expect(site.stdin).toContain(`server webapp-${color}:5000`);
    expect(site.stdin).toContain("if (-f /run/aitb/switch/current/green)");
    expect(site.stdin).toMatch(/location \/dashboard\/ \{/);
    expect(site.stdin).toMatch(/location \/api\/ \{/);
    expect(site.create).toContain("nginx -t -q");
    expect(site.create).toContain("aitb.drain");
    expect(site.create).toContain("nginx -s reload");
    // The proxy and both bots mount the record's folder, read-only.
    for (const name of ["proxy", "bot-blue", "bot-green"]) {
      expect(
        (named(name).inputs as { volumes: { containerPath: string; readOnly?: boolean }[] })
          .volumes,
      ).toContainEqual(
        expect.objectContaining({ containerPath: "/run/aitb/switch", readOnly: true }),
      );
    }
  });

  it("runs the health gate after the router", () => {
    const gate = named("aitb-health-checks");
    expect(gate.dependsOn).toEqual(
      expect.arrayContaining([named("proxy-site").urn, named("proxy").urn]),
    );
    const checks = JSON.parse(
      (gate.inputs as { environment: Record<string, string> }).environment.AITB_HEALTH_CHECKS,
    ) as {
      name: string;
      heartbeatMaxAgeSeconds?: number;
    }[];
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["bot-blue", "bot-green", "public /"]),
    );
    expect(checks.find((c) => c.name === `bot-${plan.activeColor}`)?.heartbeatMaxAgeSeconds).toBe(
      120,
    );
  });

  it("takes the pre-switch snapshot before the services and the router change", () => {
    const snapshot = named("pre-switch-snapshot");
    expect(named(`inference-${plan.activeColor}`).dependsOn).toContain(snapshot.urn);
    // The switch itself waits for the snapshot; the proxy's site does not.
    expect(named("switch-record").dependsOn).toContain(snapshot.urn);
    expect(named("proxy-site").dependsOn).not.toContain(snapshot.urn);
  });

  it("keeps backups in a folder per release", () => {
    const locations = plan.outputs.backupLocations as Record<string, string>;
    for (const color of COLORS) {
      expect(locations[`config-${plan.releases[color]}`]).toContain(
        `/${plan.releases[color]}/config.json`,
      );
    }
  });
});
