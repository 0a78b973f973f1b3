import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { afterUp } from "../cli/commands/notice/sendAfterUp";
import { readIncidentLog } from "../cli/commands/report/incidentLog";
import type { Verification } from "../cli/commands/verify";
import { planStack } from "../cli/engine/plan";
import { readStackSource } from "../cli/engine/stackFiles";
import { masked } from "../cli/shared/io";
import type { HealthResult } from "../components/health/checks";
import { channelSecretEnv } from "../config/notifications";
import { validateStackConfig } from "../config/validate";
import { startHttpReceiver, type HttpReceiver } from "./support/receivers";
import { captureIo, removeProject, tempProject } from "./workflow/support";

const NOW = new Date("2026-11-25T20:00:00Z");
const SLACK = "/services/T0UP/B0UP/upSlackTokenS3cr3t01";

let dir: string;
let http: HttpReceiver;

beforeEach(async () => {
  dir = tempProject();
  http = await startHttpReceiver();
  fs.writeFileSync(
    path.join(dir, "notifications.yaml"),
    stringify({
      channels: { "team-slack": { kind: "slack" } },
      tiers: {
        now: { audience: ["Trading team"], channels: ["team-slack"] },
        "1h": { audience: ["Compliance"], channels: [] },
        "4h": { audience: ["Report"], channels: [] },
      },
      stacks: { prod: { channels: ["team-slack"] } },
      contacts: {
        "devops-lead": { role: "DevOps Lead", phone: "+1-555-0100", group: "response" },
        cto: { role: "CTO", phone: "+1-555-0110", group: "escalation" },
      },
    }),
  );
});
afterEach(async () => {
  await http.close();
  removeProject(dir);
});

async function run(applied: boolean, results: HealthResult[]) {
  const source = readStackSource(dir, "prod");
  const config = validateStackConfig(source.values, NOW);
  const plan = await planStack({ source, now: NOW });
  const verification: Verification = {
    plan,
    results,
    findings: [],
    passed: results.every((r) => r.ok),
  };
  const captured = captureIo(dir, () => NOW);
  const io = { ...captured, out: masked(captured.out), err: masked(captured.err) };
  const sent = await afterUp(
    {
      stack: "prod",
      config,
      applied,
      failure: applied ? undefined : "the update or its analysis failed",
      verification,
      outputs: { activeColor: "green" },
      env: { PATH: "/nonexistent", [channelSecretEnv("team-slack")]: http.url(SLACK) },
    },
    io,
  );
  return { sent, stderr: captured.stderr() };
}

const check = (ok: boolean): HealthResult => ({
  name: "webapp green health",
  url: "http://127.0.0.1:1/health",
  ok,
  detail: ok ? "200" : "503",
  ms: 3,
  severity: "critical",
});

describe("aitb up, after the update", () => {
  test("a passed update logs the update, the verification and the outputs, and sends the first stage", async () => {
    const { sent, stderr } = await run(true, [check(true)]);
    expect(sent).toBe(true);
    expect(stderr).toMatch(/delivered +team-slack \(slack\)/);
    expect(stderr).not.toContain("Emergency contacts");
    expect(stderr).not.toContain(SLACK);
    const log = readIncidentLog(dir, "prod", "CHG-2304");
    expect(log.map((entry) => entry.kind)).toEqual(["update", "verification", "outputs"]);
    expect(log[1]).toMatchObject({ passed: true, checks: 1 });
    const text = (http.to(SLACK)[0].body as { text: string }).text;
    expect(text).toContain("Services: RUNNING");
  });

  test("a failed update still sends the notice (with what failed) and prints the emergency contacts", async () => {
    const { sent, stderr } = await run(false, [check(false)]);
    expect(sent).toBe(true);
    expect(stderr).toContain("Emergency contacts (notifications.yaml):");
    expect(stderr).toContain("    - DevOps Lead: +1-555-0100");
    expect(stderr).toContain("  Escalation:\n    - CTO: +1-555-0110");
    const log = readIncidentLog(dir, "prod", "CHG-2304");
    expect(log[0]).toMatchObject({ kind: "update", ok: false });
    expect(log[1]).toMatchObject({ kind: "verification", passed: false });
    const text = (http.to(SLACK)[0].body as { text: string }).text;
    expect(text).toContain("Services: DOWN");
  });
});
