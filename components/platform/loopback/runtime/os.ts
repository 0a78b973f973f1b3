/**
 * What the loopback providers need from the machine: running programs, waiting, probing ports and
 * health URLs, process liveness. Node built-ins only: this runs inside Pulumi's dynamic-provider
 * host, which loads it from dist/ by absolute path.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  uid?: number;
  gid?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion and returns its exit code and output (never throws on exit code). */
export function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a program that must succeed; the error names what failed and carries its output. */
export async function runChecked(
  what: string,
  file: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim();
    throw new Error(
      `${what} failed (exit ${result.code ?? "signal"}): ${tail(output) || "no output"}`,
    );
  }
  return result;
}

/** The last lines of a text, for error messages. */
export function tail(text: string, lines = 20): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

export function readTail(file: string, lines = 20): string {
  try {
    return tail(fs.readFileSync(file, "utf8"), lines);
  } catch {
    return "";
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Whether something accepts TCP connections at host:port. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET with a timeout; undefined when nothing answered. */
export function httpGet(url: string, timeoutMs = 3_000): Promise<HttpAnswer | undefined> {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
      response.on("error", () => resolve(undefined));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(undefined));
  });
}

/** Whether a process exists (and is not a zombie). */
export function alive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The command line of a process, or "" when it is gone. */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0].trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number, name: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, name);
  } catch {
    // Already gone.
  }
}

/** Waits until a process is gone (or a zombie), at most `ms`; true when it is. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await sleep(50);
  return !alive(pid);
}

/** Asks a process (or its group) to stop, then kills it when the grace period runs out. */
export async function stopProcess(
  pid: number,
  options: { signal: NodeJS.Signals; graceMs: number; group?: boolean },
): Promise<void> {
  const group = options.group ?? false;
  signal(pid, options.signal, group);
  if (!(await waitForExit(pid, options.graceMs))) {
    signal(pid, "SIGKILL", group);
    await waitForExit(pid, 2_000);
  }
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Fails with a message naming the config key when a program the target needs is missing. */
export function requireExecutable(file: string, key: string, install: string): void {
  if (!isExecutable(file)) {
    throw new Error(`${file} is not an executable program (${key}); ${install}`);
  }
}

/** PATH for a program the provider runs: the given folders first, then the provider's own PATH. */
export function pathWith(folders: readonly string[]): string {
  return [...folders, process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"].join(":");
}

/** An account PostgreSQL will run as: itself when not root, else `postgres` (it refuses root). */
export interface Account {
  uid?: number;
  gid?: number;
}

export function serverAccount(
  fix = "run `pulumi up` as a normal user, or install Debian's postgresql package, which creates it",
): Account {
  if (process.getuid?.() !== 0) return {};
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line) {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no \`postgres\` account; ${fix}`,
    );
  }
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Same JSON for the same value regardless of key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : item,
  );
}

/** The keys whose values differ between old outputs and new inputs. */
export function changedKeys<T extends object>(
  olds: T,
  news: T,
  keys: readonly (keyof T)[],
): (keyof T)[] {
  return keys.filter((key) => stableJson(olds[key]) !== stableJson(news[key]));
}
