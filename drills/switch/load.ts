import * as http from "node:http";
import type { Cleanup } from "../cleanup";
import { nowMs } from "../clock";
import { startWorker, toDrill, type WorkerMessage } from "../worker";

/**
 * How a client uses connections. A switch reloads nginx; its old workers close idle keep-alive
 * connections, so what a client sees depends on how it holds connections and whether it retries.
 */
export const CLIENT_KINDS = ["close", "keepalive-retry", "keepalive"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_KIND_LABELS: Record<ClientKind, string> = {
  close: "new connection per request (Connection: close)",
  "keepalive-retry":
    "keep-alive, retries an idempotent request whose reused connection was closed (browsers, most HTTP clients)",
  keepalive: "keep-alive, never retries (raw socket errors, like wrk)",
};

/** Errors of a request on a reused keep-alive connection that the server had closed. */
const STALE_CONNECTION_ERRORS = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

export interface Target {
  path: string;
  service: string;
}

export interface LoadPayload {
  host: string;
  port: number;
  targets: Target[];
  kinds: ClientKind[];
  /** Requests per second, per client kind. */
  rps: number;
  /** Clients per keep-alive kind, each like one user's browser (up to 6 connections). */
  clients: number;
  /** The rate ramps up from 0 over this long at the start (0: full rate at once). */
  rampMs: number;
  durationMs: number;
  timeoutMs: number;
}

/** Every request of one client kind, column by column (index i is one request). */
export interface KindRecords {
  kind: ClientKind;
  sentAt: number[];
  doneAt: number[];
  target: number[];
  /** HTTP status, or the socket error's code. */
  outcome: (number | string)[];
  /** The service and color that answered ("" when none did). */
  service: string[];
  color: string[];
  retries: number;
  /** Requests the schedule asked for but the client could not send (too many in flight). */
  notSent: number;
}

export interface Started extends WorkerMessage {
  type: "started";
  at: number;
}

export interface Results extends WorkerMessage {
  type: "results";
  records: KindRecords[];
}

const MAX_IN_FLIGHT = 4_000;

/** What a browser opens per host over HTTP/1.1. */
const CONNECTIONS_PER_CLIENT = 6;

/**
 * A retrying client resends an idempotent request that failed on a reused connection before any
 * answer (RFC 9112, 9.3.1). Each such failure retires one stale pooled connection, so after at
 * most one retry per pooled connection the request goes out on a new one.
 */
const MAX_RETRIES = CONNECTIONS_PER_CLIENT;

/**
 * Sockets that have carried a response. Node marks `req.reusedSocket` only when a free socket is
 * handed out at once, not when a queued request gets it, so reuse is tracked here.
 */
const served = new WeakSet<object>();

interface Answer {
  status: number;
  service: string;
  color: string;
}

function request(payload: LoadPayload, path: string, agent: http.Agent | false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: payload.host,
        port: payload.port,
        path,
        method: "GET",
        agent,
        headers: agent === false ? { connection: "close" } : {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("error", reject);
        res.on("end", () => {
          let identity: { service?: string; color?: string } = {};
          try {
            identity = JSON.parse(body) as typeof identity;
          } catch {
            // A non-JSON answer (an nginx error page) names no color.
          }
          resolve({
            status: res.statusCode ?? 0,
            service: identity.service ?? "",
            color: identity.color ?? "",
          });
        });
      },
    );
    req.setTimeout(payload.timeoutMs, () =>
      req.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })),
    );
    let reused = false;
    req.on("socket", (socket) => {
      reused = served.has(socket);
      req.once("response", () => served.add(socket));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      reject(Object.assign(error, { reusedSocket: reused }));
    });
    req.end();
  });
}

/**
 * Requests due `elapsed` ms into the run: the rate ramps up linearly over `rampMs` (so the
 * processes warm up without a backlog), then holds at `rps`.
 */
export function scheduled(payload: Pick<LoadPayload, "rps" | "rampMs">, elapsed: number): number {
  const ramp = payload.rampMs;
  const ms =
    ramp > 0 && elapsed <= ramp ? (elapsed * elapsed) / (2 * ramp) : ramp / 2 + (elapsed - ramp);
  return Math.floor((ms * payload.rps) / 1000);
}

/** Worker entry: open-loop load (requests leave on schedule, whatever the answers do). */
export async function loadWorker(payload: LoadPayload): Promise<void> {
  let inFlight = 0;
  const clients = payload.kinds.map((kind) => {
    const agents =
      kind === "close"
        ? []
        : Array.from(
            { length: payload.clients },
            () => new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS_PER_CLIENT }),
          );
    const records: KindRecords = {
      kind,
      sentAt: [],
      doneAt: [],
      target: [],
      outcome: [],
      service: [],
      color: [],
      retries: 0,
      notSent: 0,
    };
    return { kind, agents, records, issued: 0 };
  });
  type Client = (typeof clients)[number];

  const fire = (client: Client): void => {
    const index = client.issued++;
    const targetIndex = index % payload.targets.length;
    const agent = client.kind === "close" ? false : client.agents[index % client.agents.length];
    const r = client.records;
    const slot = r.sentAt.length;
    r.sentAt.push(nowMs());
    r.target.push(targetIndex);
    r.doneAt.push(0);
    r.outcome.push("");
    r.service.push("");
    r.color.push("");
    inFlight++;
    const attempt = (tries: number): void => {
      request(payload, payload.targets[targetIndex].path, agent).then(
        (answer) => {
          r.doneAt[slot] = nowMs();
          r.outcome[slot] = answer.status;
          r.service[slot] = answer.service;
          r.color[slot] = answer.color;
          inFlight--;
        },
        (error: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
          const code = error.code ?? error.message;
          if (
            client.kind === "keepalive-retry" &&
            error.reusedSocket &&
            STALE_CONNECTION_ERRORS.has(code) &&
            tries < MAX_RETRIES
          ) {
            r.retries++;
            attempt(tries + 1);
            return;
          }
          r.doneAt[slot] = nowMs();
          r.outcome[slot] = code;
          inFlight--;
        },
      );
    };
    attempt(0);
  };

  const start = nowMs();
  await toDrill({ type: "started", at: start } as Started);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = nowMs() - start;
      const due = scheduled(payload, Math.min(elapsed, payload.durationMs));
      for (const client of clients) {
        while (client.issued < due) {
          if (inFlight >= MAX_IN_FLIGHT) {
            client.records.notSent += due - client.issued;
            client.issued = due;
            break;
          }
          fire(client);
        }
      }
      if (elapsed >= payload.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const drainUntil = nowMs() + payload.timeoutMs + 1_000;
  while (inFlight > 0 && nowMs() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  for (const client of clients) client.agents.forEach((agent) => agent.destroy());
  await toDrill({ type: "results", records: clients.map((client) => client.records) } as Results);
  process.exit(0);
}

export interface LoadRun {
  startedAt: number;
  results(): Promise<KindRecords[]>;
}

export async function startLoad(cleanup: Cleanup, payload: LoadPayload): Promise<LoadRun> {
  const worker = startWorker(
    cleanup,
    "load generator",
    require.resolve("./load"),
    "loadWorker",
    payload,
  );
  const started = await worker.next<Started>("started", 30_000);
  return {
    startedAt: started.at,
    results: async () =>
      (await worker.next<Results>("results", payload.durationMs + payload.timeoutMs + 30_000))
        .records,
  };
}
