/**
 * The loopback target's public endpoint: a real nginx (`nginx -p <prefix> -c <conf>`) with its
 * pid, logs and temp paths under the stack's state folder. The site picks the color per request
 * from the switch record, so a switch never reaches this resource. A changed site is checked with
 * `nginx -t` before it replaces the served one; then client connections are drained (every
 * response says `Connection: close` for a keep-alive timeout), nginx reloads gracefully, and the
 * update waits until only new workers accept requests before the drain ends.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import {
  accepts,
  alive,
  sleep,
  changedKeys,
  commandLine,
  httpGet,
  readPid,
  readTail,
  requireExecutable,
  runChecked,
  stopProcess,
  waitFor,
} from "./os";

export interface ProxyInputs {
  /** Folder of nginx's main config, site, pid file, logs and temp files. */
  prefix: string;
  nginx: string;
  host: string;
  port: number;
  /** The rendered site (server block and upstreams). */
  site: string;
  /** The drain flag the site tests, and how long it stays before a reload (seconds). */
  drain: { file: string; seconds: number };
  startTimeoutSeconds: number;
  labels: Record<string, string>;
}

export interface ProxyOutputs extends ProxyInputs {
  pid: number;
  siteFile: string;
  running: boolean;
}

/** nginx must be started again (a new process) only when these change. */
export const PROXY_REPLACES: readonly (keyof ProxyInputs)[] = ["prefix", "nginx", "host", "port"];
const ALL_KEYS: readonly (keyof ProxyInputs)[] = [
  ...PROXY_REPLACES,
  "site",
  "drain",
  "startTimeoutSeconds",
  "labels",
];

const SITE = "aitb.conf";
const INSTALL = "install Debian's nginx-light package or set aitb:loopback.nginx";

function at(prefix: string, ...parts: string[]): string {
  return path.join(prefix, ...parts);
}

/** nginx's own main config: everything under the prefix, the site included from conf.d/. */
export function mainConfig(prefix: string, site: string): string {
  return [
    "# Main config of the aitb loopback proxy; the site is the TrafficRouter's.",
    "worker_processes 1;",
    `pid ${at(prefix, "nginx.pid")};`,
    `error_log ${at(prefix, "logs", "error.log")} notice;`,
    "events {",
    "    worker_connections 1024;",
    "}",
    "http {",
    `    access_log ${at(prefix, "logs", "access.log")};`,
    `    client_body_temp_path ${at(prefix, "temp", "body")};`,
    `    proxy_temp_path ${at(prefix, "temp", "proxy")};`,
    `    fastcgi_temp_path ${at(prefix, "temp", "fastcgi")};`,
    `    uwsgi_temp_path ${at(prefix, "temp", "uwsgi")};`,
    `    scgi_temp_path ${at(prefix, "temp", "scgi")};`,
    `    include ${at(prefix, "conf.d", site)};`,
    "}",
    "",
  ].join("\n");
}

function nginxArgs(prefix: string, config: string): string[] {
  return ["-p", `${prefix}/`, "-c", at(prefix, config), "-e", at(prefix, "logs", "error.log")];
}

function prepare(prefix: string): void {
  for (const folder of ["conf.d", "logs", "temp"])
    fs.mkdirSync(at(prefix, folder), { recursive: true });
  fs.writeFileSync(at(prefix, "nginx.conf"), mainConfig(prefix, SITE));
}

/**
 * Puts a site in place only after `nginx -t` accepted it inside the real main config: the
 * candidate is checked under its own name, then renamed over the served site (atomic).
 */
async function installSite(inputs: ProxyInputs): Promise<string> {
  const next = `${SITE}.next`;
  fs.writeFileSync(at(inputs.prefix, "conf.d", next), inputs.site);
  fs.writeFileSync(at(inputs.prefix, "nginx.check.conf"), mainConfig(inputs.prefix, next));
  try {
    await runChecked("nginx -t of the new site (the served site stays)", inputs.nginx, [
      ...nginxArgs(inputs.prefix, "nginx.check.conf"),
      "-t",
      "-q",
    ]);
  } catch (error) {
    fs.rmSync(at(inputs.prefix, "conf.d", next), { force: true });
    throw error;
  }
  const siteFile = at(inputs.prefix, "conf.d", SITE);
  fs.renameSync(at(inputs.prefix, "conf.d", next), siteFile);
  return siteFile;
}

function masterPid(state: ProxyInputs & { pid?: number }): number | undefined {
  return [readPid(at(state.prefix, "nginx.pid")), state.pid].find(
    (pid) => pid !== undefined && alive(pid) && commandLine(pid).includes("nginx"),
  );
}

