/**
 * The loopback stack under the SDK's mocks: what the program declares for a machine with nginx
 * and PostgreSQL and no container engine, and that the providers the engine would run are the
 * small serialized shims over the compiled runtime.
 */
import { findSwitchRecord, tradingModeOf } from "../policies/switchRecord";
import * as path from "node:path";
import type { Plan } from "../cli/engine/plan";
import type { PlannedResource } from "../cli/engine/evaluate";
import { judgePlan } from "../cli/engine/policies";
import { declaredChecks } from "../cli/commands/verify/verification";
import { COLORS } from "../domain/colors";
import { SERVICE_NAMES } from "../domain/services";
import { findChangeRecord } from "../policies/changeRecord";
import { dataKind } from "../policies/protectData";
import { servicesOf } from "../policies/services";
import { restoresOf } from "../policies/restores";
import { configFailureOf, NOW, planOf, ROOT } from "./support/stacks";
import { labelsOf, named, requireBuild } from "./support/loopback";

const DYNAMIC =
  /^pulumi-nodejs:dynamic\/loopback:(Service|Proxy|PostgresCluster|PostgresServer|Step)$/;

let plan: Plan;
beforeAll(async () => {
  plan = await planOf("loopback");
});

/** A planned resource as a policy sees it (cli/engine/policies.ts hands `inputs` as `props`). */
const view = (resource: PlannedResource) => ({
  ...resource,
  props: resource.inputs,
  dependencies: [],
});

const custom = () =>
  plan.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference");

