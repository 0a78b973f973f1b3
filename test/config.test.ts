import { evaluateProgram } from "../cli/engine/evaluate";
import { configFailureOf, stackSource, NOW } from "./support/stacks";
import { keyOf } from "../config/validate";

type Changes = Record<string, unknown>;

function prodReleases(): Record<string, { services: Record<string, Record<string, unknown>> }> {
  return structuredClone(stackSource("prod").values.releases) as Record<
    string,
    { services: Record<string, Record<string, unknown>> }
  >;
}

function withImage(image: string): Changes {
  const releases = prodReleases();
  releases["2026.11.4"].services.bot = { image };
  return { releases };
}

const cases: [string, string, Changes, string, RegExp][] = [
  [
    "an unknown color",
    "prod",
    { activeColor: "purple" },
    "aitb:activeColor",
    /"purple".*"blue"\|"green"/,
  ],
  [
    "a slot pinned to a release outside the catalog",
    "prod",
    { slots: { blue: { release: "2026.99.9" }, green: { release: "2026.11.4" } } },
    "aitb:slots.blue.release",
    /"2026.99.9" is not in the release catalog.*2026.11.2, 2026.11.3, 2026.11.4/,
  ],
  [
    "an image without a tag",
    "prod",
    withImage("ghcr.io/aitb/bot"),
    'aitb:releases["2026.11.4"].services.bot.image',
    /"ghcr.io\/aitb\/bot".*pinned by tag/,
  ],
  [
    "an image on latest",
    "prod",
    withImage("ghcr.io/aitb/bot:latest"),
    'aitb:releases["2026.11.4"].services.bot.image',
    /not the moving tag "latest"/,
  ],
  [
    "a missing key",
    "dev",
    { activeColor: undefined },
    "aitb:activeColor",
    /is missing; .*"blue"\|"green"/,
  ],
  [
    "a change without a reason",
    "dev",
    { change: { class: "planned", reason: " ", requestedBy: "ops" } },
    "aitb:change.reason",
    /expected a reason/,
  ],
  [
    "a misspelt key",
    "dev",
    { activecolor: "blue" },
    "aitb:activecolor",
    /unknown key "activecolor"/,
  ],
  [
    "an unknown change class",
    "dev",
    { change: { class: "urgent", reason: "x", requestedBy: "ops" } },
    "aitb:change.class",
    /"urgent".*"immediate"\|"planned"\|"emergency"/,
  ],
  [
    "a restore point in the future",
    "dev",
    {
      database: {
        restore: {
          pointInTime: "2026-11-26T09:00:00Z",
          color: "green",
          reason: "bad migration",
          incident: "INC-1",
        },
      },
    },
    "aitb:database.restore.pointInTime",
    /is in the future/,
  ],
  [
    "a restore point older than the retention",
    "dev",
    {
      database: {
        backupRetentionDays: 7,
        restore: {
          pointInTime: "2026-11-01T09:00:00Z",
          color: "green",
          reason: "bad migration",
          incident: "INC-1",
        },
      },
    },
    "aitb:database.restore.pointInTime",
    /older than the backup retention of 7 days/,
  ],
  [
    "a restore without a reason",
    "dev",
    {
      database: {
        restore: { pointInTime: "2026-11-25T09:00:00Z", color: "green", incident: "INC-1" },
      },
    },
    "aitb:database.restore.reason",
    /is missing/,
  ],
  [
    "a docker target on prod",
    "prod",
    { target: "docker" },
    "aitb:target",
    /"docker" is the dev target/,
  ],
];

describe("a malformed stack config", () => {
  it.each(cases)(
    "fails on %s, naming the key, and registers nothing",
    async (_what, stack, changes, key, message) => {
      const error = await configFailureOf(stack, changes);
      const issue = error.issues.find((i) => i.key === key);
      expect(issue).toBeDefined();
      expect(issue?.message).toMatch(message);
      expect(error.message).toContain(`${key}: `);
      expect(error.message).toContain("nothing was deployed");
    },
  );

  it("reports one message per problem", async () => {
    const error = await configFailureOf("dev", {
      activeColor: "purple",
      standbyTradingMode: "live",
    });
    expect(error.issues.map((i) => i.key).sort()).toEqual([
      "aitb:activeColor",
      "aitb:standbyTradingMode",
    ]);
  });
});

describe("a restore that has run", () => {
  it("is no longer judged against the retention", async () => {
    const restore = {
      pointInTime: "2026-11-01T09:00:00Z",
      color: "green",
      reason: "bad migration",
      incident: "INC-1",
      performedAt: "2026-11-01T10:00:00Z",
    };
    const evaluation = await evaluateProgram({
      source: stackSource("dev", { database: { backupRetentionDays: 7, restore } }),
      now: NOW,
    });
    expect(evaluation.outputs.databases).toMatchObject({
      restored: expect.stringContaining("restore"),
    });
  });
});

describe("evaluating again after a config error", () => {
  it("plans the valid config normally in the same process", async () => {
    await configFailureOf("dev", { activeColor: "purple" });
    const evaluation = await evaluateProgram({ source: stackSource("dev"), now: NOW });
    expect(evaluation.resources.length).toBeGreaterThan(20);
    expect(evaluation.outputs.activeColor).toBe("blue");
  });
});

describe("config keys in messages", () => {
  it("brackets segments that contain dots", () => {
    expect(keyOf(["releases", "2026.11.4", "services", "bot"])).toBe(
      'aitb:releases["2026.11.4"].services.bot',
    );
    expect(keyOf(["slots", "blue", "release"])).toBe("aitb:slots.blue.release");
  });
});
