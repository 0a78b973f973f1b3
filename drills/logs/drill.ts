import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { projectRoot } from "../../components/platform/projectRoot";
import { SEAL_LOGS_SCRIPT, sealLogsEnvironment } from "../../components/platform/docker/logs";
import { loopbackLogsDir } from "../../components/platform/loopback/logs";
import {
  serviceProvider,
  type ServiceInputs,
  type ServiceOutputs,
} from "../../components/platform/loopback/runtime/service";
import { checkLogCopy, logCopiesIn } from "../../contract/logCopies";
import { FORENSICS_FOLDER, LOG_DIR_ENV, logFileName } from "../../contract/logs";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { requireInteger, requireNumber, withoutHooks } from "../options";
import { freePort } from "../ports";
import { round } from "../stats";
import { auditLog } from "./lines";

export interface LogsDrillOptions {
  /** Seconds of steady writes before the replacement, and after it. */
  beforeS: number;
  afterS: number;
  /** The bot's heartbeat line interval (AITB_HEARTBEAT_INTERVAL_MS). */
  heartbeatMs: number;
  /** One request to the bot this often, each numbered (?seq=N), each answered one request line. */
  requestIntervalMs: number;
  host: string;
  log?: (line: string) => void;
}

export const LOGS_DEFAULTS: Omit<LogsDrillOptions, "log"> = {
  beforeS: 5,
  afterS: 5,
  heartbeatMs: 20,
  requestIntervalMs: 10,
  host: "127.0.0.1",
};

export interface LogsDrillReport {
  options: Omit<LogsDrillOptions, "log">;
  machine: Machine;
  /** Lines the old and the new bot process wrote (their own count), found in the retained log, lost. */
  lines: {
    written: number;
    found: number;
    lost: number;
    old: number;
    new: number;
    unreadable: number;
  };
  inOrder: boolean;
  /** Between the old process's last line and the new one's first. */
  gapMs: number;
  /** How long the replacement (stop the old process, start the new, healthy) took. */
  replaceMs: number;
  requests: { sent: number; answered: number; failed: number; answeredWithoutLine: number };
  forensicCopy: {
    files: number;
    bytes: number;
    verified: boolean;
    problems: string[];
    prefixOfLog: boolean;
  };
  targets: {
    noLineLost: boolean;
    everyAnswerLogged: boolean;
    inOrder: boolean;
    copyMatches: boolean;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function validated(options: LogsDrillOptions): LogsDrillOptions {
  requireNumber("--before", options.beforeS, 0.5, 600);
  requireNumber("--after", options.afterS, 0.5, 600);
  requireInteger("--heartbeat-ms", options.heartbeatMs, 5, 60_000);
  requireInteger("--request-interval-ms", options.requestIntervalMs, 1, 60_000);
  assertLoopback(options.host, "--host");
  return options;
}

/** A numbered request every interval, one at a time, until stopped. */
function steadyRequests(host: string, port: number, intervalMs: number) {
  const answered = new Set<number>();
  let sent = 0;
  let failed = 0;
  let running = true;
  const agent = new http.Agent({ keepAlive: false });
  const one = (seq: number) =>
    new Promise<void>((resolve) => {
      const req = http.get(
        { host, port, path: `/drill?seq=${seq}`, agent, timeout: 2_000 },
        (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) answered.add(seq);
            else failed += 1;
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        failed += 1;
        resolve();
      });
    });
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      sent += 1;
      await one(sent);
      await sleep(Math.max(0, intervalMs - (Date.now() - started)));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return { sent, answered, failed };
    },
  };
}

function botInputs(
  stateDir: string,
  host: string,
  port: number,
  release: string,
  options: LogsDrillOptions,
): ServiceInputs {
  const runtime = path.join(projectRoot(), "dist", "components", "platform", "loopback", "runtime");
  const program = path.join(projectRoot(), "dist", "reference-service", "server.js");
  for (const file of [path.join(runtime, "supervisor.js"), program]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing; build first (npm run build)`);
  }
  return {
    name: "blue-bot",
    stateDir,
    host,
    port,
    node: process.execPath,
    supervisor: path.join(runtime, "supervisor.js"),
    program,
    env: {
      AITB_SERVICE: "bot",
      AITB_COLOR: "blue",
      AITB_RELEASE: release,
      AITB_HEARTBEAT_INTERVAL_MS: String(options.heartbeatMs),
      [LOG_DIR_ENV]: loopbackLogsDir(stateDir, "blue"),
    },
    secretEnv: {},
    files: {},
    healthUrl: `http://${host}:${port}/health`,
    expect: { service: "bot", color: "blue", release },
    startTimeoutSeconds: 30,
    labels: {},
  };
}

/**
 * Replaces the bot's process as the loopback target does on a re-pin (the service provider's
 * update: stop the old supervisor and bot, start the new) while the bot writes heartbeat lines
 * and answers a steady stream of numbered requests; a forensic copy of the logs is taken first,
 * with the stack's own step. Then every line each process numbered is looked for in the retained
 * log file.
 */
