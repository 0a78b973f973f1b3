/**
 * The pack folder as `pulumi preview --policy-pack policies` loads it, and what a policy sees of
 * secrets and options there. Slow (Pulumi's runner type-checks the TypeScript pack first).
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { engineSecret, RunningPack, type EngineResource } from "./engine";
import committedRules from "../../policies/config.json";
import { fileSettings, type PolicyPackConfigFile } from "../../policies/rules";

const DB_PASSWORD = "s3cret-db-password";
const POLICIES = [
  "db-restore-guard",
  "fresh-change-record",
  "immutable-releases",
  "market-hours-change-window",
  "pinned-versions",
  "protect-data",
  "secrets-stay-secret",
  "single-live-bot",
  "stack-environment",
  "warm-standby",
];

let pack: RunningPack;

beforeAll(async () => {
  // The stack config says dev: the environment is still the map's for the stack in the URN (prod).
  pack = await RunningPack.start({ "aitb:environment": "dev", "aitb:dbPassword": DB_PASSWORD });
}, 120_000);

afterAll(() => pack?.stop());

function container(envs: unknown[], protect = false): EngineResource {
  return {
    type: "docker:index/container:Container",
    name: "postgres",
    props: {
      image: `postgres:15.8@sha256:${"b".repeat(64)}`,
      envs,
      labels: [{ label: "aitb-role", value: "database" }],
    },
    protect,
  };
}

describe("the policy pack under Pulumi's policy runner", () => {
  test("validations get secrets decrypted and unmarked (@pulumi/policy 1.21 deserialize)", () => {
    // The module the pack's server uses to read the engine's request; `false` is what
    // validateResource and validateStack get (only remediations keep secrets wrapped).
    const { deserializeProperties } = jest.requireActual<{
      deserializeProperties(props: Struct, proxySecrets: boolean): Record<string, unknown>;
    }>("@pulumi/policy/deserialize");
    const props = Struct.fromJavaScript({ password: engineSecret(DB_PASSWORD) as never });
    expect(deserializeProperties(props, false)).toEqual({ password: DB_PASSWORD });
  });

  test("loads from the pack folder and serves every policy", async () => {
    expect(await pack.policyNames()).toEqual(POLICIES);
  });

  test("a secret the engine marks reaches the policy decrypted, and passes as built from a secret key", async () => {
    const diagnostics = await pack.analyze(
      container(["POSTGRES_USER=aitb", engineSecret(`POSTGRES_PASSWORD=${DB_PASSWORD}`)], true),
    );
    expect(diagnostics).toEqual([]);
  });

  test("a plain password is denied, by policy and level (the engine adds the resource)", async () => {
    const diagnostics = await pack.analyze(container(["POSTGRES_PASSWORD=typed-in-yaml"], true));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        policy: "secrets-stay-secret",
        level: "mandatory",
        message: expect.stringContaining("envs.0: POSTGRES_PASSWORD is a plain value"),
      }),
    ]);
  });

  test("options arrive without retainOnDelete: protect-data judges protect", async () => {
    // The database's volume holds the data (a Docker container around it stays replaceable).
    const unprotected = await pack.analyze({
      type: "docker:index/volume:Volume",
      name: "postgres-data",
      props: { name: "aitb-pgdata", labels: [{ label: "aitb-role", value: "database-volume" }] },
      protect: false,
    });
    expect(unprotected.map((d) => d.policy)).toEqual(["protect-data"]);
    expect(unprotected[0].message).toContain("is not protected");
  });

  test("hands the engine the committed rules (policies/config.json) as its initial config", async () => {
    const rules = committedRules as PolicyPackConfigFile;
    const expected = Object.fromEntries(
      Object.keys(rules).map((name) => [
        name,
        { enforcementLevel: "mandatory", properties: fileSettings(rules, name) },
      ]),
    );
    expect(await pack.initialConfig()).toEqual(expected);
  });

  test("prod images without a digest are denied: the stack in the URN is prod by the pack's map, whatever aitb:environment says", async () => {
    const diagnostics = await pack.analyze({
      ...container([], true),
      props: { image: "postgres:15.8", labels: [{ label: "aitb-role", value: "database" }] },
    });
    expect(diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining("prod requires a digest"),
    ]);
  });

  test("stack policies run on the whole stack: a missing change record is denied", async () => {
    const diagnostics = await pack.analyzeStack([container([], true)]);
    expect(diagnostics.map((d) => `${d.policy}: ${d.level}`)).toEqual([
      "market-hours-change-window: mandatory",
    ]);
  });
});
