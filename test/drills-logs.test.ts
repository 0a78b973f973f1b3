import { DrillOptionError } from "../drills/options";
import { LoopbackError } from "../drills/loopback";
import { auditLog } from "../drills/logs/lines";
import {
  LOGS_DEFAULTS,
  logsDrillMet,
  logsDrillText,
  runLogsDrill,
  type LogsDrillReport,
} from "../drills/logs/drill";
import { requireBuild } from "./support/loopback";

/**
 * `aitb drill logs`, short: the bot's process replaced as the loopback target replaces it, under
 * a steady stream of numbered heartbeat and request lines, after a forensic copy of the logs.
 */
describe("logs drill (short)", () => {
  let report: LogsDrillReport;
  beforeAll(async () => {
    requireBuild();
    report = await runLogsDrill({
      ...LOGS_DEFAULTS,
      beforeS: 1.5,
      afterS: 1.5,
      requestIntervalMs: 20,
    });
  }, 60_000);

  it("finds every line the old and the new process numbered, in order, and meets its targets", () => {
    expect(report.lines.old).toBeGreaterThan(20);
    expect(report.lines.new).toBeGreaterThan(20);
    expect(report.lines.written).toBe(report.lines.old + report.lines.new);
    expect(report.lines.found).toBe(report.lines.written);
    expect(report.lines.lost).toBe(0);
    expect(report.inOrder).toBe(true);
    expect(report.requests.answered).toBeGreaterThan(10);
    expect(report.requests.answeredWithoutLine).toBe(0);
    expect(report.gapMs).toBeGreaterThanOrEqual(0);
    expect(report.forensicCopy).toMatchObject({ verified: true, prefixOfLog: true, files: 1 });
    expect(logsDrillMet(report)).toBe(true);
    expect(logsDrillText(report)).toMatch(/found \d+, lost 0 {2}\[target 0: met\]/);
  });

  it("refuses bad options and an address off loopback before starting anything", async () => {
    await expect(runLogsDrill({ ...LOGS_DEFAULTS, heartbeatMs: 0 })).rejects.toThrow(
      DrillOptionError,
    );
    await expect(runLogsDrill({ ...LOGS_DEFAULTS, host: "10.0.0.8" })).rejects.toThrow(
      LoopbackError,
    );
  });
});

describe("the drill's reading of a retained log", () => {
  const line = (pid: number, seq: number, event = "heartbeat", extra = "") =>
    `{"time":"2026-12-02T07:00:00.${String(seq).padStart(3, "0")}Z","seq":${seq},"pid":${pid},"event":"${event}"${extra}}`;

  it("counts a missing line as lost and a process without its last line by its highest number", () => {
    const text = [
      line(1, 1),
      line(1, 3),
      line(1, 4, "log-closed", ',"lines":4'),
      line(2, 1),
      line(2, 2),
    ].join("\n");
    const audit = auditLog(text);
    expect(audit.lost).toBe(1);
    expect(audit.processes[0]).toMatchObject({ written: 4, found: 3, missing: [2], closed: true });
    expect(audit.processes[1]).toMatchObject({ written: 2, closed: false });
  });

  it("says out of order when two processes' lines interleave or a number goes back", () => {
    expect(auditLog([line(1, 1), line(2, 1), line(1, 2)].join("\n")).inOrder).toBe(false);
    expect(auditLog([line(1, 2), line(1, 1)].join("\n")).inOrder).toBe(false);
    expect(auditLog([line(1, 1), line(1, 2), line(2, 1)].join("\n")).inOrder).toBe(true);
  });
});
