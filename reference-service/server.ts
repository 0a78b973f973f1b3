/**
 * Reference implementation of the AITB service contract (docs/service-contract.md).
 *
 * One small HTTP server that can stand in for any AITB service: it answers the health endpoint
 * with the service's name, color, release and status (and, for the bot, its trading mode, lease
 * and heartbeat), and every other path with a tiny JSON body naming the color that answered. As
 * the bot it runs the contract's trading loop (trader.ts): it learns the desired color from the
 * switch record and trades live only under the trading lease, placing simulated orders. Each
 * service answers its trading probes (probes.ts) and, started with AITB_FAULT_SWITCHES=on for a
 * test or a drill, the fault switches (faults.ts).
 *
 * It imports only `node:` built-ins, this folder's modules and `pg` (loaded only by a bot with a
 * PostgreSQL lease), so that its Dockerfile can build it from this folder alone; the small type
 * lists below therefore repeat those of `domain/` on purpose.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  affectsRoutes,
  FAULTS_PATH,
  faultSwitchesFromEnv,
  parseFaults,
  type Faults,
} from "./faults";
import { readJsonBody } from "./jsonBody";
import { openLease, type TradingLease } from "./lease";
import type { Notification } from "./notifySink";
import { PROBE_PREFIX, probeAt, Probes } from "./probes";
import { leaseHolder, Trader, type StandbyMode, type TradingState } from "./trader";
import { openLogWriter } from "./logWriter";

export type Color = "blue" | "green";
export type HealthStatus = "ok" | "degraded" | "down";
export type TradingMode = "live" | "paper" | "suspended";

const COLORS: readonly Color[] = ["blue", "green"];
const HEALTH_STATUSES: readonly HealthStatus[] = ["ok", "degraded", "down"];
const TRADING_MODES: readonly TradingMode[] = ["live", "paper", "suspended"];
const STANDBY_MODES: readonly StandbyMode[] = ["paper", "suspended"];

/** The service whose health report carries a trading mode and a heartbeat. */
export const BOT_SERVICE = "bot";

export const DEFAULT_HEALTH_PATH = "/health";
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;
/** Above nginx's default upstream keep-alive timeout (60 s), so the proxy closes first. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How long a close waits for in-flight requests before dropping their connections. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_PORT = 8080;
/** How often the bot reads the switch record and, when it is the desired color, tries the lease. */
export const DEFAULT_SWITCH_POLL_MS = 250;
export const DEFAULT_LEASE_TTL_MS = 15_000;
export const DEFAULT_ORDER_INTERVAL_MS = 1_000;
/** The bot's trading state with every stretch of live trading (for drills and audits). */
export const TRADING_PATH = "/_aitb/trading";
/** The prefix of the service's own paths (trading state, probes, fault switches). */
const OWN_PREFIX = "/_aitb/";

