import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openLogWriter } from "../reference-service/logWriter";
import { parseLogLine } from "../contract/logs";

describe("the reference service's log writer", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-writer-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("appends numbered lines to <AITB_LOG_DIR>/<service>.log and to stdout; a new writer appends after the old", () => {
    const printed: string[] = [];
    const fields = { service: "bot", color: "blue", release: "2026.11.4" };
    const first = openLogWriter({ dir, service: "bot", fields, stdout: (t) => printed.push(t) });
    expect(first.write("heartbeat")).toBe(1);
    expect(first.write("request", { url: "/x" })).toBe(2);
    first.close();
    first.close();
    const second = openLogWriter({ dir, service: "bot", fields, stdout: () => undefined });
    second.write("listening");
    second.close();
    const lines = fs
      .readFileSync(path.join(dir, "bot.log"), "utf8")
      .trimEnd()
      .split("\n")
      .map(parseLogLine);
    expect(lines.map((l) => [l?.seq, l?.event])).toEqual([
      [1, "heartbeat"],
      [2, "request"],
      [3, "log-closed"],
      [1, "listening"],
      [2, "log-closed"],
    ]);
    expect(lines[2]).toMatchObject({
      lines: 3,
      service: "bot",
      color: "blue",
      release: "2026.11.4",
    });
    expect(printed).toHaveLength(3);
    expect(first.write("after close")).toBe(3);
  });

  it("writes stdout only without AITB_LOG_DIR", () => {
    const printed: string[] = [];
    const writer = openLogWriter({ service: "webapp", fields: {}, stdout: (t) => printed.push(t) });
    writer.write("listening");
    expect(writer.file).toBeUndefined();
    expect(printed[0]).toMatch(/"seq":1,.*"event":"listening"/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
