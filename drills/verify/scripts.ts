import { spawn } from "node:child_process";
import type { Cleanup } from "../cleanup";
import { nowMs } from "../clock";
import { stopGroup } from "../processes";

/** One line the script printed, parsed, with the time it arrived. */
export interface ScriptLine {
  at: number;
  value: Record<string, unknown>;
}

export interface ScriptRun {
  code: number | null;
  lines: ScriptLine[];
  stderr: string;
  startedAt: number;
  endedAt: number;
}

/**
 * Runs one of the product's `node -e` scripts (the check runner, the analysis) as the update
 * runs it, with `env` on top of this process's environment. Each JSON line is timestamped as it
 * arrives and handed to `onLine`.
 */
export function runNodeScript(
  cleanup: Cleanup,
  label: string,
  script: string,
  env: Record<string, string>,
  onLine: (line: ScriptLine) => void = () => undefined,
): Promise<ScriptRun> {
  const startedAt = nowMs();
  const child = spawn(process.execPath, ["-e", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${label} did not start`);
  const pid = child.pid;
  cleanup.group(pid, label, () => stopGroup(pid, "SIGTERM", 2_000));
  const lines: ScriptLine[] = [];
  let pending = "";
  let stderr = "";
  const take = (text: string, at: number): void => {
    if (!text.trim()) return;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      value = { text };
    }
    const line = { at, value };
    lines.push(line);
    onLine(line);
  };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const at = nowMs();
    const complete = (pending + chunk).split("\n");
    pending = complete.pop() ?? "";
    for (const text of complete) take(text, at);
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      take(pending, nowMs());
      resolve({ code, lines, stderr, startedAt, endedAt: nowMs() });
    });
  });
}