export interface ReferenceServiceOptions {
  /** AITB_SERVICE: the service this instance stands in for (`bot` adds mode and heartbeat). */
  service: string;
  /** AITB_COLOR. */
  color: Color;
  /** AITB_RELEASE: the version pin the instance was deployed as. */
  release: string;
  /** PORT; 0 picks a free port. Default 8080. */
  port?: number;
  /** AITB_HOST. Default 127.0.0.1 (the executable listens on 0.0.0.0 unless told otherwise). */
  host?: string;
  /** AITB_HEALTH_PATH. Default `/health`. */
  healthPath?: string;
  /**
   * A fixed trading mode the bot reports, for tests that simulate a bot: no trading loop runs, no
   * lease is taken and no order is placed. The deploy stack never sets it (and the executable
   * refuses AITB_TRADING_MODE): a real bot's mode follows the switch record and the lease.
   */
  tradingMode?: TradingMode;
  /** AITB_SWITCH_RECORD, bot only: folder of the switch record. Unset: never live. */
  switchRecordDir?: string;
  /** AITB_STANDBY_TRADING_MODE, bot only: the mode when not live. Default `suspended`. */
  standbyTradingMode?: StandbyMode;
  /** AITB_TRADING_LEASE, bot only: `postgres` (DATABASE_URL) or `file:<path>`. Unset: never live. */
  tradingLease?: string;
  /** A lease store given directly (tests); wins over `tradingLease`. */
  lease?: TradingLease;
  /** AITB_SWITCH_POLL_MS, bot only. Default 250. */
  switchPollMs?: number;
  /** AITB_LEASE_TTL_MS, bot only. Default 15 000. */
  leaseTtlMs?: number;
  /** AITB_ORDER_INTERVAL_MS, bot only: one simulated order this often while live. Default 1 000. */
  orderIntervalMs?: number;
  /** AITB_STATUS: forces the reported status, to simulate an unhealthy service. Default `ok`. */
  status?: HealthStatus;
  /** AITB_HEARTBEAT_INTERVAL_MS, bot only. Default 5000. */
  heartbeatIntervalMs?: number;
  /** AITB_HEARTBEAT_FROZEN_AT (ISO-8601), bot only: the heartbeat stays at this time. */
  heartbeatFrozenAt?: string | Date;
  /** DATABASE_URL: never reported; only a bot with AITB_TRADING_LEASE=postgres connects to it. */
  databaseUrl?: string;
  /** Idle keep-alive timeout of client connections. Default 65 000 ms. */
  keepAliveTimeoutMs?: number;
  /** How long `close()` lets in-flight requests finish. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** Where the bot reports lease events (acquired, released, lost) and its heartbeats. */
  log?: (event: string, extra?: Record<string, unknown>) => void;
  /** AITB_LOG_DIR: the folder the service appends its log file to (logWriter.ts). */
  logDir?: string;
  /** Called for every answered request (the request lines of the log file). */
  accessLog?: (method: string, url: string, status: number) => void;
  /** AITB_SYMBOL, bot only: the symbol of the simulated market data feed. Default BTC-USD. */
  symbol?: string;
  /** AITB_NOTIFY_SINK, notifier only: file the test messages go to. Unset: kept in memory. */
  notifySink?: string;
  /**
   * AITB_FAULT_SWITCHES=on: answer the fault switches (faults.ts) at /_aitb/faults, for tests and
   * drills only. The deploy stack never sets it.
   */
  faultSwitches?: boolean;
}

/** The JSON body of the health endpoint. */
export interface HealthReport {
  service: string;
  color: Color;
  release: string;
  status: HealthStatus;
  tradingMode?: TradingMode;
  lastHeartbeat?: string;
  /** Bot only: the desired color, the lease and the orders placed (docs/service-contract.md). */
  trading?: TradingState;
  startedAt: string;
}

export interface ReferenceService {
  /** The port actually bound (useful with `port: 0`). */
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. Idempotent. */
  close(): Promise<void>;
  /** The notifier's test messages kept in memory (none with a sink file, none for others). */
  notifications(): readonly Notification[];
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} is "${value}"; expected one of ${allowed.join(", ")}`);
}

function nonNegativeInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} is "${value}"; expected an integer from 0 to ${max}`);
  }
  return value;
}

function positive(name: string, value: number): number {
  if (nonNegativeInteger(name, value) === 0) {
    throw new Error(`${name} is 0; expected a positive number of milliseconds`);
  }
  return value;
}

function isoTime(name: string, value: string | Date): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new Error(`${name} is "${String(value)}"; expected an ISO-8601 time`);
  }
  return date;
}

interface Settings {
  service: string;
  color: Color;
  release: string;
  port: number;
  host: string;
  healthPath: string;
  isBot: boolean;
  /** A fixed, simulated trading mode; undefined: the trading loop decides. */
  tradingMode?: TradingMode;
  standbyTradingMode: StandbyMode;
  switchPollMs: number;
  leaseTtlMs: number;
  orderIntervalMs: number;
  status: HealthStatus;
  heartbeatIntervalMs: number;
  heartbeatFrozenAt?: Date;
  keepAliveTimeoutMs: number;
  shutdownTimeoutMs: number;
  faultSwitches: boolean;
}

