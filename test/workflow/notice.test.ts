import * as fs from "node:fs";
import * as path from "node:path";
import { runNotice, type NoticeFlags } from "../../cli/commands/notice";
import { runRollback, type RollbackFlags } from "../../cli/commands/rollback";
import { planStack } from "../../cli/engine/plan";
import { readStackSource } from "../../cli/engine/stackFiles";
import {
  buildNotice,
  type NoticeInput,
  type RollbackNotice,
} from "../../cli/commands/notice/notice";
import { declaredChecks } from "../../cli/commands/verify/verification";
import type { HealthResult, Observation } from "../../components/health/checks";
import { validateStackConfig } from "../../config/validate";
import type { Color } from "../../domain/colors";
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
const originalPath = process.env.PATH;
beforeEach(() => {
  dir = tempProject();
});
afterEach(async () => {
  process.env.PATH = originalPath;
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

/** The deployed stack's outputs (`pulumi stack output --json`): the Docker plan's URLs are real. */
async function writeOutputs(stack: string, more: Record<string, unknown> = {}): Promise<string> {
  const plan = await planStack({ source: readStackSource(dir, stack), now: new Date() });
  const checkUrls = Object.fromEntries(declaredChecks(plan).map((c) => [c.name, c.url]));
  const file = "outputs.json";
  fs.writeFileSync(
    path.join(dir, file),
    JSON.stringify({ checkUrls, publicEndpoint: plan.outputs.publicEndpoint, ...more }),
  );
  return file;
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
    // Nothing was observed: the config's intent (green live) is no status.
    expect(field(out, "Trading")).toBe(
      "UNVERIFIED: no bot was observed; run aitb notice --stack dev --verify (or aitb verify --stack dev)",
    );
    expect(field(out, "Data Integrity")).toMatch(
      /^CHECKING: not verified; run aitb notice --stack dev --verify \(or aitb verify --stack dev\); this rollback changes no database/,
    );
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
      "- **Data Integrity**: CHECKING: not verified; run aitb notice --stack dev --verify (or aitb verify --stack dev); restore of green's database into aitb-dev-postgres/aitb_restore_release_2026_11_3 from the snapshot of release 2026.11.3\n",
    );
    expect(out).toContain("--to green");
    expect(out).toContain("**Team Lead**: bob");
    expect(out).toContain("The emergency change expires at 2026-11-28T17:00:00Z");
  });

  test("--verify reports the services RUNNING and the trading and data integrity observed", async () => {
    const proxy = await startDevStack(dir, running);
    const { code, out, err } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
      outputsFile: await writeOutputs("dev"),
    });
    expect(code).toBe(0);
    expect(field(out, "Services")).toMatch(
      /^RUNNING: .* on blue @ 2026\.11\.4; all (\d+) checks passed$/,
    );
    expect(field(out, "Trading")).toBe(
      "ACTIVE: bot-blue trades live on 2026.11.4; bot-green in PAPER_MODE",
    );
    expect(field(out, "Data Integrity")).toMatch(
      /^VERIFIED: every check of the services that use the database on blue passed \(\d+\); this rollback changes no database/,
    );
    expect(err).toMatch(/PASSED: (\d+) of \1 checks\n/);
  });

  test("--verify reports a declared restore VERIFIED or COMPROMISED from the stack's restoreVerification", async () => {
    await rollback({
      restore: "2026.11.3",
      class: "emergency",
      expires: "2h",
      trigger: "data-loss",
    });
    const proxy = await startDevStack(dir, running);
    const snapshot = "pre-switch-20261124T100000Z.dump";
    const orders = {
      table: "public.orders",
      expectedRows: 300,
      rows: 300,
      expectedChecksum: "-412",
      checksum: "-412",
      ok: true,
    };
    const integrity = async (restoreVerification: unknown) => {
      const { out, err } = await notice({
        stack: "dev",
        verify: true,
        endpoint: `http://127.0.0.1:${proxy}`,
        outputsFile: await writeOutputs("dev", { restoreVerification }),
      });
      return { integrity: field(out, "Data Integrity"), err };
    };
    const restore =
      "restore of green's database into aitb-dev-postgres/aitb_restore_release_2026_11_3 from the snapshot of release 2026.11.3";

    const matched = await integrity({
      snapshot,
      ok: true,
      tables: [orders],
      detail: `1 table matches the manifest of ${snapshot} (row counts and checksums)`,
    });
    expect(matched.integrity).toMatch(
      new RegExp(
        `^VERIFIED: every check of the services that use the database on blue passed \\(\\d+\\); restore checked: 1 table matches the manifest of ${snapshot} \\(row counts and checksums\\); ${restore}$`,
      ),
    );
    // The table-by-table result is in verify's report, on stderr.
    expect(matched.err).toContain("  ✓  public.orders  300 rows, checksum -412\n");

    const differs = await integrity({
      snapshot,
      ok: false,
      tables: [{ ...orders, rows: 299, checksum: "15", ok: false }],
      detail: `1 of 1 tables differs from the manifest of ${snapshot}: public.orders (299 rows, expected 300)`,
    });
    expect(differs.integrity).toBe(
      `COMPROMISED: the restore check failed: 1 of 1 tables differs from the manifest of ${snapshot}: public.orders (299 rows, expected 300); ${restore}`,
    );

    // Not verifiable is not a check: the restore stays to be checked by hand.
    const unverifiable = await integrity({
      snapshot,
      ok: null,
      tables: [],
      detail: `not verifiable: ${snapshot} has no manifest (taken before manifests were written)`,
    });
    expect(unverifiable.integrity).toMatch(new RegExp(`^CHECKING: ${restore} not checked yet; `));
  });

  test("--verify without the stack's outputs exits 2 and says how to give them", async () => {
    process.env.PATH = fs.mkdtempSync(path.join(dir, "empty-"));
    const { code, out, err } = await notice({ stack: "dev", verify: true });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(
      "--outputs: no outputs of stack dev to take the check URLs from (no Pulumi CLI on PATH); pulumi up the stack first, or pass --outputs <file> made with pulumi stack output --json --stack dev > outputs.json",
    );
  });

  test("--verify reports DEGRADED and names the failing check of the active color", async () => {
    const proxy = await startDevStack(dir, running, { "dashboard-blue": { status: "down" } });
    const { out } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
      outputsFile: await writeOutputs("dev"),
    });
    expect(field(out, "Services")).toContain("DEGRADED: ");
    expect(field(out, "Services")).toContain('dashboard-blue (status "down")');
    expect(field(out, "Data Integrity")).toMatch(
      /^COMPROMISED: failed on blue: .*dashboard-blue \(status "down"\)/,
    );
  });

  test("--verify reports an unhealthy standby as running with the standby named", async () => {
    const proxy = await startDevStack(dir, running, { "dashboard-green": { status: "down" } });
    const { out } = await notice({
      stack: "dev",
      verify: true,
      endpoint: `http://127.0.0.1:${proxy}`,
      outputsFile: await writeOutputs("dev"),
    });
    expect(field(out, "Services")).toBe(
      'RUNNING: inference, bot, webapp, dashboard, notifier on blue @ 2026.11.4; standby not healthy: dashboard-green (status "down")',
    );
  });
});

