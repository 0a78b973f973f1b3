import fc from "fast-check";
import { planOf, changedUrns, stackSource, flipped } from "./support/stacks";
import type { Plan } from "../cli/plan/plan";

/** Which resources a switch may touch: the router, the bots, the gate and the change record. */
function roleOf(plan: Plan, urn: string): string {
  const resource = plan.resources.find((r) => r.urn === urn);
  if (!resource) return "missing";
  const inputs = resource.inputs as {
    labels?: { label: string; value: string }[] | Record<string, string>;
    tags?: Record<string, string>;
    environment?: Record<string, string>;
  };
  // Docker labels are a list, the loopback target's a map, Azure has tags.
  const labels = Array.isArray(inputs.labels)
    ? Object.fromEntries(inputs.labels.map((l) => [l.label, l.value]))
    : (inputs.labels ?? inputs.tags ?? {});
  if (labels["aitb-service"] === "bot") return "bot";
  return labels["aitb-role"] ?? inputs.environment?.AITB_ROLE ?? resource.name;
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

describe("switching the active color on the dev stack", () => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planOf("dev");
    after = await planOf("dev", flipped(stackSource("dev")));
  });

  it("changes only the router, the two bots, the health gate and the change record", () => {
    const changed = changedUrns(before, after);
    const roles = changed.map((urn) => roleOf(after, urn)).sort();
    // The pre-switch snapshot is retaken before every switch: it is a backup, not a change of service.
    expect(roles).toEqual(["backup", "bot", "bot", "change-record", "health-gate", "router"]);
    const snapshot = changed.find((urn) => urn.endsWith("::pre-switch-snapshot"));
    expect(snapshot).toBeDefined();
    expect(before.resources.map((r) => r.urn).sort()).toEqual(
      after.resources.map((r) => r.urn).sort(),
    );
  });

  it("moves the live trading mode to the new active color's bot", () => {
    const mode = (plan: Plan, color: string) =>
      (
        plan.resources.find((r) => r.name === `bot-${color}`)?.inputs as { envs: string[] }
      ).envs.find((e) => e.startsWith("AITB_TRADING_MODE="));
    expect(mode(before, before.activeColor)).toBe("AITB_TRADING_MODE=live");
    expect(mode(after, before.activeColor)).toBe("AITB_TRADING_MODE=paper");
    expect(mode(after, after.activeColor)).toBe("AITB_TRADING_MODE=live");
  });
});

describe("switching the active color on the loopback stack", () => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planOf("loopback");
    after = await planOf("loopback", flipped(stackSource("loopback")));
  });

  it("changes only the router, the two bots, the snapshot, the health gate and the change record", () => {
    const changed = changedUrns(before, after);
    const roles = changed.map((urn) => roleOf(after, urn)).sort();
    expect(roles).toEqual(["backup", "bot", "bot", "change-record", "health-gate", "router"]);
    expect(changed.find((urn) => urn.endsWith("::pre-switch-snapshot"))).toBeDefined();
    expect(before.resources.map((r) => r.urn).sort()).toEqual(
      after.resources.map((r) => r.urn).sort(),
    );
  });

  it("moves the live trading mode to the new active color's bot, on the same process slot", () => {
    const bot = (plan: Plan, color: string) =>
      plan.resources.find((r) => r.name === `bot-${color}`)?.inputs as {
        env: Record<string, string>;
        port: number;
      };
    expect(bot(before, before.activeColor).env.AITB_TRADING_MODE).toBe("live");
    expect(bot(after, before.activeColor).env.AITB_TRADING_MODE).toBe("paper");
    expect(bot(after, after.activeColor).env.AITB_TRADING_MODE).toBe("live");
    // The port (what would need a new process) stays: the switch restarts the bot in place.
    expect(bot(after, after.activeColor).port).toBe(bot(before, after.activeColor).port);
  });
});

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