describe("the loopback stack", () => {
  it("declares only dynamic resources of this program: no container, cloud or command provider", () => {
    expect(plan.target).toBe("loopback");
    for (const resource of custom()) expect(resource.type).toMatch(DYNAMIC);
    for (const resource of custom()) expect(labelsOf(resource)["aitb-stack"]).toBe("loopback");
  });

  it("keeps everything under the state folder, by default ./.aitb/<stack>", () => {
    const state = path.join(ROOT, ".aitb", "loopback");
    expect(named(plan, "postgres-data").inputs.dataDir).toBe(path.join(state, "postgres", "data"));
    expect(named(plan, "postgres").inputs.socketDir).toBe(path.join(state, "postgres", "socket"));
    expect(named(plan, "proxy").inputs.prefix).toBe(path.join(state, "proxy"));
    expect(named(plan, "bot-blue").inputs.stateDir).toBe(state);
  });

  it("runs each service of both colors on 127.0.0.1 at a port of its own, told by PORT", () => {
    const ports = new Set<number>();
    COLORS.forEach((color, c) =>
      SERVICE_NAMES.forEach((service, s) => {
        const inputs = named(plan, `${service}-${color}`).inputs as {
          port: number;
          host: string;
          env: Record<string, string>;
          healthUrl: string;
        };
        expect(inputs.port).toBe(18100 + c * 10 + s);
        expect(inputs.host).toBe("127.0.0.1");
        expect(inputs.env).toMatchObject({ PORT: String(inputs.port), AITB_HOST: "127.0.0.1" });
        expect(inputs.healthUrl).toBe(`http://127.0.0.1:${inputs.port}/health`);
        ports.add(inputs.port);
      }),
    );
    expect(ports.size).toBe(10);
  });

  it("protects and retains the database cluster folder, and only that", () => {
    const cluster = named(plan, "postgres-data");
    expect(cluster).toMatchObject({ protect: true, retainOnDelete: true });
    expect(dataKind(view(cluster))).toBe("database volume");
    const server = named(plan, "postgres");
    expect(server.dependsOn).toContain(cluster.urn);
    // The server process holds no data: replaceable, and stopped by `pulumi destroy`.
    expect(server).toMatchObject({
      protect: false,
      retainOnDelete: false,
      deleteBeforeReplace: true,
    });
    expect(dataKind(view(server))).toBeUndefined();
  });

  it("serves both colors' routes by the switch record, with nginx bound to 127.0.0.1", () => {
    const proxy = named(plan, "proxy").inputs as {
      site: string;
      port: number;
      drain: { file: string; seconds: number };
    };
    expect(proxy.port).toBe(18080);
    expect(proxy.site).toContain("listen 127.0.0.1:18080;");
    // webapp (/), dashboard (/dashboard/), inference (/api/) of blue (181xx) and green (1811x).
    for (const port of [18102, 18103, 18100, 18112, 18113, 18110])
      expect(proxy.site).toContain(`server 127.0.0.1:${port} `);
    const switchDir = path.join(ROOT, ".aitb", "loopback", "switch");
    expect(proxy.site).toContain(`if (-f ${switchDir}/current/green)`);
    expect(proxy.drain).toEqual({
      file: path.join(ROOT, ".aitb", "loopback", "proxy", "aitb.drain"),
      seconds: 11,
    });
    const record = named(plan, "switch-record").inputs as { environment: Record<string, string> };
    expect(record.environment.AITB_SWITCH_DIR).toBe(switchDir);
    expect(JSON.parse(record.environment.AITB_SWITCH_RECORD)).toMatchObject({
      activeColor: "blue",
    });
    expect(plan.outputs.publicEndpoint).toBe("http://127.0.0.1:18080");
  });

  it("runs the health gate as a step after the proxy and both bots, with the checks verify runs", () => {
    const gate = named(plan, "aitb-health-checks");
    expect(gate.type).toBe("pulumi-nodejs:dynamic/loopback:Step");
    expect(gate.inputs.interpreter).toEqual(["node", "-e"]);
    for (const name of ["proxy", "bot-blue", "bot-green"]) {
      expect(gate.dependsOn).toContain(named(plan, name).urn);
    }
    const checks = declaredChecks(plan);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(["bot-blue", "bot-green", "public /", "public /api/"]),
    );
    expect(checks.find((c) => c.name === "public /")?.url).toBe("http://127.0.0.1:18080/health");
  });

  it("snapshots with the shared dump step over the Unix socket, the password only as a secret", () => {
    const snapshot = named(plan, "pre-switch-snapshot") as PlannedResource & {
      inputs: { create: string; environment: Record<string, string>; secretEnvironment: string };
    };
    expect(snapshot.inputs.create).toContain("pg_dump -Fc -U aitb -d aitb");
    expect(snapshot.inputs.create).toContain(path.join(ROOT, ".aitb", "loopback", "backups"));
    expect(snapshot.inputs.environment.PGHOST).toBe(
      path.join(ROOT, ".aitb", "loopback", "postgres", "socket"),
    );
    expect(snapshot.inputs.secretEnvironment).toBe("[secret]");
    expect(snapshot.secretPaths).toContain("secretEnvironment");
    for (const name of ["postgres-data", "postgres"]) {
      expect(named(plan, name).secretPaths).toContain("password");
    }
    for (const service of ["bot-blue", "webapp-green"]) {
      expect(named(plan, service).inputs.secretEnv).toBe("[secret]");
    }
  });

  it("is judged by the policy pack like the other targets: services, bots, change record, data", async () => {
    const services = servicesOf(plan.resources.map(view));
    expect(services).toHaveLength(10);
    const bots = services.filter((s) => s.service === "bot");
    const record = findSwitchRecord(plan.resources.map(view));
    const live = bots.filter((s) => tradingModeOf(s, record) === "live");
    expect(live.map((s) => s.color)).toEqual(["blue"]);
    const change = findChangeRecord(plan.resources.map(view));
    expect(change.found && change.record.desired.activeColor).toBe("blue");
    // Judged within a day of the stack file's change record (fresh-change-record).
    const recordAt = new Date(String((change.found && change.record.change.at) || NOW));
    const soon = new Date(recordAt.getTime() + 60 * 60 * 1000);
    expect(await judgePlan(plan, { now: soon })).toEqual({ violations: [], mandatory: 0 });
  });

  it("declares a restore as a forensic copy, then a restore into a new database the guard can read", async () => {
    const restoring = await planOf("loopback", {
      database: {
        restore: {
          fromRelease: "2026.11.3",
          color: "green",
          reason: "bad rows",
          incident: "INC-7",
        },
      },
    });
    const [restore] = restoresOf(restoring.resources.map(view));
    expect(restore).toMatchObject({
      live: "aitb",
      target: "aitb_restore_release_2026_11_3",
      color: "green",
      incident: "INC-7",
    });
    expect(restore.resource.dependsOn).toContain(named(restoring, "forensic-copy").urn);
    expect(named(restoring, "restore").retainOnDelete).toBe(true);
    expect((restoring.outputs.databases as { restored: string }).restored).toBe(
      "postgres@127.0.0.1:15432/aitb_restore_release_2026_11_3",
    );
  });
});

