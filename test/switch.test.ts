import fc from "fast-check";
import { planOf, changedUrns, stackSource, flipped } from "./support/stacks";
import type { Plan } from "../cli/engine/plan";
import { decodeSwitchRecord, type SwitchRecord } from "../domain/switchRecord";

/** Which resources a switch may touch: the switch record, the snapshot, the gate, the change record. */
function roleOf(plan: Plan, urn: string): string {
  const resource = plan.resources.find((r) => r.urn === urn);
  if (!resource) return "missing";
  const inputs = resource.inputs as {
    labels?: { label: string; value: string }[] | Record<string, string>;
    tags?: Record<string, string>;
    environment?: Record<string, string>;
    metadata?: Record<string, string>;
  };
  // Docker labels are a list, the loopback target's a map, Azure has tags (a blob, metadata).
  const labels = Array.isArray(inputs.labels)
    ? Object.fromEntries(inputs.labels.map((l) => [l.label, l.value]))
    : (inputs.labels ?? inputs.tags ?? {});
  if (labels["aitb-service"] === "bot") return "bot";
  // Azure's on-demand backup carries no tags of its own: it is the pre-switch snapshot.
  if (/^pre-switch-(snapshot|backup)/.test(resource.name)) return "backup";
  return (
    labels["aitb-role"] ??
    inputs.environment?.AITB_ROLE ??
    inputs.metadata?.aitb_role ??
    resource.name
  );
}

/** The switch record as the plan writes it: a command's environment or a blob's metadata. */
function recordOf(plan: Plan): SwitchRecord {
  const resource = plan.resources.find((r) => r.name === "switch-record");
  if (!resource) throw new Error("the plan has no switch-record resource");
  const inputs = resource.inputs as {
    environment?: Record<string, string>;
    metadata?: Record<string, string>;
  };
  return decodeSwitchRecord(
    inputs.environment?.AITB_SWITCH_RECORD ?? inputs.metadata?.record ?? "",
  );
}

function graph(plan: Plan): unknown {
  return plan.resources.map(
    ({ urn, type, parent, protect, retainOnDelete, deleteBeforeReplace, dependsOn, inputs }) => ({
      urn,
      type,
      parent,
      protect,
      retainOnDelete,
      deleteBeforeReplace,
      dependsOn,
      inputs,
    }),
  );
}

/** Everything a switch must leave alone: every container, app, service process and the proxy. */
const RUNNING =
  /^(docker:index\/container:Container|azure-native:app:ContainerApp|pulumi-nodejs:dynamic\/loopback:(Service|Proxy|PostgresServer))$/;

describe.each(["dev", "loopback", "staging", "prod"])(
  "switching the active color on the %s stack",
  (stack) => {
    let before: Plan;
    let after: Plan;
    beforeAll(async () => {
      before = await planOf(stack);
      after = await planOf(stack, flipped(stackSource(stack)));
    }, 120_000);

    it("changes only the switch record, the pre-switch snapshot, the health gate and the change record", () => {
      const changed = changedUrns(before, after);
      const roles = [...new Set(changed.map((urn) => roleOf(after, urn)))].sort();
      expect(roles).toEqual(
        stack === "dev" || stack === "loopback"
          ? ["backup", "change-record", "health-gate", "switch-record"]
          : expect.arrayContaining(["change-record", "health-gate", "switch-record"]),
      );
      expect(
        roles.filter(
          (role) => !["backup", "change-record", "health-gate", "switch-record"].includes(role),
        ),
      ).toEqual([]);
      expect(changed.filter((urn) => roleOf(after, urn) === "switch-record")).toHaveLength(1);
      expect(before.resources.map((r) => r.urn).sort()).toEqual(
        after.resources.map((r) => r.urn).sort(),
      );
    });

    it("changes no container, Container App or service process, and replaces nothing it runs", () => {
      const running = after.resources.filter((r) => RUNNING.test(r.type)).map((r) => r.urn);
      expect(running.length).toBeGreaterThan(0);
      const changed = new Set(changedUrns(before, after));
      expect(running.filter((urn) => changed.has(urn))).toEqual([]);
    });

    it("moves the active color in the switch record, and nowhere else", () => {
      expect(recordOf(before).activeColor).toBe(before.activeColor);
      expect(recordOf(after).activeColor).toBe(after.activeColor);
      // The bots carry no trading mode: it is the record's and the lease's at run time.
      for (const bot of after.resources.filter((r) => roleOf(after, r.urn) === "bot")) {
        expect(JSON.stringify(bot.inputs)).not.toMatch(/AITB_TRADING_MODE|aitb-trading-mode/);
      }
    });
  },
);

describe("switching twice", () => {
  const source = stackSource("dev");
  const releases = Object.keys(source.values.releases as object);

  it("returns the exact original graph for any valid dev config", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("blue", "green"),
        fc.constantFrom(...releases),
        fc.constantFrom(...releases),
        fc.constantFrom("paper", "suspended"),
        fc.integer({ min: 1, max: 3 }),
        async (activeColor, blue, green, standbyTradingMode, replicas) => {
          const config = {
            activeColor,
            slots: { blue: { release: blue }, green: { release: green } },
            standbyTradingMode,
            services: { webapp: { replicas } },
          };
          const other = activeColor === "blue" ? "green" : "blue";
          const original = await planOf("dev", config);
          const once = await planOf("dev", { ...config, activeColor: other });
          const twice = await planOf("dev", { ...config, activeColor });
          expect(graph(once)).not.toEqual(graph(original));
          expect(graph(twice)).toEqual(graph(original));
        },
      ),
      { numRuns: 12 },
    );
  });
});
