import {
  baseType,
  healthChecksOf,
  identify,
  isType,
  markersOf,
  AZURE_POSTGRES_SERVER,
  type ResourceView,
} from "../contract/resources";
import type { Plan } from "../cli/engine/plan";
import { blastRadius } from "../cli/engine/blastRadius";
import type { GraphDiff } from "../cli/engine/graphDiff";
import { PROTECT_DATA, protectData } from "../policies/protectData";
import { violationsOf, resource } from "./policies/fixtures";

const view = (type: string, name: string, props: Record<string, unknown>): ResourceView => ({
  type,
  name,
  urn: `urn:pulumi:prod::aitb::${type}::${name}`,
  props,
});

describe("one contract for what a resource means", () => {
  test("a versioned azure-native type is the same resource to every reader", () => {
    expect(baseType("azure-native:dbforpostgresql/v20240801:Server")).toBe(AZURE_POSTGRES_SERVER);
    expect(baseType("azure-native:app/v20250101preview:ContainerApp")).toBe(
      "azure-native:app:ContainerApp",
    );
    expect(baseType("docker:index/container:Container")).toBe("docker:index/container:Container");
    expect(
      isType({ type: "azure-native:dbforpostgresql/v20240801:Server" }, AZURE_POSTGRES_SERVER),
    ).toBe(true);
  });

  test("markers read alike from Docker labels, Azure tags, blob metadata, loopback labels and a command's env", () => {
    const role = (props: Record<string, unknown>, type = "t:m:R") =>
      markersOf(view(type, "x", props))["aitb-role"];
    expect(role({ labels: [{ label: "aitb-role", value: "database-volume" }] })).toBe(
      "database-volume",
    );
    expect(role({ tags: { "aitb-role": "database" } })).toBe("database");
    expect(role({ metadata: { aitb_role: "switch-record" } })).toBe("switch-record");
    expect(role({ labels: { "aitb-role": "service" } })).toBe("service");
    expect(role({ environment: { AITB_ROLE: "health-gate" } }, "command:local:Command")).toBe(
      "health-gate",
    );
    // An env of something that is not a command says nothing about its role.
    expect(role({ environment: { AITB_ROLE: "health-gate" } })).toBeUndefined();
  });

  test("identity falls back to the type and name where the program wrote no marker", () => {
    expect(identify(view("azure-native:dbforpostgresql/v20240801:Server", "db", {}))).toEqual({
      role: "database",
      service: undefined,
      color: undefined,
    });
    expect(identify(view("t:m:R", "bot-green", {}))).toEqual({
      role: "service",
      service: "bot",
      color: "green",
    });
  });

  test("the health gate's checks are read from the gate's command on any target", () => {
    const checks = JSON.stringify([{ name: "bot-blue", url: "http://x/health", expect: {} }]);
    const gate = { environment: { AITB_HEALTH_CHECKS: checks, AITB_ROLE: "health-gate" } };
    expect(healthChecksOf(view("command:local:Command", "gate", gate))).toBe(checks);
    expect(healthChecksOf(view("pulumi-nodejs:dynamic/loopback:Step", "gate", gate))).toBe(checks);
  });

  test("protect-data denies an unprotected database of a versioned type", async () => {
    const server = resource("azure-native:dbforpostgresql/v20240801:Server", "postgres", {
      serverName: "pg",
    });
    const violations = await violationsOf(protectData(), [server]);
    expect(violations.map((v) => [v.policy, v.message.split(";")[0]])).toEqual([
      [PROTECT_DATA, "postgres (database) is not protected"],
      [PROTECT_DATA, "postgres (database) is not retained on delete"],
    ]);
  });

  test("the blast radius files a versioned database under the database", () => {
    const server = resource("azure-native:dbforpostgresql/v20240801:Server", "postgres", {
      sku: { name: "Standard_D2ds_v5" },
    });
    const changed = { ...server, inputs: { sku: { name: "Standard_B1ms" } } };
    const plan = {
      activeColor: "blue",
      releases: { blue: "2026.11.4", green: "2026.11.3" },
    } as unknown as Plan;
    const diff: GraphDiff = {
      changes: [
        {
          urn: server.urn,
          type: server.type,
          name: server.name,
          op: "update",
          keys: ["sku"],
          values: [],
          before: server,
          after: changed,
        },
      ],
      summary: { create: 0, update: 1, replace: 0, delete: 0, same: 0 },
    };
    expect(blastRadius(plan, plan, diff).database).toEqual({
      changes: true,
      resources: ["postgres"],
    });
  });
});
