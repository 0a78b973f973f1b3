/**
 * Loopback receivers for the notification channels: an HTTP server that records Slack, Teams and
 * PagerDuty-shaped requests (and can fail, or hang, on purpose), and an SMTP server (smtp-server)
 * that keeps each message as received. `aitb drill notify` runs them; the tests add a parse of
 * the messages with mailparser (test/support/receivers.ts).
 */
import * as http from "node:http";
import * as net from "node:net";
import { SMTPServer } from "smtp-server";

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** The status the receiver answered with. */
  status: number;
}

export type Behaviour =
  /**
   * Answer these statuses in turn, then 200 (Slack: "ok"; PagerDuty: 202 with a dedup key); with
   * `retryAfter`, each of them carries that Retry-After header (seconds), as a rate limit does.
   */
  | { kind: "statuses"; statuses: number[]; retryAfter?: number }
  /** Never answer (a channel that hangs). */
  | { kind: "hang" };

export interface HttpReceiver {
  host: string;
  port: number;
  url(path: string): string;
  requests: RecordedRequest[];
  /** Requests to one path, in order. */
  to(path: string): RecordedRequest[];
  behave(path: string, behaviour: Behaviour): void;
  close(): Promise<void>;
}

function successBody(path: string, body: unknown): { status: number; text: string } {
  if (path.includes("enqueue")) {
    const dedup = (body as { dedup_key?: string } | null)?.dedup_key ?? "";
    return {
      status: 202,
      text: JSON.stringify({ status: "success", message: "Event processed", dedup_key: dedup }),
    };
  }
  return { status: 200, text: path.includes("teams") ? "1" : "ok" };
}

export async function startHttpReceiver(host = "127.0.0.1"): Promise<HttpReceiver> {
  const requests: RecordedRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // recorded as text
      }
      const behaviour = behaviours.get(path);
      if (behaviour?.kind === "hang") {
        requests.push({ path, headers: req.headers, body, status: 0 });
        hanging.add(res);
        return;
      }
      const queued = behaviour?.kind === "statuses" ? behaviour.statuses.shift() : undefined;
      const answer =
        queued !== undefined
          ? { status: queued, text: `receiver answers ${queued}` }
          : successBody(path, body);
      requests.push({ path, headers: req.headers, body, status: answer.status });
      const retryAfter =
        queued !== undefined && behaviour?.kind === "statuses" && behaviour.retryAfter !== undefined
          ? { "Retry-After": String(behaviour.retryAfter) }
          : {};
      res.writeHead(answer.status, { "Content-Type": "text/plain", ...retryAfter });
      res.end(answer.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    url: (path) => `http://${host}:${port}${path}`,
    requests,
    to: (path) => requests.filter((request) => request.path === path),
    behave: (path, behaviour) => void behaviours.set(path, behaviour),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReceivedMail {
  /** The message as the client sent it (headers and body, RFC 5322). */
  raw: string;
  envelopeFrom: string;
  envelopeTo: string[];
  /** The SMTP user that authenticated, and the password it gave (to check the secret arrived). */
  auth?: { user: string; pass: string };
}

export interface SmtpReceiver {
  host: string;
  port: number;
  mails: ReceivedMail[];
  /** Refuse the next n messages with a transient 451 before accepting. */
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function startSmtpReceiver(host = "127.0.0.1"): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  let failures = 0;
  const auths = new Map<string, { user: string; pass: string }>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, session, callback) {
      auths.set(session.id, { user: auth.username ?? "", pass: auth.password ?? "" });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (failures > 0) {
          failures -= 1;
          const error = new Error("try again later") as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
          return;
        }
        const from = session.envelope.mailFrom;
        mails.push({
          raw: Buffer.concat(chunks).toString("utf8"),
          envelopeFrom: from ? from.address : "",
          envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          auth: auths.get(session.id),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    mails,
    failNext: (n) => void (failures = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A header of a raw message, unfolded. */
export function headerOf(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(host = "127.0.0.1"): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
