import { planOf, changedUrns, stackSource, flipped } from "./support/stacks";
import type { PlannedResource } from "../cli/engine/evaluate";
import type { Plan } from "../cli/engine/plan";

const SERVICE_TYPES =
  /^(docker:index\/container:Container|azure-native:app:ContainerApp|pulumi-nodejs:dynamic\/loopback:Service)$/;

function roleOf(resource: PlannedResource): string | undefined {
  const inputs = resource.inputs as {
    labels?: { label: string; value: string }[] | Record<string, string>;
    tags?: Record<string, string>;
    environment?: Record<string, string>;
  };
  if (Array.isArray(inputs.labels)) {
    return inputs.labels.find((l) => l.label === "aitb-role")?.value;
  }
  return (
    inputs.labels?.["aitb-role"] ?? inputs.tags?.["aitb-role"] ?? inputs.environment?.AITB_ROLE
  );
}

function copyOf(plan: Plan): PlannedResource {
  const copies = plan.resources.filter((r) => r.custom && roleOf(r) === "forensic-logs");
  expect(copies).toHaveLength(1);
  return copies[0];
}

/** Every URN a resource waits for, directly or through what it waits for. */
function waitsFor(plan: Plan, resource: PlannedResource): Set<string> {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const visit = (urn: string) => {
    for (const dep of byUrn.get(urn)?.dependsOn ?? []) {
      if (!seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(resource.urn);
  return seen;
}

function servicesOf(plan: Plan, color: string): PlannedResource[] {
  return plan.resources.filter(
    (r) =>
      SERVICE_TYPES.test(r.type) &&
      JSON.stringify(r.inputs).includes(`"aitb-color"`) &&
      JSON.stringify(r.inputs).includes(color),
  );
}

describe.each(["dev", "loopback", "prod"])("the %s stack's logs", (stack) => {
  let base: Plan;
  beforeAll(async () => {
    base = await planOf(stack);
  }, 120_000);

  it("keeps each color's logs on storage that is protected and retained on delete", () => {
    const stores = base.resources.filter(
      (r) => r.custom && (roleOf(r) === "log-store" || r.name === "logs"),
    );
    expect(stores.length).toBeGreaterThan(0);
    for (const store of stores) {
      expect(store.protect).toBe(true);
      expect(store.retainOnDelete).toBe(true);
    }
  });

  it("orders every service after the forensic copy of the logs", () => {
    const copy = copyOf(base);
    const services = base.resources.filter(
      (r) => SERVICE_TYPES.test(r.type) && roleOf(r) === "service",
    );
    expect(services.length).toBe(10);
    for (const service of services) expect(waitsFor(base, service).has(copy.urn)).toBe(true);
  });

  it("takes a new copy on a re-pin, before the re-pinned color's services are replaced", async () => {
    const source = stackSource(stack);
    const slots = source.values.slots as Record<string, { release: string }>;
    const standby = source.values.activeColor === "blue" ? "green" : "blue";
    const other = slots[source.values.activeColor as string].release;
    const repinned = await planOf(stack, {
      slots: { ...slots, [standby]: { release: other } },
      change: { ...(source.values.change as object), incident: "INC-77" },
    });
    const before = copyOf(base);
    const after = copyOf(repinned);
    expect(JSON.stringify(after.inputs)).not.toEqual(JSON.stringify(before.inputs));
    // The triggers change: the copy runs again (a Command is replaced, a loopback step runs create).
    const triggersOf = (r: PlannedResource) =>
      JSON.stringify(
        (r.inputs as { triggers?: unknown; forceUpdateTag?: unknown }).triggers ??
          (r.inputs as { forceUpdateTag?: unknown }).forceUpdateTag,
      );
    expect(triggersOf(after)).not.toEqual(triggersOf(before));
    expect(JSON.stringify(after.inputs)).toContain("INC-77");
    const changed = new Set(changedUrns(base, repinned));
    const replaced = servicesOf(repinned, standby).filter((r) => changed.has(r.urn));
    expect(replaced.length).toBeGreaterThan(0);
    for (const service of replaced) expect(waitsFor(repinned, service).has(after.urn)).toBe(true);
  }, 120_000);

  it("takes no copy on a plain switch", async () => {
    const switched = await planOf(stack, flipped(stackSource(stack)));
    expect(changedUrns(base, switched)).not.toContain(copyOf(base).urn);
  }, 120_000);

  it("takes no copy on a switch under a new incident: the copy stays filed under the deployed one", async () => {
    const source = stackSource(stack);
    const change = {
      ...(source.values.change as Record<string, unknown>),
      class: "immediate",
      reason: "bad fills on the live color",
      incident: "INC-4242",
    };
    // Judged as the next update sees it: the base's outputs (`deployed` and `logCopy`) read back.
    const switched = await planOf(stack, { ...flipped(source), change }, { base: source });
    const [before, after] = [base, switched].map((plan) => copyOf(plan).inputs);
    expect(after).toEqual(before);
  }, 120_000);
});
