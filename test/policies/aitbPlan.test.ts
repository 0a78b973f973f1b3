/**
 * The policies as `aitb plan` runs them: on the resources the mocked program registers, with
 * `--base` naming the config as deployed now and `--now` the instant to judge at.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { judgePlan } from "../../cli/engine/policies";
import { runCli } from "../support/cli";
import { planOf, ROOT, stackSource } from "../support/stacks";
import { removeTempFiles, tempFile } from "../support/tempFiles";

/** Wednesday 2026-11-25, 15:00 in New York: the NYSE is in session. */
const IN_SESSION = "2026-11-25T20:00:00Z";
/** Saturday 2026-11-28, 10:00 in New York. */
const WEEKEND = "2026-11-28T15:00:00Z";

/** A planned change record written just before `at` (every change needs a record of its own). */
function plannedAt(at: string) {
  const written = new Date(Date.parse(at) - 10 * 60_000).toISOString().replace(".000Z", "Z");
  return {
    class: "planned",
    reason: "Flip to blue",
    incident: "CHG-2400",
    requestedBy: "release-manager",
    at: written,
  };
}

/** The prod stack file with some keys replaced, written to a temporary file. */
function prodWith(changes: Record<string, unknown>): string {
  const document = parseDocument(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"));
  for (const [key, value] of Object.entries(changes)) document.setIn(["config", key], value);
  return tempFile("Pulumi.prod.yaml", document.toString());
}

function plan(config: string, now: string, format = "json") {
  return runCli([
    "plan",
    "--stack",
    "prod",
    "--config",
    config,
    "--base",
    "Pulumi.prod.yaml",
    "--now",
    now,
    "--format",
    format,
  ]);
}

interface PlanJson {
  policies: {
    violations: { policy: string; level: string; urn: string | null; message: string }[];
    mandatory: number;
  };
}

describe("aitb plan --base on the prod stack", () => {
  const originalCwd = process.cwd();
  beforeAll(() => process.chdir(ROOT));
  afterAll(() => {
    process.chdir(originalCwd);
    removeTempFiles();
  });

  const flipped = (at = IN_SESSION) =>
    prodWith({ "aitb:activeColor": "blue", "aitb:change": plannedAt(at) });

  test("a planned color flip inside the session exits 1 naming market-hours-change-window", async () => {
    const run = await plan(flipped(), IN_SESSION);
    expect(run.stderr).toBe("");
    const { policies } = JSON.parse(run.stdout) as PlanJson;
    expect(policies.violations).toEqual([
      {
        policy: "market-hours-change-window",
        level: "mandatory",
        urn: expect.stringContaining("aitb-change-entry"),
        message: expect.stringContaining("a planned change to routing (green -> blue)"),
      },
    ]);
    expect(policies.mandatory).toBe(1);
    expect(run.code).toBe(1);
  });

  test("the text output lists the violation with policy, level, resource and message", async () => {
    const run = await plan(flipped(), IN_SESSION, "text");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("policies: 1 mandatory, 0 advisory violation(s)");
    expect(run.stdout).toContain("  mandatory  market-hours-change-window  aitb-change-entry");
    expect(run.stdout).toContain("    a planned change to routing (green -> blue)");
  });

  test("the same flip at the weekend exits 0", async () => {
    const run = await plan(flipped(WEEKEND), WEEKEND);
    const { policies } = JSON.parse(run.stdout) as PlanJson;
    expect(policies).toEqual({ violations: [], mandatory: 0 });
    expect(run.code).toBe(0);
  });

  test("an emergency flip with reason, incident and expiry exits 0 inside the session", async () => {
    const change = {
      class: "emergency",
      reason: "Exchange connectivity lost on green",
      incident: "INC-4711",
      requestedBy: "on-call",
      at: "2026-11-25T19:55:00Z",
      expires: "2026-11-25T21:00:00Z",
    };
    const run = await plan(
      prodWith({ "aitb:activeColor": "blue", "aitb:change": change }),
      IN_SESSION,
    );
    expect(JSON.parse(run.stdout).policies.violations).toEqual([]);
    expect(run.code).toBe(0);
  });

  test("an unrelated change inside the session exits 0", async () => {
    const change = {
      class: "planned",
      reason: "Debug logging for the notifier",
      requestedBy: "platform",
      at: "2026-11-25T19:55:00Z",
    };
    const services = {
      inference: { replicas: 2 },
      webapp: { replicas: 2 },
      notifier: { env: { LOG_LEVEL: "debug" } },
    };
    const run = await plan(
      prodWith({ "aitb:change": change, "aitb:services": services }),
      IN_SESSION,
    );
    expect(JSON.parse(run.stdout).policies).toEqual({ violations: [], mandatory: 0 });
    expect(run.code).toBe(0);
  });
});

describe("judgePlan on the dev stack (Docker)", () => {
  /** Within a day of the dev stack's change record, which a new stack's deploy needs. */
  const NOW = new Date("2026-11-25T12:00:00Z");

  test("the dev stack as committed passes every policy", async () => {
    const verdict = await judgePlan(await planOf("dev", {}, { now: NOW }), { now: NOW });
    expect(verdict).toEqual({ violations: [], mandatory: 0 });
  });

  test("a restore into the standby color passes; into the live color it is denied", async () => {
    const database = stackSource("dev").values.database as Record<string, unknown>;
    const restore = (color: string) => ({
      database: {
        ...database,
        restore: {
          pointInTime: "2026-11-24T12:00:00Z",
          color,
          reason: "bad migration",
          incident: "INC-1",
        },
      },
    });
    const standby = await planOf("dev", restore("green"), { now: NOW });
    expect((await judgePlan(standby, { now: NOW })).violations).toEqual([]);
    const live = await planOf("dev", restore("blue"), { now: NOW });
    expect((await judgePlan(live, { now: NOW })).violations).toEqual([
      expect.objectContaining({
        policy: "db-restore-guard",
        message: expect.stringContaining("whose bot bot-blue trades live"),
      }),
    ]);
  });

  test("an API key in plain config is refused before anything is planned, with the secret fix", async () => {
    const changes = { services: { bot: { env: { EXCHANGE_API_KEY: "typed-into-yaml" } } } };
    await expect(planOf("dev", changes, { now: NOW })).rejects.toThrow(
      /aitb:services\.bot\.env\.EXCHANGE_API_KEY: is a credential in plain text .*pulumi config set --secret/,
    );
  });
});
