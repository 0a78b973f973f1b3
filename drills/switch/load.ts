import * as net from "node:net";
import type { Cleanup } from "../cleanup";
import { nowMs } from "../clock";
import { startWorker, toDrill, type WorkerMessage } from "../worker";

/**
 * How a client uses connections. A reload of nginx closes idle keep-alive connections under
 * their clients; a switch by the switch record closes none. What a client sees depends on how it
 * holds connections and whether it retries, so the drill drives each kind on its own.
 */
export const CLIENT_KINDS = ["close", "keepalive-retry", "keepalive"] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_KIND_LABELS: Record<ClientKind, string> = {
  close: "new connection per request (Connection: close)",
  "keepalive-retry":
    "keep-alive, retries an idempotent request whose reused connection was closed (browsers, most HTTP clients)",
  keepalive: "keep-alive, never retries (raw socket errors)",
};

/** Errors of a request on a reused keep-alive connection that the server had closed. */
const STALE_CONNECTION_ERRORS = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "EOF"]);

/** A retrying client retires one stale pooled connection per retry (RFC 9112, 9.3.1). */
const MAX_RETRIES = 6;

export interface Target {
  path: string;
  service: string;
}

export interface LoadPayload {
  host: string;
  port: number;
  targets: Target[];
  kind: ClientKind;
  /** Connections held at once: each sends its next request as soon as the last one is answered. */
  connections: number;
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
  /** The service and color that answered (from its body; "" when none did). */
  service: string[];
  color: string[];
  retries: number;
  /** Requests the client could not send (always 0 for this closed-loop client; kept for reports). */
  notSent: number;
}

export interface Started extends WorkerMessage {
  type: "started";
  at: number;
}

export interface Results extends WorkerMessage {
  type: "results";
  records: KindRecords;
}

interface Answer {
  status: number;
  service: string;
  color: string;
  /** The server said it closes the connection after this response. */
  close: boolean;
}

const SERVICE = /"service":"([^"]*)"/;
const COLOR = /"color":"([^"]*)"/;

/** One HTTP/1.1 connection: a request at a time, the answer parsed by hand (fast, exact). */
class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (a: Answer) => void; reject: (e: NodeJS.ErrnoException) => void };
  private failure?: NodeJS.ErrnoException;
  private timer?: NodeJS.Timeout;
  served = 0;

  /** Closed by the server before this client sent anything on it: any client would just drop it. */
  get dead(): boolean {
    return this.failure !== undefined;
  }

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => this.fail(error));
    socket.on("close", () =>
      this.fail(Object.assign(new Error("closed before an answer"), { code: "EOF" })),
    );
  }

  static open(host: string, port: number, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private fail(error: NodeJS.ErrnoException): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    if (this.timer) clearTimeout(this.timer);
    pending?.reject(error);
  }

  private parse(): void {
    if (!this.pending) return;
    const head = this.buffer.indexOf("\r\n\r\n");
    if (head < 0) return;
    const headers = this.buffer.toString("latin1", 0, head);
    const status = Number(headers.slice(9, 12));
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(headers)?.[1] ?? "0");
    const end = head + 4 + length;
    if (this.buffer.length < end) return;
    const body = this.buffer.toString("utf8", head + 4, end);
    this.buffer = this.buffer.subarray(end);
    const pending = this.pending;
    this.pending = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.served++;
    pending.resolve({
      status,
      service: SERVICE.exec(body)?.[1] ?? "",
      color: COLOR.exec(body)?.[1] ?? "",
      close: /\r\nconnection: *close/i.test(headers),
    });
  }

  request(host: string, path: string, close: boolean, timeoutMs: number): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.timer = setTimeout(() => {
        this.fail(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" }));
        this.socket.destroy();
      }, timeoutMs);
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${close ? "Connection: close\r\n" : ""}\r\n`,
      );
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * Worker entry: closed-loop load at the highest rate this client reaches. `connections` loops
 * each send a request, wait for its answer, record it and send the next, for `durationMs`.
 */
export async function loadWorker(payload: LoadPayload): Promise<void> {
  const records: KindRecords = {
    kind: payload.kind,
    sentAt: [],
    doneAt: [],
    target: [],
    outcome: [],
    service: [],
    color: [],
    retries: 0,
    notSent: 0,
  };
  const close = payload.kind === "close";
  let issued = 0;
  const start = nowMs();
  const end = start + payload.durationMs;
  await toDrill({ type: "started", at: start } as Started);

  const loop = async (): Promise<void> => {
    let connection: Connection | undefined;
    while (nowMs() < end) {
      const targetIndex = issued++ % payload.targets.length;
      const path = payload.targets[targetIndex].path;
      const sentAt = nowMs();
      let outcome: number | string = "";
      let service = "";
      let color = "";
      for (let tries = 0; ; tries++) {
        let reused = false;
        try {
          if (connection?.dead) {
            connection.destroy();
            connection = undefined;
          }
          if (!connection) {
            connection = await Connection.open(payload.host, payload.port, payload.timeoutMs);
          }
          reused = connection.served > 0;
          const answer = await connection.request(payload.host, path, close, payload.timeoutMs);
          outcome = answer.status;
          service = answer.service;
          color = answer.color;
          if (close || answer.close) {
            connection.destroy();
            connection = undefined;
          }
          break;
        } catch (error) {
          connection?.destroy();
          connection = undefined;
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          if (
            payload.kind === "keepalive-retry" &&
            reused &&
            STALE_CONNECTION_ERRORS.has(code) &&
            tries < MAX_RETRIES
          ) {
            records.retries++;
            continue;
          }
          outcome = code;
          break;
        }
      }
      records.sentAt.push(sentAt);
      records.doneAt.push(nowMs());
      records.target.push(targetIndex);
      records.outcome.push(outcome);
      records.service.push(service);
      records.color.push(color);
    }
    connection?.destroy();
  };
  await Promise.all(Array.from({ length: payload.connections }, loop));
  await toDrill({ type: "results", records } as Results);
  process.exit(0);
}

export interface LoadRun {
  startedAt: number;
  results(): Promise<KindRecords>;
}

export async function startLoad(cleanup: Cleanup, payload: LoadPayload): Promise<LoadRun> {
  const worker = startWorker(
    cleanup,
    `load generator (${payload.kind})`,
    require.resolve("./load"),
    "loadWorker",
    payload,
  );
  const started = await worker.next<Started>("started", 30_000);
  return {
    startedAt: started.at,
    results: async () =>
      (await worker.next<Results>("results", payload.durationMs + payload.timeoutMs + 60_000))
        .records,
  };
}