export async function runLogsDrill(input: LogsDrillOptions): Promise<LogsDrillReport> {
  const options = validated(input);
  const log = options.log ?? (() => undefined);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-logs-drill-"));
  const stateDir = path.join(work, "state");
  const port = await freePort(options.host);
  const create = serviceProvider.create.bind(serviceProvider);
  const update = serviceProvider.update as NonNullable<typeof serviceProvider.update>;
  const remove = serviceProvider.delete as NonNullable<typeof serviceProvider.delete>;
  let current: ServiceOutputs | undefined;
  let id = "";
  try {
    log(`starting the bot (release drill-1) on ${options.host}:${port}`);
    const created = await create(botInputs(stateDir, options.host, port, "drill-1", options));
    id = created.id;
    current = created.outs as ServiceOutputs;
    const load = steadyRequests(options.host, port, options.requestIntervalMs);
    await sleep(options.beforeS * 1000);

    log("forensic copy of the logs, before the replacement");
    execFileSync("sh", ["-c", SEAL_LOGS_SCRIPT], {
      env: {
        PATH: process.env.PATH,
        ...sealLogsEnvironment({
          source: path.join(stateDir, "logs"),
          root: path.join(work, "backups"),
          key: "DRILL",
        }),
      },
    });
    const [copy] = logCopiesIn(path.join(work, "backups", FORENSICS_FOLDER, "DRILL"));
    const check = checkLogCopy(copy.dir);

    log("replacing the bot's process (re-pin drill-1 -> drill-2)");
    const replaceStarted = Date.now();
    const next = botInputs(stateDir, options.host, port, "drill-2", options);
    const updated = await update(id, current, next);
    current = updated.outs as ServiceOutputs;
    const replaceMs = Date.now() - replaceStarted;
    await sleep(options.afterS * 1000);
    const requests = await load.stop();
    await remove(id, current);
    current = undefined;

    const file = path.join(loopbackLogsDir(stateDir, "blue"), logFileName("bot"));
    const text = fs.readFileSync(file, "utf8");
    const audit = auditLog(text);
    const [oldProcess, newProcess] = audit.processes;
    const copied = path.join(copy.dir, "blue", logFileName("bot"));
    const prefixOfLog = fs.existsSync(copied) && text.startsWith(fs.readFileSync(copied, "utf8"));
    const answeredWithoutLine = [...requests.answered].filter(
      (seq) => !audit.requestUrls.has(`/drill?seq=${seq}`),
    ).length;
    const gapMs =
      oldProcess?.last && newProcess?.first
        ? Date.parse(newProcess.first.time) - Date.parse(oldProcess.last.time)
        : Number.NaN;
    const report: LogsDrillReport = {
      options: withoutHooks(options),
      machine: machine(),
      lines: {
        written: audit.written,
        found: audit.found,
        lost: audit.lost,
        old: oldProcess?.written ?? 0,
        new: newProcess?.written ?? 0,
        unreadable: audit.unreadable,
      },
      inOrder: audit.inOrder,
      gapMs: round(gapMs, 0) ?? Number.NaN,
      replaceMs,
      requests: {
        sent: requests.sent,
        answered: requests.answered.size,
        failed: requests.failed,
        answeredWithoutLine,
      },
      forensicCopy: {
        files: check.files.length,
        bytes: check.files.reduce((sum, f) => sum + f.bytes, 0),
        verified: check.ok,
        problems: check.problems,
        prefixOfLog,
      },
      targets: {
        noLineLost:
          audit.processes.length === 2 &&
          audit.processes.every((p) => p.closed) &&
          audit.lost === 0,
        everyAnswerLogged: answeredWithoutLine === 0,
        inOrder: audit.inOrder,
        copyMatches: check.ok && check.files.length > 0 && prefixOfLog,
      },
    };
    return report;
  } finally {
    if (current) await remove(id, current).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function logsDrillMet(report: LogsDrillReport): boolean {
  return Object.values(report.targets).every(Boolean);
}

export function logsDrillText(report: LogsDrillReport): string {
  const { lines, requests, forensicCopy: copy } = report;
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  return [
    `aitb drill logs: the bot's process replaced under steady log writes (heartbeat every ${report.options.heartbeatMs} ms, a request every ${report.options.requestIntervalMs} ms; ${report.options.beforeS} s before, ${report.options.afterS} s after)`,
    `  machine: ${report.machine.cores} cores, ${report.machine.cpu}, node ${report.machine.node}, load ${report.machine.loadAverage.join(" ")}`,
    `  lines written ${lines.written} (old process ${lines.old}, new ${lines.new}), found ${lines.found}, lost ${lines.lost}  [target 0: ${mark(report.targets.noLineLost)}]`,
    `  in order: ${report.inOrder ? "yes" : "NO"}  [${mark(report.targets.inOrder)}]; unreadable lines ${lines.unreadable}`,
    `  gap between the old process's last line and the new one's first: ${report.gapMs} ms (replacement took ${report.replaceMs} ms)`,
    `  requests sent ${requests.sent}, answered ${requests.answered}, failed ${requests.failed} (during the replacement), answered without a log line ${requests.answeredWithoutLine}  [target 0: ${mark(report.targets.everyAnswerLogged)}]`,
    `  forensic copy before the replacement: ${copy.files} file(s), ${copy.bytes} bytes, manifest ${copy.verified ? "verified" : `NOT verified (${copy.problems.join("; ")})`}, ${copy.prefixOfLog ? "a prefix of the retained log" : "NOT a prefix of the retained log"}  [${mark(report.targets.copyMatches)}]`,
  ].join("\n");
}