function result(partial: Partial<HealthResult> & { name: string }): HealthResult {
  return { url: "http://x", ok: true, detail: "ok", ms: 1, severity: "critical", ...partial };
}

function bot(color: Color, observed: Observation | undefined, ok = true): HealthResult {
  return result({ name: `bot-${color}`, kind: "health", service: "bot", color, observed, ok });
}

const LIVE: Observation = { tradingMode: "live", leaseHeld: true, release: "2026.11.4" };
const PAPER: Observation = { tradingMode: "paper", leaseHeld: false, release: "2026.11.3" };
const HEALTHY_BLUE = ["webapp", "dashboard", "inference", "notifier"].map((service) =>
  result({ name: `${service}-blue`, kind: "health", service, color: "blue" }),
);

describe("the notice's status, from observations only", () => {
  async function status(input: Partial<NoticeInput>): Promise<RollbackNotice["status"]> {
    const source = readStackSource(dir, "dev");
    const plan = await planStack({ source, now: new Date() });
    const config = validateStackConfig(source.values, new Date());
    return buildNotice({ plan, config, ...input }).status;
  }

  test("trading as the bots reported it: live, PAPER_MODE or SUSPENDED", async () => {
    const paper = await status({ verification: [bot("blue", LIVE), bot("green", PAPER)] });
    expect(paper.trading).toBe(
      "ACTIVE: bot-blue trades live on 2026.11.4; bot-green in PAPER_MODE",
    );
    const suspended = await status({
      verification: [bot("blue", LIVE), bot("green", { tradingMode: "suspended" })],
    });
    expect(suspended.trading).toBe(
      "ACTIVE: bot-blue trades live on 2026.11.4; bot-green SUSPENDED",
    );
  });

  test("the live bot is named as observed, even when the config says the other", async () => {
    const { trading } = await status({
      verification: [bot("blue", PAPER), bot("green", { ...LIVE, release: "2026.11.3" })],
    });
    expect(trading).toBe(
      "ACTIVE: bot-green trades live on 2026.11.3 although the switch record names blue; bot-blue in PAPER_MODE",
    );
  });

  test("two live bots are an alarm that names both and never says paper mode", async () => {
    const { trading } = await status({
      verification: [bot("blue", LIVE), bot("green", { ...PAPER, leaseHeld: true })],
    });
    expect(trading).toBe(
      "ACTIVE: TWO LIVE BOTS (bot-blue, bot-green): stop bot-green now, the switch record names blue; then find out why it went live",
    );
    expect(trading).not.toContain("PAPER_MODE");
  });

  test("no bot live: SUSPENDED when both were observed, UNVERIFIED when one was not", async () => {
    const none = await status({ verification: [bot("blue", PAPER), bot("green", PAPER)] });
    expect(none.trading).toBe(
      "SUSPENDED: no bot trades live (bot-blue in PAPER_MODE, bot-green in PAPER_MODE)",
    );
    const unseen = await status({
      verification: [
        bot("blue", PAPER),
        result({
          name: "bot-green",
          service: "bot",
          color: "green",
          ok: false,
          detail: "HTTP 503",
        }),
      ],
    });
    expect(unseen.trading).toBe(
      "UNVERIFIED: no bot was seen trading live, but not every bot was observed (bot-blue in PAPER_MODE, bot-green not observed: HTTP 503)",
    );
  });

  test("data integrity VERIFIED only when the database services of the active color passed", async () => {
    const verified = await status({
      verification: [bot("blue", LIVE), bot("green", PAPER), ...HEALTHY_BLUE],
    });
    expect(verified.dataIntegrity).toMatch(
      /^VERIFIED: every check of the services that use the database on blue passed \(3\); this rollback changes no database/,
    );
    const standbyDown = await status({
      verification: [
        bot("blue", LIVE),
        ...HEALTHY_BLUE,
        result({
          name: "webapp-green",
          service: "webapp",
          color: "green",
          ok: false,
          severity: "warning",
        }),
      ],
    });
    expect(standbyDown.dataIntegrity).toMatch(/^VERIFIED: /);
    const down = await status({
      verification: [
        bot("blue", LIVE),
        ...HEALTHY_BLUE.filter((r) => r.service !== "webapp"),
        result({
          name: "webapp-blue",
          service: "webapp",
          color: "blue",
          ok: false,
          detail: "HTTP 500",
        }),
      ],
    });
    expect(down.dataIntegrity).toMatch(/^COMPROMISED: failed on blue: webapp-blue \(HTTP 500\); /);
    const notDb = await status({
      verification: [
        bot("blue", LIVE),
        ...HEALTHY_BLUE.filter((r) => r.service !== "notifier"),
        result({ name: "notifier-blue", service: "notifier", color: "blue", ok: false }),
      ],
    });
    expect(notDb.dataIntegrity).toMatch(/^VERIFIED: /);
  });

  test("a declared restore: CHECKING until its check is given, then VERIFIED or COMPROMISED", async () => {
    await rollback({
      restore: "2026.11.3",
      class: "emergency",
      expires: "2h",
      trigger: "data-loss",
    });
    // The restore goes to the standby (green); blue stays active until the second switch.
    const observed = [bot("blue", LIVE), bot("green", PAPER), ...HEALTHY_BLUE];
    const restore =
      "restore of green's database into aitb-dev-postgres/aitb_restore_release_2026_11_3 from the snapshot of release 2026.11.3";
    expect((await status({ verification: observed })).dataIntegrity).toBe(
      `CHECKING: ${restore} not checked yet; every check of the services that use the database on blue passed (3)`,
    );
    expect(
      (
        await status({
          verification: observed,
          restoreCheck: { ok: true, detail: "row counts match" },
        })
      ).dataIntegrity,
    ).toBe(
      `VERIFIED: every check of the services that use the database on blue passed (3); restore checked: row counts match; ${restore}`,
    );
    const failed = await status({
      verification: observed,
      restoreCheck: { ok: false, detail: "orders table is empty" },
    });
    expect(failed.dataIntegrity).toBe(
      `COMPROMISED: the restore check failed: orders table is empty; ${restore}`,
    );
    const unverified = await status({
      restoreCheck: { ok: false, detail: "orders table is empty" },
    });
    expect(unverified.dataIntegrity).toMatch(/^COMPROMISED: the restore check failed/);
    expect(unverified.trading).toMatch(/^UNVERIFIED: /);
  });

  test("an InfluxDB restore is named in the notice and keeps it at CHECKING: aitb verify does not check it", async () => {
    const file = path.join(dir, "Pulumi.dev.yaml");
    fs.writeFileSync(file, `${fs.readFileSync(file, "utf8").trimEnd()}\n  aitb:influxdb: {}\n`);
    await rollback({
      restore: "2026.11.3",
      databases: ["influxdb"],
      class: "emergency",
      expires: "2h",
      trigger: "data-loss",
    });
    const source = readStackSource(dir, "dev");
    const plan = await planStack({ source, now: new Date() });
    const config = validateStackConfig(source.values, new Date());
    const built = buildNotice({
      plan,
      config,
      verification: [bot("blue", LIVE), bot("green", PAPER), ...HEALTHY_BLUE],
    });
    expect(built.status.dataIntegrity).toBe(
      "CHECKING: InfluxDB restore of green into aitb-dev-influxdb/aitb_trading_restore_release_2026_11_3 from the backup of release 2026.11.3 (not checked by aitb verify: compare it with the live database's counts); every check of the services that use the database on blue passed (3)",
    );
    expect(built.status.dataIntegrity).not.toContain("changes no database");
    expect(built.details.rollbackType).toContain("InfluxDB restore on green");
    expect(built.nextSteps.join("\n")).toContain(
      "Check the restored database of green (compare the counts with the live database), then switch to it: aitb rollback --stack dev --class emergency",
    );

    // Once an earlier incident completed it, the restore is no news to a later change's notice.
    const later = {
      ...config,
      change: { ...config.change, incident: "INC-5000" },
      influxdb: {
        ...config.influxdb!,
        restore: { ...config.influxdb!.restore!, performedAt: "2026-11-28T15:30:00Z" },
      },
    };
    const next = buildNotice({ plan, config: later, verification: [] });
    expect(next.details.rollbackType).not.toContain("InfluxDB");
    expect(next.status.dataIntegrity).not.toContain("InfluxDB");
  });
});
