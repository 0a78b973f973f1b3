import { runNotice, type NoticeFlags } from "../../cli/commands/notice";
import { runRollback, type RollbackFlags } from "../../cli/commands/rollback";
import type { RollbackNotice } from "../../cli/workflow/notice";
import { startDevStack, type Closable } from "./loopbackStack";
import { captureIo, removeProject, tempProject } from "./support";

/** Every line of the runbook's team-communication template, by its label. */
const TEMPLATE_LABELS = [
  "SUBJECT",
  "Rollback Time",
  "Trigger Reason",
  "Environment",
  "Rollback Type",
  "Previous Version",
  "Current Version",
  "Services",
  "Trading",
  "Data Integrity",
  "Team Lead",
  "Incident Number",
];

/** The template's placeholders: none may survive into a notice. */
const TEMPLATE_PLACEHOLDERS = [
  "[TIMESTAMP]",
  "[REASON]",
  "[PRODUCTION/STAGING]",
  "[IMMEDIATE/PLANNED/EMERGENCY]",
  "[VERSION]",
  "[ROLLED_BACK_VERSION]",
  "[RUNNING/DEGRADED/DOWN]",
  "[ACTIVE/SUSPENDED/PAPER_MODE]",
  "[VERIFIED/CHECKING/COMPROMISED]",
  "[ACTION_ITEM_1]",
  "[NAME]",
  "[INC_NUMBER]",
];

let dir: string;
let running: Closable[] = [];
beforeEach(() => {
  dir = tempProject();
});
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
  removeProject(dir);
});

async function rollback(flags: Partial<RollbackFlags>): Promise<void> {
  // The record is written at the clock's time; it must be recent as of the time judged.
  const io = captureIo(dir, () => new Date("2026-11-28T15:00:00Z"));
  const code = await runRollback(
    {
      stack: "dev",
      class: "immediate",
      reason: "Bot execution errors on live positions",
      incident: "INC-4411",
      requestedBy: "alice",
      now: new Date("2026-11-28T15:00:00Z"),
      trigger: "bot-execution-errors",
      ...flags,
    },
    io,
  );
  expect(io.stderr()).toBe("");
  expect(code).toBe(0);
}

