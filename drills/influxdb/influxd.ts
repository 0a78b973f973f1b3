import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Cleanup } from "../cleanup";
import { assertLoopback } from "../loopback";
import { freePort } from "../ports";
import { runCommand, stopGroup } from "../processes";
import { findExecutable, INSTALL_HINT, MissingToolError } from "../tools";
import type { InfluxServer } from "../../components/platform/docker/influxScripts";

export interface InfluxPrograms {
  influxd: string;
  influx: string;
}

/** influxd and the influx CLI (Debian's influxdb and influxdb-client packages). */
export function influxPrograms(): InfluxPrograms {
  const influxd = findExecutable("influxd");
  const influx = findExecutable("influx");
  const missing = [influxd ? "" : "influxd", influx ? "" : "influx"].filter(Boolean);
  if (!influxd || !influx) {
    throw new MissingToolError(
      `InfluxDB is not installed: ${missing.join(", ")} not found; ${INSTALL_HINT.replace("nginx, PostgreSQL 15 and wrk", "nginx, PostgreSQL 15, wrk and InfluxDB")}`,
    );
  }
  return { influxd, influx };
}

export interface InfluxInstance {
  server: InfluxServer;
  version: string;
  /** One InfluxQL statement over HTTP (POST /query); throws on an error result. */
  query(q: string, database?: string): Promise<InfluxResult[]>;
  /** Line protocol, written over HTTP (POST /write, precision ns). */
  write(database: string, lines: string): Promise<void>;
}

export interface InfluxSeries {
  name: string;
  columns: string[];
  values: unknown[][];
}

export interface InfluxResult {
  series?: InfluxSeries[];
  error?: string;
}

function config(folder: string, host: string, rpcPort: number, httpPort: number): string {
  return [
    "reporting-disabled = true",
    `bind-address = "${host}:${rpcPort}"`,
    "[meta]",
    `  dir = "${path.join(folder, "meta")}"`,
    "[data]",
    `  dir = "${path.join(folder, "data")}"`,
    `  wal-dir = "${path.join(folder, "wal")}"`,
    "  query-log-enabled = false",
    "[http]",
    `  bind-address = "${host}:${httpPort}"`,
    "  log-enabled = false",
    "[monitor]",
    "  store-enabled = false",
    "[continuous_queries]",
    "  enabled = false",
    "",
  ].join("\n");
}

/**
 * A private influxd in `folder`: its own meta, data and WAL folders, HTTP and the backup/restore
 * RPC address on free loopback ports, no reporting; stopped (then killed) by the cleanup.
 */
export async function startInfluxd(
  cleanup: Cleanup,
  options: { folder: string; host: string; programs: InfluxPrograms },
): Promise<InfluxInstance> {
  const host = assertLoopback(options.host, "the InfluxDB address");
  const serverDir = path.join(options.folder, "server");
  fs.mkdirSync(serverDir, { recursive: true });
  const rpcPort = await freePort(host);
  let httpPort = await freePort(host);
  while (httpPort === rpcPort) httpPort = await freePort(host);
  const configFile = path.join(serverDir, "influxdb.conf");
  fs.writeFileSync(configFile, config(serverDir, host, rpcPort, httpPort));
  const logFile = path.join(serverDir, "influxd.log");
  const log = fs.openSync(logFile, "a");
  const child = spawn(options.programs.influxd, ["run", "-config", configFile], {
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, INFLUXDB_CONFIG_PATH: configFile },
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error("influxd did not start");
  const pid = child.pid;
  cleanup.group(pid, "influxd", () => stopGroup(pid, "SIGTERM", 5_000));
  const base = `http://${host}:${httpPort}`;
  const readLog = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim() : "");
  const deadline = Date.now() + 20_000;
  let version = "";
  for (;;) {
    try {
      const ping = await fetch(`${base}/ping`);
      if (ping.status === 204) {
        version = ping.headers.get("x-influxdb-version") ?? "";
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`influxd did not come up on ${host}:${httpPort}: ${readLog().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!version) {
    version = (await runCommand(options.programs.influxd, ["version"])).stdout.trim();
  }
  return {
    server: {
      rpc: `${host}:${rpcPort}`,
      httpHost: host,
      httpPort,
      influxd: options.programs.influxd,
      influx: options.programs.influx,
    },
    version: version.startsWith("InfluxDB") ? version : `InfluxDB ${version}`,
    async query(q, database) {
      const body = new URLSearchParams({ q, ...(database ? { db: database } : {}) });
      const response = await fetch(`${base}/query`, { method: "POST", body });
      const json = (await response.json()) as { results?: InfluxResult[]; error?: string };
      const failed = json.error ?? json.results?.find((result) => result.error)?.error;
      if (!response.ok || failed)
        throw new Error(`InfluxQL "${q}" failed: ${failed ?? response.status}`);
      return json.results ?? [];
    },
    async write(database, lines) {
      const response = await fetch(`${base}/write?db=${encodeURIComponent(database)}`, {
        method: "POST",
        body: lines,
      });
      if (response.status !== 204) {
        throw new Error(`write to ${database} failed: ${response.status} ${await response.text()}`);
      }
    },
  };
}
