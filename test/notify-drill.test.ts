import { notifyDrillText, runNotifyDrill } from "../drills/notify/drill";

describe("aitb drill notify (short form)", () => {
  test("every stage reaches every channel, Slack's 500 is retried, a resend sends nothing, the report is written", async () => {
    const lines: string[] = [];
    const report = await runNotifyDrill({
      stack: "dev",
      host: "127.0.0.1",
      log: (line) => lines.push(line),
    });
    expect(report.targets).toEqual({
      everyStageDelivered: true,
      retriedAfter500: true,
      resendSentNothing: true,
      reportWritten: true,
      noSecretInOutput: true,
    });
    const byReceiver = Object.fromEntries(report.received.map((r) => [r.receiver, r]));
    // now: slack (500, 200), pagerduty, email; 1h: teams, email; 4h: email, slack.
    expect(byReceiver.slack.statuses).toEqual([500, 200, 200]);
    expect(byReceiver.teams.requests).toBe(1);
    expect(byReceiver.pagerduty.what).toBe(`dedup_key aitb/dev/${report.incident}`);
    expect(byReceiver.smtp.requests).toBe(3);
    expect(report.resend.lines.filter((l) => l.includes("already delivered"))).toHaveLength(3);
    expect(report.report.recovery).toContain("MET (target < 5 min)");
    expect(notifyDrillText(report)).toContain("targets: everyStageDelivered met");
  }, 120_000);
});
