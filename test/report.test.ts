import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { runReport } from "../cli/commands/report";
import { appendIncidentLog } from "../cli/commands/report/incidentLog";
import { ledgerFile, writeLedger } from "../cli/commands/notice/sendLedger";
import { recoveryTime, type IncidentReportInput } from "../domain/incidentReport";
import { captureIo, removeProject, stackFile, tempProject } from "./workflow/support";

const T0 = Date.parse("2026-11-28T15:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

let dir: string;

function git(...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "user.name=Alice", "-c", "user.email=alice@example.com", ...args],
    { cwd: dir, encoding: "utf8" },
  );
}

/** Edit the prod stack file (comments kept) and commit it with the given subject. */
function commitProd(subject: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = stackFile(dir, "prod");
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  edit(doc);
  fs.writeFileSync(file, doc.toString());
  git("commit", "-qam", subject);
}

function change(incident: string, minutes: number, reason: string, extra = {}) {
  return {
    class: "immediate",
    reason,
    incident,
    requestedBy: "alice",
    at: at(minutes),
    trigger: "bot-execution-errors",
    ...extra,
  };
}

async function report(incident: string, out?: string) {
  const io = captureIo(dir, () => new Date(at(60)));
  const code = await runReport({ stack: "prod", incident, out }, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

beforeEach(() => {
  dir = tempProject();
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-qm", "The stacks as they are");
});
afterEach(() => removeProject(dir));

describe("aitb report --incident", () => {
  test("the timeline comes from the stack file's history; a switch verified in 3 min meets the < 5 min target", async () => {
    commitProd("Rollback prod to blue for INC-77", (doc) => {
      doc.setIn(["config", "aitb:activeColor"], "blue");
      doc.setIn(
        ["config", "aitb:change"],
        change("INC-77", 0, "Bot execution errors | fills rejected"),
      );
    });
    appendIncidentLog(dir, "prod", "INC-77", {
      at: at(1),
      kind: "update",
      ok: true,
      detail: "applied",
    });
    appendIncidentLog(dir, "prod", "INC-77", {
      at: at(2),
      kind: "verification",
      passed: false,
      checks: 12,
      failed: ["bot blue heartbeat (stale: 300 s)"],
    });
    appendIncidentLog(dir, "prod", "INC-77", {
      at: at(3),
      kind: "verification",
      passed: true,
      checks: 12,
      failed: [],
    });
    writeLedger(ledgerFile(dir, "prod", "INC-77", "now"), {
      stack: "prod",
      incident: "INC-77",
      stage: "now",
      delivered: { "trading-slack": { kind: "slack", at: at(4), attempts: 2, detail: "HTTP 200" } },
    });
    const { code, stdout } = await report("INC-77");
    expect(code).toBe(0);
    const commit = git("rev-parse", "HEAD").trim().slice(0, 12);
    expect(stdout).toContain("# Incident report INC-77 (stack prod)");
    expect(stdout).toContain(
      `| ${at(0)} | Decision: immediate change by alice: Bot execution errors \\| fills rejected; trigger bot-execution-errors; switch green → blue | aitb:change |`,
    );
    expect(stdout).toContain(`| git ${commit} |`);
    expect(stdout).toContain("Verification failed: bot blue heartbeat (stale: 300 s)");
    expect(stdout).toContain(
      "Notice (stage now) delivered to trading-slack (slack) | delivery ledger |",
    );
    expect(stdout).toContain("Kind: Immediate blue/green switch, target < 5 min.");
    expect(stdout).toContain(`| ${at(0)} | ${at(3)} | 3.0 min: MET (target < 5 min) |`);
    expect(stdout).toContain("| 2026.11.4 | green | 2026-11-24T22:15:00Z | - | - |");
    // What nobody observed is left to fill, never invented.
    expect(stdout).toMatch(/## Root cause analysis[\s\S]*_to fill: the root cause/);
    expect(stdout).toMatch(
      /## Impact assessment[\s\S]*Observed: 3\.0 min[\s\S]*_to fill: financial impact/,
    );
    expect(stdout).toMatch(/## Lessons learned\n\n_to fill:/);
    // The timeline's rows are in time order.
    const section = stdout.slice(stdout.indexOf("## Timeline"), stdout.indexOf("## Recovery"));
    const times = [...section.matchAll(/^\| (\d{4}-[^ ]+) \|/gm)].map((m) => Date.parse(m[1]));
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test("a re-pin is a full rollback: 40 min misses the 10-30 min target", async () => {
    commitProd("Full rollback of green to 2026.11.3 for INC-78", (doc) => {
      doc.setIn(["config", "aitb:slots", "green", "release"], "2026.11.3");
      doc.setIn(["config", "aitb:change"], change("INC-78", 0, "Model m-43 misprices"));
    });
    appendIncidentLog(dir, "prod", "INC-78", {
      at: at(40),
      kind: "verification",
      passed: true,
      checks: 12,
      failed: [],
    });
    const { code, stdout } = await report("INC-78");
    expect(code).toBe(0);
    expect(stdout).toContain("re-pin green 2026.11.4 → 2026.11.3");
    expect(stdout).toContain("Kind: Full rollback, target 10-30 min.");
    expect(stdout).toContain("40.0 min: MISSED (target 10-30 min)");
  });

  test("a declared restore of each database is a timeline event of a full rollback", async () => {
    const restore = {
      color: "green",
      reason: "Candles overwritten",
      incident: "INC-79",
      fromRelease: "2026.11.3",
    };
    commitProd("Restore green's databases for INC-79", (doc) => {
      doc.setIn(["config", "aitb:database", "restore"], restore);
      doc.setIn(["config", "aitb:influxdb"], { restore });
      doc.setIn(["config", "aitb:change"], change("INC-79", 0, "Candles overwritten"));
    });
    const { code, stdout } = await report("INC-79");
    expect(code).toBe(0);
    expect(stdout).toContain(
      "restore: green from snapshot of 2026.11.3; InfluxDB green from snapshot of 2026.11.3",
    );
    expect(stdout).toContain("Kind: Full rollback, target 10-30 min.");
  });

  test("without a passing verification it says not recovered yet; --out writes the file", async () => {
    commitProd("Rollback for INC-79", (doc) => {
      doc.setIn(["config", "aitb:activeColor"], "blue");
      doc.setIn(["config", "aitb:change"], change("INC-79", 0, "Errors"));
    });
    const out = path.join(dir, "reports", "INC-79.md");
    const { code, stdout, stderr } = await report("INC-79", out);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toContain(out);
    expect(fs.readFileSync(out, "utf8")).toContain("not recovered yet");
  });

  test("an incident no change record names, or an id that is not a plain token, is bad input (exit 2)", async () => {
    const unknown = await report("INC-404");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--incident");
    expect(unknown.stderr).toContain('no change record of stack prod names "INC-404"');
    const traversal = await report("../../etc");
    expect(traversal.code).toBe(2);
    expect(traversal.stderr).toContain("cannot name the incident's ledger and log");
  });
});

describe("recovery time", () => {
  const base: IncidentReportInput = {
    stack: "prod",
    incident: "INC-1",
    generatedAt: at(60),
    timeline: [],
    log: [],
    deliveries: [],
    releaseHistory: [],
    sources: [],
  };
  const entry = (minutes: number, repinned: string[] = []) => ({
    commit: "abc",
    committedAt: at(minutes),
    subject: "s",
    change: { class: "immediate", reason: "r", requestedBy: "a", at: at(minutes) },
    activeColor: "blue",
    repinned,
  });

  test("counts from the earliest decision to the first passing verification after it", () => {
    const recovery = recoveryTime({
      ...base,
      timeline: [entry(2), entry(0)],
      log: [
        { at: at(-5), kind: "verification", passed: true, checks: 1, failed: [] },
        { at: at(4), kind: "verification", passed: false, checks: 1, failed: ["x"] },
        { at: at(6), kind: "verification", passed: true, checks: 1, failed: [] },
      ],
    });
    expect(recovery).toMatchObject({ kind: "immediate", actualMinutes: 6, met: false });
    expect(
      recoveryTime({
        ...base,
        timeline: [entry(0, ["green a → b"])],
        log: [{ at: at(25), kind: "verification", passed: true, checks: 1, failed: [] }],
      }),
    ).toMatchObject({ kind: "full", actualMinutes: 25, met: true });
  });
});
