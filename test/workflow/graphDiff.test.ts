import type { PlannedResource } from "../../cli/plan/evaluate";
import type { Plan } from "../../cli/plan/plan";
import { blastRadius } from "../../cli/workflow/blastRadius";
import { renderDiffText } from "../../cli/workflow/diffRender";
import { diffResources } from "../../cli/workflow/graphDiff";
import type { StackChange } from "../../cli/workflow/stackChange";

function resource(
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<PlannedResource> = {},
): PlannedResource {
  return {
    urn: `urn:pulumi:prod::aitb::t::${name}`,
    type: "azure-native:app:ContainerApp",
    name,
    custom: true,
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    dependsOn: [],
    inputs,
    secretPaths: [],
    ...extra,
  };
}

const env = (mode: string) => [
  { name: "AITB_COLOR", value: "blue" },
  { name: "AITB_TRADING_MODE", value: mode },
  { name: "DATABASE_URL", secretRef: "database-url" },
];

describe("diffResources", () => {
  test("matches resources by URN: create, update, delete, and counts the unchanged", () => {
    const base = [
      resource("bot-blue", { tags: { "aitb-trading-mode": "paper" } }),
      resource("webapp-blue", { replicas: 1 }),
      resource("old-backup", { blob: "x" }),
    ];
    const desired = [
      resource("bot-blue", { tags: { "aitb-trading-mode": "live" } }),
      resource("webapp-blue", { replicas: 1 }),
      resource("new-backup", { blob: "y" }),
    ];
    const diff = diffResources(base, desired);
    expect(diff.summary).toEqual({ create: 1, update: 1, delete: 1, same: 1 });
    expect(diff.changes.map((c) => [c.op, c.name, c.keys])).toEqual([
      ["update", "bot-blue", ["tags"]],
      ["create", "new-backup", ["blob"]],
      ["delete", "old-backup", ["blob"]],
    ]);
    expect(diff.changes[0].values).toEqual([
      { path: "tags.aitb-trading-mode", old: "paper", new: "live" },
    ]);
  });

  test("follows lists of named entries by name, so an inserted entry does not shift the rest", () => {
    const before = resource("bot-blue", {
      template: { containers: [{ name: "bot", env: env("paper") }] },
    });
    const after = resource("bot-blue", {
      template: {
        containers: [{ name: "bot", env: [{ name: "A_NEW", value: "1" }, ...env("live")] }],
      },
    });
    expect(diffResources([before], [after]).changes[0].values).toEqual([
      { path: "template.containers[bot].env[AITB_TRADING_MODE].value", old: "paper", new: "live" },
      { path: "template.containers[bot].env[A_NEW]", new: { name: "A_NEW", value: "1" } },
    ]);
  });

  test("a change of protect or retainOnDelete is an update of the options", () => {
    const diff = diffResources(
      [resource("db", {}, { protect: false })],
      [resource("db", {}, { protect: true })],
    );
    expect(diff.changes[0].keys).toEqual(["options.protect"]);
  });
});

describe("the text of a diff", () => {
  const plan = (resources: PlannedResource[]): Plan => ({
    stack: "prod",
    project: "aitb",
    origin: "Pulumi.prod.yaml",
    target: "azure",
    environment: "prod",
    activeColor: "green",
    standbyColor: "blue",
    releases: { blue: "2026.11.3", green: "2026.11.4" },
    resources,
    outputs: {},
    ms: 1,
  });

  test("says what a delete of a retained or protected resource really does", () => {
    const base = plan([
      resource("config-backup-2026.11.2", { a: 1 }, { retainOnDelete: true }),
      resource("postgres", { a: 1 }, { protect: true }),
      resource("scratch", { a: 1 }),
    ]);
    const desired = plan([]);
    const diff = diffResources(base.resources, desired.resources);
    const change: StackChange = {
      base,
      desired,
      diff,
      blast: blastRadius(base, desired, diff),
      verdict: { violations: [], mandatory: 0 },
      baseVerdict: { violations: [], mandatory: 0 },
      now: new Date("2026-11-28T15:00:00Z"),
      ms: 1,
    };
    const text = renderDiffText(change);
    expect(text).toContain(
      "- delete config-backup-2026.11.2  az:app:ContainerApp  (retained: it stays in place, only leaves the stack)",
    );
    expect(text).toContain(
      "- delete postgres  az:app:ContainerApp  (protected: pulumi up refuses this delete)",
    );
    expect(text).toMatch(/- delete scratch {2}az:app:ContainerApp\n/);
  });
});
