import type { PlannedResource } from "../../cli/engine/evaluate";
import type { Plan } from "../../cli/engine/plan";
import { blastRadius } from "../../cli/engine/blastRadius";
import { renderDiffText } from "../../cli/commands/diff/diffRender";
import { diffResources } from "../../cli/engine/graphDiff";
import type { StackChange } from "../../cli/engine/stackChange";
import {
  changesAt,
  parsePropertyPath,
  replacementEntry,
  replacementTypes,
} from "../../cli/engine/replacements";
import { ROOT, planOf } from "../support/stacks";
import * as fs from "node:fs";

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
    expect(diff.summary).toEqual({ create: 1, update: 1, replace: 0, delete: 1, same: 1 });
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

describe("update or replace", () => {
  const one = (before: PlannedResource, after: PlannedResource) =>
    diffResources([before], [after]).changes[0];
  const labels = (mode: string) => [
    { label: "aitb-service", value: "bot" },
    { label: "aitb-trading-mode", value: mode },
  ];

  test("on Azure a bot's trading-mode tag change is a replace, the old app deleted first", () => {
    const bot = (mode: string) =>
      resource(
        "bot-blue",
        { tags: { "aitb-trading-mode": mode }, template: { containers: [{ name: "bot" }] } },
        { replaceOnChanges: ['tags["aitb-trading-mode"]'], deleteBeforeReplace: true },
      );
    const change = one(bot("paper"), bot("live"));
    expect(change).toMatchObject({
      op: "replace",
      deleteFirst: true,
      forcedBy: [{ property: 'tags["aitb-trading-mode"]', by: "replaceOnChanges" }],
    });
  });

  test("the same bot with only another tag changed is an update: the option names one tag", () => {
    const bot = (owner: string) =>
      resource(
        "bot-blue",
        { tags: { "aitb-trading-mode": "live", owner } },
        { replaceOnChanges: ['tags["aitb-trading-mode"]'], deleteBeforeReplace: true },
      );
    expect(one(bot("a"), bot("b"))).toMatchObject({ op: "update" });
    expect(one(bot("a"), bot("b")).forcedBy).toBeUndefined();
  });

  test("a docker container's env change is a replace (env is ForceNew upstream)", () => {
    const container = (mode: string) =>
      resource(
        "bot-blue",
        { envs: [`AITB_TRADING_MODE=${mode}`], image: "aitb/bot:1", restart: "unless-stopped" },
        { type: "docker:index/container:Container", deleteBeforeReplace: true },
      );
    expect(one(container("paper"), container("live"))).toMatchObject({
      op: "replace",
      deleteFirst: true,
      forcedBy: [{ property: "envs", by: "provider" }],
    });
  });

  test("a docker container's restart policy or memory change is an update in place", () => {
    const container = (restart: string, memory: number) =>
      resource(
        "webapp-blue",
        { envs: ["A=1"], image: "aitb/webapp:1", restart, memory },
        { type: "docker:index/container:Container" },
      );
    const change = one(container("no", 512), container("unless-stopped", 1024));
    expect(change.op).toBe("update");
    expect(change.replacementUnknown).toBeUndefined();
  });

  test("a docker network's label change is a replace, per the table", () => {
    expect(replacementEntry("docker:index/network:Network")?.replaceOn).toContain("labels");
    const network = (value: string) =>
      resource(
        "network",
        { name: "aitb-dev", labels: [{ label: "aitb-stack", value }] },
        { type: "docker:index/network:Network" },
      );
    expect(one(network("dev"), network("dev2"))).toMatchObject({
      op: "replace",
      deleteFirst: false,
      forcedBy: [{ property: "labels", by: "provider" }],
    });
  });

  test("a command's trigger change is a replace; a change of its create script is an update", () => {
    const command = (trigger: string, create: string) =>
      resource(
        "aitb-health-checks",
        { create, triggers: [trigger] },
        { type: "command:local:Command", replaceOnChanges: ["triggers[*]"] },
      );
    expect(one(command("a", "x"), command("b", "x"))).toMatchObject({
      op: "replace",
      forcedBy: [{ property: "triggers[*]", by: "replaceOnChanges" }],
    });
    // Without the SDK's option the provider's own rule still says triggers replace.
    const bare = (trigger: string) =>
      resource("cmd", { triggers: [trigger] }, { type: "command:local:Command" });
    expect(one(bare("a"), bare("b")).forcedBy).toEqual([{ property: "triggers", by: "provider" }]);
    expect(one(command("a", "x"), command("a", "y")).op).toBe("update");
  });

  test("a type missing from the table is an update? naming the type", () => {
    const thing = (v: number) => resource("thing", { v }, { type: "example:index:Thing" });
    const change = one(thing(1), thing(2));
    expect(change.op).toBe("update");
    expect(change.replacementUnknown).toBe(
      "replacement unknown: type example:index:Thing is not in the replacement table",
    );
  });

  test("the text says replace, what forces it, and that the old one is gone in between", () => {
    const plan = (resources: PlannedResource[]): Plan => ({
      stack: "dev",
      project: "aitb",
      origin: "Pulumi.dev.yaml",
      target: "docker",
      environment: "dev",
      activeColor: "blue",
      standbyColor: "green",
      releases: { blue: "2026.11.4", green: "2026.11.3" },
      resources,
      outputs: {},
      ms: 1,
    });
    const container = (mode: string) =>
      resource(
        "bot-blue",
        { envs: [`AITB_TRADING_MODE=${mode}`], labels: labels(mode) },
        { type: "docker:index/container:Container", deleteBeforeReplace: true },
      );
    const thing = (v: number) => resource("thing", { v }, { type: "example:index:Thing" });
    const base = plan([container("paper"), thing(1)]);
    const desired = plan([container("live"), thing(2)]);
    const diff = diffResources(base.resources, desired.resources);
    const text = renderDiffText({
      base,
      desired,
      diff,
      blast: blastRadius(base, desired, diff),
      verdict: { violations: [], mandatory: 0 },
      baseVerdict: { violations: [], mandatory: 0 },
      now: new Date("2026-11-28T15:00:00Z"),
      ms: 1,
    });
    expect(text).toContain(
      "-+ replace bot-blue  docker:index/container:Container  (delete, then create: absent in between)",
    );
    expect(text).toContain("    forced by: envs (provider), labels (provider)");
    expect(text).toContain("~ update? thing  example:index:Thing");
    expect(text).toContain("1 to update, 1 to replace");
    expect(text).toContain(
      "replaced, delete then create (absent in between): bot-blue [envs, labels]",
    );
    expect(text).toContain(
      "update? (replacement unknown, type not in the replacement table): thing (example:index:Thing)",
    );
  });

  test("property paths follow the replaceOnChanges syntax", () => {
    expect(parsePropertyPath('tags["aitb-trading-mode"]')).toEqual(["tags", "aitb-trading-mode"]);
    expect(parsePropertyPath("a.b[0].c[*]")).toEqual(["a", "b", 0, "c", "*"]);
    expect(changesAt({ t: ["a", "b"] }, { t: ["a", "c"] }, "t[*]")).toBe(true);
    expect(changesAt({ t: ["a"] }, { t: ["a"], u: 1 }, "t[*]")).toBe(false);
  });
});

describe("the replacement table", () => {
  const stacks = fs
    .readdirSync(ROOT)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();

  test.each(stacks)("knows every resource type the %s stack uses", async (stack) => {
    const plan = await planOf(stack);
    const types = [...new Set(plan.resources.filter((r) => r.custom).map((r) => r.type))];
    expect(types.length).toBeGreaterThan(3);
    expect(types.filter((type) => !replacementTypes().includes(type))).toEqual([]);
  });

  test("every entry cites its source", () => {
    for (const type of replacementTypes()) {
      expect({ type, cited: (replacementEntry(type)?.source.length ?? 0) > 0 }).toEqual({
        type,
        cited: true,
      });
    }
  });
});