async function notice(flags: Partial<NoticeFlags> & { stack: string }) {
  const io = captureIo(dir);
  const code = await runNotice({ format: "text", ...flags }, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The value after `- Label:` (or `Label:`) on its line. */
function field(text: string, label: string): string {
  const match = new RegExp(`^(?:- )?${label}: (.*)$`, "m").exec(text);
  if (!match) throw new Error(`no "${label}" line in:\n${text}`);
  return match[1];
}

describe("aitb notice", () => {
  test("after a switch, every field of the runbook's template is filled", async () => {
    await rollback({});
    const { code, out } = await notice({ stack: "dev" });
    expect(code).toBe(0);
    for (const label of TEMPLATE_LABELS) {
      const value = field(out, label);
      expect(value.trim()).not.toBe("");
    }
    for (const placeholder of TEMPLATE_PLACEHOLDERS) expect(out).not.toContain(placeholder);
    expect(field(out, "SUBJECT")).toBe("[URGENT] AITB Development Rollback Executed");
    expect(field(out, "Rollback Time")).toBe("2026-11-28T15:00:00Z");
    expect(field(out, "Trigger Reason")).toBe(
      "Bot execution errors on live positions (trigger: Trading bot execution errors affecting live positions)",
    );
    expect(field(out, "Environment")).toBe("DEVELOPMENT (stack dev, docker)");
    expect(field(out, "Rollback Type")).toBe(
      "IMMEDIATE, blue/green switch blue → green, release 2026.11.4 → 2026.11.3",
    );
    expect(field(out, "Previous Version")).toBe("2026.11.4 (blue)");
    expect(field(out, "Current Version")).toBe("2026.11.3 (green)");
    expect(field(out, "Services")).toMatch(
      /^UNVERIFIED: .* on green @ 2026\.11\.3; run aitb verify --stack dev$/,
    );
    expect(field(out, "Trading")).toBe(
      "ACTIVE: bot-green trades live on 2026.11.3; bot-blue in PAPER_MODE",
    );
    expect(field(out, "Data Integrity")).toMatch(/^UNCHANGED: this rollback changes no database/);
    expect(field(out, "Team Lead")).toBe("alice");
    expect(field(out, "Incident Number")).toBe("INC-4411");
    expect(out).toMatch(/NEXT STEPS:\n1\. .+\n2\. .+\n3\. .+/);
    expect(out).toContain(
      "- Immediately (by 2026-11-28T15:00:00Z): Trading team, DevOps team, Management",
    );
    expect(out).toContain(
      "- Within 1 hour (by 2026-11-28T16:00:00Z): Compliance, Risk management, External partners",
    );
    expect(out).toContain(
      "- Within 4 hours (by 2026-11-28T19:00:00Z): Full incident report with root cause analysis",
    );
  });

  test("JSON carries the same fields; the previous version of prod comes from its release history", async () => {
    const { code, out } = await notice({ stack: "prod", format: "json" });
    expect(code).toBe(0);
    const json = JSON.parse(out) as RollbackNotice;
    expect(json.subject).toBe("[PLANNED] AITB Production Rollback Executed");
    expect(json.details).toEqual({
      rollbackTime: "2026-11-24T22:15:00Z",
      triggerReason: "Roll out 2026.11.4 (model m-43, order-book heatmap)",
      environment: "PRODUCTION (stack prod, azure)",
      rollbackType: "PLANNED, blue/green switch blue → green, release 2026.11.3 → 2026.11.4",
      previousVersion: "2026.11.3 (blue)",
      currentVersion: "2026.11.4 (green)",
    });
    expect(Object.values(json.status).every((value) => value.length > 0)).toBe(true);
    expect(json.teamLead).toBe("release-manager");
    expect(json.incident).toBe("CHG-2304");
    expect(json.stakeholders.map((s) => s.when)).toEqual([
      "Immediately",
      "Within 1 hour",
      "Within 4 hours",
    ]);
  });

  test("a declared restore is reported as data integrity CHECKING, with the switch as a next step", async () => {
    await rollback({
      restore: "2026.11.3",
      class: "emergency",
      expires: "2h",
      trigger: "data-loss",
    });
    const { out } = await notice({ stack: "dev", format: "markdown", teamLead: "bob" });
    expect(out).toMatch(/^## \[URGENT\] AITB Development Rollback Executed/);
    expect(out).toContain(
      "- **Data Integrity**: CHECKING: green's database restored into aitb-dev-postgres/aitb_restore_release_2026_11_3 from the snapshot of release 2026.11.3",
    );
    expect(out).toContain("--to green");
    expect(out).toContain("**Team Lead**: bob");
    expect(out).toContain("The emergency change expires at 2026-11-28T17:00:00Z");
  });

  test("--verify reports the services RUNNING when every check passes", async () => {
    const proxy = await startDevStack(dir, running);
    const { code, out, err } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
    });
    expect(code).toBe(0);
    expect(field(out, "Services")).toMatch(
      /^RUNNING: .* on blue @ 2026\.11\.4; all 13 checks passed$/,
    );
    expect(err).toContain("PASSED: 13 of 13 checks\n");
  });

  test("--verify reports DEGRADED and names the failing check of the active color", async () => {
    const proxy = await startDevStack(dir, running, { "dashboard-blue": { status: "down" } });
    const { out } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
    });
    expect(field(out, "Services")).toContain("DEGRADED: ");
    expect(field(out, "Services")).toContain('dashboard-blue (status "down")');
  });

  test("--verify reports an unhealthy standby as running with the standby named", async () => {
    const proxy = await startDevStack(dir, running, { "dashboard-green": { status: "down" } });
    const { out } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
    });
    expect(field(out, "Services")).toBe(
      'RUNNING: inference, bot, webapp, dashboard, notifier on blue @ 2026.11.4; standby not healthy: dashboard-green (status "down")',
    );
  });
});