describe("the providers the engine runs", () => {
  beforeAll(requireBuild);

  it("are small shims that load the compiled runtime, and work once deserialized", async () => {
    // What the engine's dynamic-provider host does with the `__provider` input
    // (@pulumi/pulumi cmd/dynamic-provider: requireFromString(text).handler()).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireFromString = require("require-from-string") as (code: string) => {
      handler: () => Record<string, (...args: unknown[]) => Promise<unknown>>;
    };
    const texts = new Set(custom().map((r) => String(r.inputs.__provider)));
    expect(texts.size).toBe(5);
    for (const text of texts) {
      expect(text.length).toBeLessThan(4_000);
      expect(text).toContain(
        path.join(ROOT, "dist", "components", "platform", "loopback", "runtime"),
      );
    }
    const proxy = named(plan, "proxy");
    const provider = requireFromString(String(proxy.inputs.__provider)).handler();
    expect(Object.keys(provider).sort()).toEqual(["create", "delete", "diff", "read", "update"]);
    const olds = { ...proxy.inputs, pid: 1, running: true };
    await expect(provider.diff("id", olds, proxy.inputs)).resolves.toMatchObject({
      changes: false,
      replaces: [],
    });
    await expect(
      provider.diff("id", olds, { ...proxy.inputs, port: 18081 }),
    ).resolves.toMatchObject({ replaces: ["port"] });
  });
});

describe("loopback config errors", () => {
  it("refuses the loopback target outside dev", async () => {
    const error = await configFailureOf("loopback", { environment: "staging" });
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          key: "aitb:target",
          message: expect.stringMatching(/"loopback" .* is a dev target; staging runs on "azure"/),
        }),
      ]),
    );
  });

  it("refuses a release that pins images, naming the release and the service", async () => {
    const error = await configFailureOf("loopback", {
      slots: { blue: { release: "2026.11.2" }, green: { release: "2026.11.3" } },
      releases: {
        "2026.11.2": {
          services: {
            inference: { image: "ghcr.io/aitb/inference:2026.11.2" },
            bot: { build: "reference" },
            webapp: { build: "reference" },
            dashboard: { build: "reference" },
            notifier: { build: "reference" },
          },
        },
        "2026.11.3": {
          services: Object.fromEntries(SERVICE_NAMES.map((s) => [s, { build: "reference" }])),
        },
      },
    });
    expect(error.issues).toEqual([
      expect.objectContaining({
        key: 'aitb:releases["2026.11.2"].services.inference',
        message: expect.stringMatching(/runs no containers.*build: reference/),
      }),
    ]);
  });

  it("refuses a proxy port inside the services' range and an address off loopback", async () => {
    const ports = await configFailureOf("loopback", {
      loopback: { proxyPort: 18112, servicePortBase: 18100 },
    });
    expect(ports.issues.map((i) => i.key)).toEqual(["aitb:loopback.proxyPort"]);
    const host = await configFailureOf("loopback", { loopback: { host: "0.0.0.0" } });
    expect(host.issues).toEqual([
      expect.objectContaining({
        key: "aitb:loopback.host",
        message: expect.stringMatching(
          /"0\.0\.0\.0" is not valid; expected an IPv4 loopback address/,
        ),
      }),
    ]);
  });
});