/** Waits until nginx answers at the public endpoint (any HTTP answer: the site routes per request). */
async function waitServing(inputs: ProxyInputs): Promise<void> {
  const url = `http://${inputs.host}:${inputs.port}/`;
  try {
    await waitFor(`nginx answering at ${url}`, inputs.startTimeoutSeconds * 1000, async () =>
      (await httpGet(url)) ? true : undefined,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; nginx error log:\n${readTail(at(inputs.prefix, "logs", "error.log"))}`,
    );
  }
}

/** nginx's worker processes (children of the master), and whether each is shutting down. */
function workers(master: number): { pid: number; exiting: boolean }[] {
  const found: { pid: number; exiting: boolean }[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== master) continue;
      const pid = Number(entry);
      found.push({ pid, exiting: commandLine(pid).includes("shutting down") });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * A reload that loses no request: drain, SIGHUP (nginx rereads its config, starts new workers
 * and lets the old ones finish), wait until no old worker accepts any more, then end the drain.
 */
async function reload(pid: number, inputs: ProxyInputs): Promise<void> {
  const before = new Set(workers(pid).map((worker) => worker.pid));
  fs.writeFileSync(inputs.drain.file, "");
  try {
    await sleep(inputs.drain.seconds * 1000);
    process.kill(pid, "SIGHUP");
    await waitFor("nginx's new workers", inputs.startTimeoutSeconds * 1000, async () => {
      const now = workers(pid);
      const fresh = now.filter((worker) => !before.has(worker.pid));
      const stale = now.filter((worker) => before.has(worker.pid) && !worker.exiting);
      return fresh.length > 0 && stale.length === 0 ? true : undefined;
    });
    // The old workers finish what they hold; their connections close after it (drained).
    await sleep(2_000);
  } finally {
    fs.rmSync(inputs.drain.file, { force: true });
  }
}

async function start(inputs: ProxyInputs): Promise<ProxyOutputs> {
  requireExecutable(inputs.nginx, "aitb:loopback.nginx", INSTALL);
  if (masterPid(inputs)) throw new Error(`nginx already runs from ${inputs.prefix}`);
  if (await accepts(inputs.host, inputs.port)) {
    throw new Error(
      `${inputs.host}:${inputs.port} is already in use, so the proxy cannot listen there; stop what holds it or set aitb:loopback.proxyPort`,
    );
  }
  prepare(inputs.prefix);
  const siteFile = await installSite(inputs);
  // nginx daemonizes: the master outlives this provider and the `pulumi up` that ran it.
  await runChecked("starting nginx", inputs.nginx, nginxArgs(inputs.prefix, "nginx.conf"));
  const pid = await waitFor("nginx's pid file", inputs.startTimeoutSeconds * 1000, async () =>
    readPid(at(inputs.prefix, "nginx.pid")),
  );
  await waitServing(inputs);
  return { ...inputs, pid, siteFile, running: true };
}

async function stop(state: ProxyInputs & { pid?: number }): Promise<void> {
  const pid = masterPid(state);
  // SIGQUIT: graceful shutdown, workers finish the requests they serve.
  if (pid) await stopProcess(pid, { signal: "SIGQUIT", graceMs: 10_000 });
}

export const proxyProvider: pulumi.dynamic.ResourceProvider<ProxyInputs, ProxyOutputs> = {
  async create(inputs) {
    return { id: `nginx@${inputs.host}:${inputs.port}`, outs: await start(inputs) };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys(olds, news, ALL_KEYS);
    const replaces = changed.filter((key) => PROXY_REPLACES.includes(key)).map(String);
    return {
      changes: changed.length > 0 || olds.running === false,
      replaces,
      deleteBeforeReplace: replaces.length > 0,
    };
  },

  async update(_id, olds, news) {
    const pid = masterPid(olds);
    if (!pid) {
      return { outs: await start(news) };
    }
    if (changedKeys(olds, news, ["site"]).length === 0) {
      return { outs: { ...olds, ...news, pid, running: true } };
    }
    const siteFile = await installSite(news);
    await reload(pid, news);
    await waitServing(news);
    return { outs: { ...news, pid, siteFile, running: true } };
  },

  async delete(_id, props) {
    await stop(props);
  },

  async read(id, props) {
    if (!props) return { id };
    const pid = masterPid(props);
    return { id, props: { ...props, pid: pid ?? 0, running: pid !== undefined } };
  },
};
