import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { COLORS, type Color } from "../../domain/colors";
import { COLOR_VARIABLE } from "../../domain/nginxSite";
import type { Cleanup } from "../cleanup";
import { sleep } from "../clock";
import { assertLoopback } from "../loopback";
import { accepts } from "../ports";
import { runCommand, stopGroup } from "../processes";
import { mainConfig, nginxArgs } from "../switch/nginx";

/** Requests the proxy logged, by the color of the upstream that answered them. */
export interface ProxyHits {
  requests: number;
  byColor: Record<Color, number>;
  /** Answered by nginx itself (no upstream) or by an address that is no color's service. */
  other: number;
}

export interface LoggingProxy {
  endpoint: string;
  /** Where the access log ends now: `hitsSince(mark)` counts what was logged after it. */
  mark(): number;
  hitsSince(mark: number): ProxyHits;
  errorLog(): string;
}

const LOG_FORMAT = "aitb_verify";

/**
 * nginx's main config for the verify drill: the switch drill's, with an access log of the
 * upstream each request went to, so the drill can count requests that reached a color.
 */
function verifyMainConfig(prefix: string): string {
  return mainConfig(prefix, {
    drill: "verify",
    workers: "1",
    accessLog: { name: LOG_FORMAT, format: `$msec $${COLOR_VARIABLE} $status $upstream_addr` },
  });
}

/** Counts access log lines by the color whose service is at the line's upstream address. */
export function countHits(log: string, colorAt: ReadonlyMap<string, Color>): ProxyHits {
  const hits: ProxyHits = { requests: 0, byColor: { blue: 0, green: 0 }, other: 0 };
  for (const line of log.split("\n")) {
    const fields = line.trim().split(" ");
    if (fields.length < 4) continue;
    hits.requests++;
    // A retried request lists every address it tried: "a:1, b:2".
    const colors = new Set(
      fields
        .slice(3)
        .map((address) => colorAt.get(address.replace(/,$/, "")))
        .filter((color): color is Color => color !== undefined),
    );
    if (colors.size === 0) hits.other++;
    for (const color of colors) hits.byColor[color]++;
  }
  return hits;
}

/**
 * Starts nginx serving `site` under `prefix` on host:port. The site is written once: this drill
 * changes no route, so it never reloads.
 */
export async function startLoggingProxy(
  cleanup: Cleanup,
  options: {
    nginx: string;
    prefix: string;
    site: string;
    host: string;
    port: number;
    /** "host:port" of every service upstream, and its color. */
    colorAt: ReadonlyMap<string, Color>;
  },
): Promise<LoggingProxy> {
  const host = assertLoopback(options.host, "the proxy's address");
  const { prefix } = options;
  for (const folder of ["temp", "conf.d"])
    fs.mkdirSync(path.join(prefix, folder), { recursive: true });
  fs.writeFileSync(path.join(prefix, "nginx.conf"), verifyMainConfig(prefix));
  fs.writeFileSync(path.join(prefix, "conf.d", "aitb.conf"), options.site);
  const accessLog = path.join(prefix, "access.log");
  const errorLog = path.join(prefix, "error.log");
  const readErrorLog = () => (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, "utf8") : "");
  const args = nginxArgs(prefix);
  await runCommand(options.nginx, [...args, "-t", "-q"]);
  const master = spawn(options.nginx, args, { detached: true, stdio: "ignore" });
  if (master.pid === undefined) throw new Error(`nginx did not start: ${readErrorLog()}`);
  const pid = master.pid;
  cleanup.group(pid, "nginx", () => stopGroup(pid, "SIGQUIT", 5_000));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(host, options.port))) {
    if (master.exitCode !== null || Date.now() > deadline) {
      throw new Error(`nginx did not come up on ${host}:${options.port}: ${readErrorLog().trim()}`);
    }
    await sleep(20);
  }
  const size = () => (fs.existsSync(accessLog) ? fs.statSync(accessLog).size : 0);
  return {
    endpoint: `http://${host}:${options.port}`,
    mark: size,
    hitsSince(mark) {
      const end = size();
      if (end <= mark) return countHits("", options.colorAt);
      const buffer = Buffer.alloc(end - mark);
      const fd = fs.openSync(accessLog, "r");
      try {
        fs.readSync(fd, buffer, 0, buffer.length, mark);
      } finally {
        fs.closeSync(fd);
      }
      return countHits(buffer.toString("utf8"), options.colorAt);
    },
    errorLog: readErrorLog,
  };
}

/** "host:port" of each color's services, for `countHits`. */
export function colorsByAddress(
  host: string,
  ports: Record<Color, readonly number[]>,
): Map<string, Color> {
  return new Map(COLORS.flatMap((color) => ports[color].map((port) => [`${host}:${port}`, color])));
}