function settingsFrom(options: ReferenceServiceOptions): Settings {
  if (!options.service) throw new Error("AITB_SERVICE is empty; expected a service name");
  if (!options.release) throw new Error("AITB_RELEASE is empty; expected the release pin");
  const healthPath = options.healthPath ?? DEFAULT_HEALTH_PATH;
  if (!healthPath.startsWith("/")) {
    throw new Error(`AITB_HEALTH_PATH is "${healthPath}"; expected a path starting with "/"`);
  }
  const heartbeatIntervalMs = nonNegativeInteger(
    "AITB_HEARTBEAT_INTERVAL_MS",
    options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
  );
  if (heartbeatIntervalMs === 0) {
    throw new Error("AITB_HEARTBEAT_INTERVAL_MS is 0; expected a positive interval");
  }
  if (options.symbol !== undefined && !options.symbol) {
    throw new Error("AITB_SYMBOL is empty; expected a market symbol such as BTC-USD");
  }
  return {
    service: options.service,
    color: oneOf("AITB_COLOR", options.color, COLORS),
    release: options.release,
    port: nonNegativeInteger("PORT", options.port ?? DEFAULT_PORT, 65_535),
    host: options.host ?? "127.0.0.1",
    healthPath,
    isBot: options.service === BOT_SERVICE,
    tradingMode:
      options.tradingMode === undefined
        ? undefined
        : oneOf("tradingMode", options.tradingMode, TRADING_MODES),
    standbyTradingMode: oneOf(
      "AITB_STANDBY_TRADING_MODE",
      options.standbyTradingMode ?? "suspended",
      STANDBY_MODES,
    ),
    switchPollMs: positive("AITB_SWITCH_POLL_MS", options.switchPollMs ?? DEFAULT_SWITCH_POLL_MS),
    leaseTtlMs: positive("AITB_LEASE_TTL_MS", options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS),
    orderIntervalMs: positive(
      "AITB_ORDER_INTERVAL_MS",
      options.orderIntervalMs ?? DEFAULT_ORDER_INTERVAL_MS,
    ),
    status: oneOf("AITB_STATUS", options.status ?? "ok", HEALTH_STATUSES),
    heartbeatIntervalMs,
    heartbeatFrozenAt:
      options.heartbeatFrozenAt === undefined
        ? undefined
        : isoTime("AITB_HEARTBEAT_FROZEN_AT", options.heartbeatFrozenAt),
    keepAliveTimeoutMs: nonNegativeInteger(
      "keepAliveTimeoutMs",
      options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ),
    shutdownTimeoutMs: nonNegativeInteger(
      "shutdownTimeoutMs",
      options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    ),
    faultSwitches: options.faultSwitches === true,
  };
}

