import { spawn } from "node:child_process";
import type { Cleanup } from "../cleanup";
import { nowMs } from "../clock";
import { stopGroup } from "../processes";
import { findExecutable, MissingToolError, INSTALL_HINT } from "../tools";

/** What wrk reports for one run (its summary, `--latency` distribution). */
export interface WrkFigures {
  requests: number;
  seconds: number;
  rps: number;
  /** Socket errors by kind, and answers that were not 2xx or 3xx. */
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  p50Ms?: number;
  p99Ms?: number;
  startedAt: number;
  endedAt: number;
}

export function wrkBinary(): string {
  const found = findExecutable("wrk");
  if (!found) throw new MissingToolError(`wrk is not installed; ${INSTALL_HINT}`);
  return found;
}

function milliseconds(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

/** Reads wrk's text summary; throws when it is not one (wrk failed to start, say). */
export function parseWrk(text: string): Omit<WrkFigures, "startedAt" | "endedAt"> {
  const summary = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(text);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!summary || !rate) throw new Error(`wrk printed no summary:\n${text.trim()}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const status = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(text);
    return match ? Math.round(milliseconds(match[1], match[2]) * 100) / 100 : undefined;
  };
  return {
    requests: Number(summary[1]),
    seconds: milliseconds(summary[2], summary[3]) / 1000,
    rps: Math.round(Number(rate[1])),
    errors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
      status: Number(status?.[1] ?? 0),
    },
    p50Ms: percentile("50"),
    p99Ms: percentile("99"),
  };
}

/** wrk against `url` for whole seconds, keep-alive, no retry: the raw socket errors. */
export function runWrk(
  cleanup: Cleanup,
  options: { wrk: string; url: string; connections: number; seconds: number; threads: number },
): Promise<WrkFigures> {
  const startedAt = nowMs();
  const child = spawn(
    options.wrk,
    [
      `-t${options.threads}`,
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "5s",
      "--latency",
      options.url,
    ],
    { stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  if (child.pid === undefined) throw new Error("wrk did not start");
  const pid = child.pid;
  cleanup.group(pid, "wrk", () => stopGroup(pid, "SIGTERM", 2_000));
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve({ ...parseWrk(out), startedAt, endedAt: nowMs() });
      } catch (error) {
        reject(error);
      }
    });
  });
}
