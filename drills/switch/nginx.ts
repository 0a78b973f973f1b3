import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { proxyReloadScript } from "../../components/platform/docker/scripts";
import { DRAIN_FLAG } from "../../components/platform/switchRecord";
import type { Cleanup } from "../cleanup";
import { nowMs, sleep } from "../clock";
import { assertLoopback } from "../loopback";
import { accepts } from "../ports";
import { CommandError, runCommand, runShell, stopGroup } from "../processes";
import { shellQuote } from "../../domain/quote";

/** What a drill's main config may change: the verify drill logs each request's upstream. */
export interface MainConfigOptions {
  drill: string;
  workers?: string;
  /** A `log_format` line's name and format; without it access logging is off. */
  accessLog?: { name: string; format: string };
}

/**
 * nginx's own main config for a drill: everything under one temporary prefix (pid, logs, temp
 * paths) and, like the official nginx image, an `http {}` that includes the site folder the
 * TrafficRouter writes. Access logging is off unless asked for, to keep disk writes out of the
 * latencies.
 */
export function mainConfig(
  prefix: string,
  options: MainConfigOptions = { drill: "switch", workers: "auto" },
): string {
  const at = (name: string) => path.join(prefix, name);
  const log = options.accessLog;
  return [
    `# Main config of an aitb ${options.drill} drill; the site in conf.d/ is the TrafficRouter's.`,
    "daemon off;",
    "master_process on;",
    `worker_processes ${options.workers ?? "auto"};`,
    `pid ${at("nginx.pid")};`,
    `error_log ${at("error.log")} notice;`,
    "events {",
    "    worker_connections 1024;",
    "}",
    "http {",
    ...(log
      ? [
          `    log_format ${log.name} '${log.format}';`,
          `    access_log ${at("access.log")} ${log.name};`,
        ]
      : ["    access_log off;"]),
    "    sendfile on;",
    "    keepalive_timeout 65;",
    `    client_body_temp_path ${at("temp/body")};`,
    `    proxy_temp_path ${at("temp/proxy")};`,
    `    fastcgi_temp_path ${at("temp/fastcgi")};`,
    `    uwsgi_temp_path ${at("temp/uwsgi")};`,
    `    scgi_temp_path ${at("temp/scgi")};`,
    `    include ${at("conf.d")}/*.conf;`,
    "}",
    "",
  ].join("\n");
}

export interface ReloadTiming {
  startedAt: number;
  endedAt: number;
}

export interface NginxProxy {
  prefix: string;
  /** The command prefix the reload step runs nginx with. */
  command: string;
  /**
   * Writes the site, checks it with `nginx -t`, reloads gracefully: the Docker target's step,
   * with its drain when `drainSeconds` is given (what a site change runs; the old mechanism's
   * switches ran it without).
   */
  applySite(site: string, drainSeconds?: number): Promise<ReloadTiming>;
  errorLog(): string;
}

/** nginx's arguments for a prefix prepared by `preparePrefix`. */
export function nginxArgs(prefix: string): string[] {
  return [
    "-p",
    `${prefix}/`,
    "-c",
    path.join(prefix, "nginx.conf"),
    "-e",
    path.join(prefix, "error.log"),
  ];
}

/** The main config and temp folder under `prefix`; the site goes to `<prefix>/conf.d/`. */
export function preparePrefix(prefix: string): void {
  fs.mkdirSync(path.join(prefix, "temp"), { recursive: true });
  fs.mkdirSync(path.join(prefix, "conf.d"), { recursive: true });
  fs.writeFileSync(path.join(prefix, "nginx.conf"), mainConfig(prefix));
}

/** `nginx -t` of a site inside the drill's main config, in a folder removed afterwards. */
export async function checkSite(
  nginx: string,
  site: string,
): Promise<{ ok: boolean; output: string }> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-nginx-check-"));
  try {
    preparePrefix(prefix);
    fs.writeFileSync(path.join(prefix, "conf.d", "aitb.conf"), site);
    try {
      const result = await runCommand(nginx, [...nginxArgs(prefix), "-t"]);
      return { ok: true, output: result.stderr };
    } catch (error) {
      if (error instanceof CommandError) return { ok: false, output: error.stderr };
      throw error;
    }
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

/** Where the site's drain flag is, as the drill's nginx sees it. */
export function drainFlagOf(prefix: string): string {
  return path.join(prefix, "conf.d", DRAIN_FLAG);
}

/** The drill's nginx: prepared under `prefix`, the first site written by the product's step. */
export async function startNginx(
  cleanup: Cleanup,
  options: { nginx: string; prefix: string; site: string; host: string; port: number },
): Promise<NginxProxy> {
  assertLoopback(options.host, "the proxy's address");
  const { prefix } = options;
  const pidFile = path.join(prefix, "nginx.pid");
  const errorLog = path.join(prefix, "error.log");
  preparePrefix(prefix);
  const args = nginxArgs(prefix);
  const command = [options.nginx, ...args].map(shellQuote).join(" ");
  const script = (drainSeconds?: number) =>
    proxyReloadScript({
      dir: path.join(prefix, "conf.d"),
      nginx: command,
      running: `[ -f ${shellQuote(pidFile)} ] && kill -0 "$(cat ${shellQuote(pidFile)})" 2>/dev/null`,
      ...(drainSeconds === undefined ? {} : { drain: { flag: DRAIN_FLAG, seconds: drainSeconds } }),
    });
  const applySite = async (site: string, drainSeconds?: number): Promise<ReloadTiming> => {
    const startedAt = nowMs();
    await runShell(script(drainSeconds), { input: site });
    return { startedAt, endedAt: nowMs() };
  };
  const readErrorLog = () => (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, "utf8") : "");

  // nginx is not running yet: the step writes the site only, as before the proxy container starts.
  await applySite(options.site);
  await runCommand(options.nginx, [...args, "-t", "-q"]);
  const master = spawn(options.nginx, args, { detached: true, stdio: "ignore" });
  if (master.pid === undefined) throw new Error(`nginx did not start: ${readErrorLog()}`);
  const pid = master.pid;
  cleanup.group(pid, "nginx", () => stopGroup(pid, "SIGQUIT", 5_000));
  const deadline = Date.now() + 10_000;
  while (!(fs.existsSync(pidFile) && (await accepts(options.host, options.port)))) {
    if (master.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `nginx did not come up on ${options.host}:${options.port}: ${readErrorLog().trim()}`,
      );
    }
    await sleep(20);
  }
  return { prefix, command, applySite, errorLog: readErrorLog };
}