function integerFromEnv(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} is "${raw}"; expected a non-negative integer`);
  return Number(raw);
}

/** Reads the options from the environment the deploy stack sets on every container. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ReferenceServiceOptions {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set; the deploy stack sets it on every container`);
    return value;
  };
  const optional = (name: string): string | undefined => env[name] || undefined;
  if (env.AITB_TRADING_MODE !== undefined) {
    throw new Error(
      `AITB_TRADING_MODE is "${env.AITB_TRADING_MODE}", and it is no longer read: a bot trades live only while the switch record (AITB_SWITCH_RECORD) names its color and it holds the trading lease (AITB_TRADING_LEASE); remove it (docs/service-contract.md)`,
    );
  }
  const standby = optional("AITB_STANDBY_TRADING_MODE");
  const status = optional("AITB_STATUS");
  return {
    service: required("AITB_SERVICE"),
    color: oneOf("AITB_COLOR", required("AITB_COLOR"), COLORS),
    release: required("AITB_RELEASE"),
    port: integerFromEnv("PORT", env.PORT) ?? DEFAULT_PORT,
    host: optional("AITB_HOST") ?? "0.0.0.0",
    healthPath: optional("AITB_HEALTH_PATH"),
    switchRecordDir: optional("AITB_SWITCH_RECORD"),
    standbyTradingMode:
      standby === undefined
        ? undefined
        : oneOf("AITB_STANDBY_TRADING_MODE", standby, STANDBY_MODES),
    tradingLease: optional("AITB_TRADING_LEASE"),
    switchPollMs: integerFromEnv("AITB_SWITCH_POLL_MS", env.AITB_SWITCH_POLL_MS),
    leaseTtlMs: integerFromEnv("AITB_LEASE_TTL_MS", env.AITB_LEASE_TTL_MS),
    orderIntervalMs: integerFromEnv("AITB_ORDER_INTERVAL_MS", env.AITB_ORDER_INTERVAL_MS),
    status: status === undefined ? undefined : oneOf("AITB_STATUS", status, HEALTH_STATUSES),
    heartbeatIntervalMs: integerFromEnv(
      "AITB_HEARTBEAT_INTERVAL_MS",
      env.AITB_HEARTBEAT_INTERVAL_MS,
    ),
    heartbeatFrozenAt: optional("AITB_HEARTBEAT_FROZEN_AT"),
    databaseUrl: optional("DATABASE_URL"),
    symbol: optional("AITB_SYMBOL"),
    notifySink: optional("AITB_NOTIFY_SINK"),
    logDir: optional("AITB_LOG_DIR"),
    faultSwitches: faultSwitchesFromEnv(env.AITB_FAULT_SWITCHES),
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * What a bot under the reportLive fault reports about trading: live, holding the lease, though
 * its trading loop (if any) neither takes the lease nor places an order for it.
 */
function reportedLive(
  trading: TradingState | undefined,
  settings: Pick<Settings, "color" | "release">,
): TradingState {
  const state: TradingState = trading ?? {
    tradingMode: "live",
    lease: { store: "none", holder: `bot-${settings.color}@${settings.release}`, held: true },
    ordersPlaced: 0,
    lastCycle: new Date().toISOString(),
  };
  const live: TradingState = {
    ...state,
    tradingMode: "live",
    lease: { ...state.lease, held: true },
  };
  // `problem` says why a bot is not live; a live report has none.
  delete live.problem;
  return live;
}

/** Starts the reference service in this process. */
export async function startReferenceService(
  options: ReferenceServiceOptions,
): Promise<ReferenceService> {
  const settings = settingsFrom(options);
  // The bot's trading loop, unless a test fixes the mode it reports.
  const trader =
    settings.isBot && settings.tradingMode === undefined
      ? new Trader({
          color: settings.color,
          holder: leaseHolder(settings.color, settings.release),
          switchRecordDir: options.switchRecordDir,
          lease: options.lease ?? openLease(options.tradingLease, options.databaseUrl),
          standbyMode: settings.standbyTradingMode,
          pollMs: settings.switchPollMs,
          leaseTtlMs: settings.leaseTtlMs,
          orderIntervalMs: settings.orderIntervalMs,
          log: options.log ?? (() => undefined),
        })
      : undefined;

  const startedAt = new Date().toISOString();
  let lastHeartbeat = (settings.heartbeatFrozenAt ?? new Date()).toISOString();
  let heartbeat: NodeJS.Timeout | undefined;
  if (settings.isBot && settings.heartbeatFrozenAt === undefined) {
    heartbeat = setInterval(() => {
      lastHeartbeat = new Date().toISOString();
      options.log?.("heartbeat", { lastHeartbeat });
    }, settings.heartbeatIntervalMs);
    heartbeat.unref();
  }
  const probes = new Probes({
    service: settings.service,
    color: settings.color,
    release: settings.release,
    symbol: options.symbol,
    notifySink: options.notifySink,
  });

  let faults: Faults = {};
  // Read on every request to an ordinary path; true only while a route fault is set.
  let routeFaulted = false;

  const healthBody = (): string => {
    const trading = trader?.state();
    const report: HealthReport = {
      service: settings.service,
      color: settings.color,
      release: settings.release,
      status: settings.status,
      ...(settings.isBot
        ? {
            tradingMode: faults.reportLive
              ? "live"
              : (trading?.tradingMode ?? settings.tradingMode),
            lastHeartbeat:
              faults.heartbeatAgeSeconds !== undefined
                ? new Date(Date.now() - faults.heartbeatAgeSeconds * 1000).toISOString()
                : // The trading loop's last completed cycle, unless a test froze the heartbeat.
                  trading && settings.heartbeatFrozenAt === undefined
                  ? trading.lastCycle
                  : lastHeartbeat,
            ...(faults.reportLive
              ? { trading: reportedLive(trading, settings) }
              : trading
                ? { trading }
                : {}),
          }
        : {}),
      startedAt,
    };
    return JSON.stringify(report);
  };
  // Every other path answers with this prefix and the path: small and cheap under load.
  const identityPrefix = JSON.stringify({
    service: settings.service,
    color: settings.color,
    release: settings.release,
  }).slice(0, -1);

  let closing = false;
  const send = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    statusCode: number,
    body: string,
    headers: http.OutgoingHttpHeaders = {},
  ): void => {
    const head: http.OutgoingHttpHeaders = {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      ...headers,
    };
    // A request finishing during shutdown must not leave its connection open for another one.
    if (closing) head.connection = "close";
    options.accessLog?.(req.method ?? "", req.url ?? "/", statusCode);
    res.writeHead(statusCode, head);
    res.end(req.method === "HEAD" ? undefined : body);
  };
  /** An answer that is not a cached page: the probes, the fault switches, their errors. */
  const sendJson = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    statusCode: number,
    body: unknown,
    headers: http.OutgoingHttpHeaders = {},
  ): void => {
    // A delayed answer whose client has gone.
    if (res.destroyed || res.headersSent) return;
    send(req, res, statusCode, JSON.stringify(body), { "cache-control": "no-store", ...headers });
  };
  const methodNotAllowed = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    allowed: readonly string[],
  ): void => {
    const error = `method not allowed; use ${allowed.join(" or ")}`;
    sendJson(req, res, 405, { error }, { allow: allowed.join(", ") });
  };
  /** The request's JSON body, or undefined once a 400 or 413 has been answered. */
  const bodyOf = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<{ value: unknown } | undefined> => {
    const read = await readJsonBody(req);
    if (read.ok) return { value: read.value };
    if (read.statusCode !== 0) {
      // The unread rest of a body over the limit must not be taken for the next request.
      const headers = read.statusCode === 413 ? { connection: "close" } : {};
      sendJson(req, res, read.statusCode, { error: read.error }, headers);
    }
    return undefined;
  };

  const answerProbe = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
  ): Promise<void> => {
    const probe = probeAt(path);
    if (!probe || probe.service !== settings.service) {
      const error = probe
        ? `${path} is answered by the ${probe.service} service, not ${settings.service}`
        : `no trading probe at ${path}`;
      sendJson(req, res, 404, { error });
      return;
    }
    const allowed = probe.method === "GET" ? ["GET", "HEAD"] : [probe.method];
    if (!allowed.includes(req.method ?? "")) {
      methodNotAllowed(req, res, allowed);
      return;
    }
    let body: unknown;
    if (probe.method === "POST") {
      const read = await bodyOf(req, res);
      if (!read) return;
      body = read.value;
    }
    const answer = await probes.answer(probe.kind, body, faults);
    sendJson(req, res, answer.statusCode, answer.body);
  };

  const answerFaults = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === "GET" || req.method === "HEAD") {
      sendJson(req, res, 200, faults);
      return;
    }
    if (req.method !== "POST") {
      methodNotAllowed(req, res, ["GET", "HEAD", "POST"]);
      return;
    }
    const read = await bodyOf(req, res);
    if (!read) return;
    try {
      faults = parseFaults(read.value);
    } catch (error) {
      sendJson(req, res, 400, { error: (error as Error).message });
      return;
    }
    routeFaulted = affectsRoutes(faults);
    sendJson(req, res, 200, faults);
  };

  const answerFaultedRoute = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
  ): Promise<void> => {
    const { routeStatus, routeDelayMs } = faults;
    if (routeDelayMs) await new Promise((resolve) => setTimeout(resolve, routeDelayMs));
    if (res.destroyed) return;
    if (routeStatus === undefined) {
      send(req, res, 200, `${identityPrefix},"path":${JSON.stringify(path)}}`);
      return;
    }
    const error = `answering ${routeStatus} (fault switch routeStatus)`;
    send(
      req,
      res,
      routeStatus,
      `${identityPrefix},"path":${JSON.stringify(path)},"error":${JSON.stringify(error)}}`,
    );
  };

  const failed =
    (req: http.IncomingMessage, res: http.ServerResponse) =>
    (error: unknown): void =>
      sendJson(req, res, 500, { error: error instanceof Error ? error.message : String(error) });

  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    if (path === settings.healthPath) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        send(req, res, 405, JSON.stringify({ error: "method not allowed" }), {
          allow: "GET, HEAD",
        });
        return;
      }
      send(req, res, 200, healthBody(), { "cache-control": "no-store" });
      return;
    }
    if (path.startsWith(OWN_PREFIX)) {
      if (trader && path === TRADING_PATH) {
        const body = { ...trader.state(), liveIntervals: trader.liveIntervals() };
        send(req, res, 200, JSON.stringify(body), { "cache-control": "no-store" });
        return;
      }
      if (path === PROBE_PREFIX || path.startsWith(`${PROBE_PREFIX}/`)) {
        answerProbe(req, res, path).catch(failed(req, res));
        return;
      }
      if (settings.faultSwitches && path === FAULTS_PATH) {
        answerFaults(req, res).catch(failed(req, res));
        return;
      }
    }
    if (routeFaulted) {
      answerFaultedRoute(req, res, path).catch(failed(req, res));
      return;
    }
    send(req, res, 200, `${identityPrefix},"path":${JSON.stringify(path)}}`);
  });
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  // Headers of a request must be allowed to arrive for longer than a connection may idle.
  server.headersTimeout = Math.max(server.headersTimeout, settings.keepAliveTimeoutMs + 1_000);

  let port: number;
  try {
    port = await listen(server, settings.port, settings.host);
  } catch (error) {
    if (heartbeat) clearInterval(heartbeat);
    await trader?.stop();
    throw error;
  }
  trader?.start();
  probes.start();

  let closed: Promise<void> | undefined;
  const closeServer = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      closing = true;
      if (heartbeat) clearInterval(heartbeat);
      probes.close();
      // In-flight requests finish and answer with `Connection: close`; idle keep-alive
      // connections close now; whatever is left after the grace period is dropped.
      const deadline = setTimeout(() => server.closeAllConnections(), settings.shutdownTimeoutMs);
      deadline.unref();
      server.close((error) => {
        clearTimeout(deadline);
        if (error) reject(error);
        else resolve();
      });
      server.closeIdleConnections();
    });
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // A live bot stops trading and releases the lease first, so the other bot can take over.
      await trader?.stop().catch(() => undefined);
      await closeServer();
    })();
    return closed;
  };

  return { port, close, notifications: () => probes.delivered() };
}

/** Runs the service from the environment until SIGTERM or SIGINT. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const options = optionsFromEnv(env);
  // Lines go to stdout and, with AITB_LOG_DIR, to the service's own file there (logWriter.ts).
  const writer = openLogWriter({
    dir: options.logDir,
    service: options.service,
    fields: { service: options.service, color: options.color, release: options.release },
  });
  const log = (event: string, extra: Record<string, unknown> = {}): void => {
    writer.write(event, extra);
  };
  // Request lines only where they are kept: a service without a log folder prints no line per request.
  const accessLog = writer.file
    ? (method: string, url: string, status: number) => log("request", { method, url, status })
    : undefined;
  const service = await startReferenceService({ ...options, log, accessLog });
  log("listening", { host: options.host, port: service.port });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second signal (the loopback supervisor signals its group and then the child) must not
    // end the process before its requests drain and its last log line is written.
    if (stopping) return;
    stopping = true;
    log("stopping", { signal });
    service.close().then(
      () => {
        log("stopped");
        writer.close();
      },
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
