import { spawn, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${code ?? "signal"}): ${stderr.trim() || "no output"}`);
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  uid?: number;
  gid?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program to completion; a non-zero exit is a CommandError carrying its stderr. */
export function runCommand(
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    };
    const child = spawn(file, args, spawnOptions);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const label = [file, ...args].join(" ").slice(0, 200);
      if (code === 0) resolve({ stdout, stderr, ms: performance.now() - started });
      else reject(new CommandError(label, code, stderr));
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(options.input ?? "");
  });
}

/** Runs a shell script (the product's generated steps are shell scripts). */
export function runShell(script: string, options: RunOptions = {}): Promise<RunResult> {
  return runCommand("sh", ["-c", script], options);
}

/** Whether any process of a process group is alive (zombies excluded). */
export function groupAlive(pgid: number): boolean {
  return processesInGroup(pgid).length > 0;
}

/** Live processes whose process group is `pgid`, read from /proc. */
export function processesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the command name (which may hold spaces): state ppid pgrp ...
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== "Z" && Number(fields[2]) === pgid) pids.push(Number(entry));
  }
  return pids;
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Waits until no process of the group is left, up to `timeoutMs`; true when it is empty. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Asks a process group to stop, then kills whatever is left after the grace period. */
export async function stopGroup(
  pgid: number,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  signalGroup(pgid, signal);
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, 2_000);
}
