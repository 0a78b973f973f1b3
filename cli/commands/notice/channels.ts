/**
 * One delivery attempt per channel kind. Each attempt either resolves or throws a DeliveryError
 * that says whether a retry can help: HTTP 5xx, a timeout or a refused connection can; HTTP 4xx
 * (a revoked webhook, a bad routing key) cannot. Clients:
 * - Slack: @slack/webhook's IncomingWebhook (any URL, so a loopback receiver too); its own
 *   retries are off, the caller retries every channel the same way.
 * - Teams, PagerDuty: plain fetch. @pagerduty/pdjs builds `https://${server}/v2/enqueue` (no
 *   plain-http receiver for drills) and retries 429 itself after 20 s, past our time bound.
 * - E-mail: nodemailer's SMTP transport.
 */
import { IncomingWebhook, IncomingWebhookHTTPError } from "@slack/webhook";
import * as nodemailer from "nodemailer";
import type { ChannelPayload } from "../../../domain/notification";

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** How long the receiver asked to wait before the next attempt (its Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface ChannelTarget {
  payload: ChannelPayload;
  /** The webhook URL, routing key or SMTP password; undefined when the channel needs none. */
  secret?: string;
  /** Email only: where and how to reach the SMTP server. */
  smtp?: { host: string; port: number; tls: "starttls" | "implicit" | "none"; user?: string };
}

/** Why a request got no answer, in one line: refused, reset, timed out. */
function networkReason(error: unknown): string {
  const { cause, name, message } = (error ?? {}) as {
    cause?: { code?: string; message?: string };
    name?: string;
    message?: string;
  };
  // AbortSignal.timeout's DOMException, or a client's wrapping of it ("TimeoutError: ...").
  if (name === "TimeoutError" || name === "AbortError" || /^TimeoutError\b/.test(message ?? "")) {
    return "timed out";
  }
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ""}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Retry-After as milliseconds: delay-seconds or an HTTP date (RFC 9110 section 10.2.3); undefined
 * when absent or unreadable.
 */
export function retryAfterMs(
  header: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A receiver's refusal. A 5xx, and a 429 (rate limited: Slack answers posts over its limit with
 * 429 and Retry-After, docs.slack.dev/apis/web-api/rate-limits; the PagerDuty Events API v2 with
 * 429 "too many requests", to be retried later) are worth retrying; any other 4xx is not.
 */
function httpFailure(
  status: number,
  statusText: string,
  body: string,
  retryAfter?: string | null,
): DeliveryError {
  const snippet = body.replace(/\s+/g, " ").trim().slice(0, 120);
  return new DeliveryError(
    `HTTP ${status} ${statusText}${snippet ? `: ${snippet}` : ""}`,
    status >= 500 || status === 429,
    retryAfterMs(retryAfter),
  );
}

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      redirect: "error",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new DeliveryError(networkReason(error), true);
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    throw httpFailure(
      response.status,
      response.statusText,
      text,
      response.headers.get("retry-after"),
    );
  }
  return `HTTP ${response.status}`;
}

async function sendSlack(url: string, body: object, timeoutMs: number): Promise<string> {
  const webhook = new IncomingWebhook(url, { timeout: timeoutMs, retryConfig: { retries: 0 } });
  try {
    await webhook.send(body);
    return "HTTP 200";
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      throw httpFailure(error.statusCode, error.statusMessage, error.body);
    }
    const original = (error as { original?: unknown }).original ?? error;
    throw new DeliveryError(networkReason(original), true);
  }
}

async function sendEmail(target: ChannelTarget, timeoutMs: number): Promise<string> {
  if (target.payload.kind !== "email" || !target.smtp) {
    throw new DeliveryError("an e-mail channel without its SMTP settings", false);
  }
  const { smtp } = target;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === "implicit",
    requireTLS: smtp.tls === "starttls",
    ignoreTLS: smtp.tls === "none",
    auth: smtp.user ? { user: smtp.user, pass: target.secret ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const { mail } = target.payload;
  try {
    const info = (await transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      headers: mail.headers,
      attachments: mail.attachments,
      disableFileAccess: true,
      disableUrlAccess: true,
    })) as { accepted?: unknown[]; rejected?: unknown[] };
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      throw new DeliveryError(`the server refused ${rejected.map(String).join(", ")}`, false);
    }
    return `accepted for ${(info.accepted ?? []).length} recipient(s)`;
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    const { responseCode, code, message } = error as {
      responseCode?: number;
      code?: string;
      message?: string;
    };
    // SMTP replies the other way round from HTTP: 4yz is transient, 5yz permanent (RFC 5321 §4.2.1).
    if (responseCode !== undefined) {
      throw new DeliveryError(
        `SMTP ${responseCode}: ${(message ?? "").split("\n")[0]}`,
        responseCode < 500,
      );
    }
    throw new DeliveryError(
      `${code ?? "SMTP"}: ${(message ?? String(error)).split("\n")[0]}`,
      code !== "EAUTH" && code !== "EENVELOPE",
    );
  } finally {
    transport.close();
  }
}

/** One attempt to deliver; resolves with what the receiver said. */
export async function deliverOnce(target: ChannelTarget, timeoutMs: number): Promise<string> {
  const { payload } = target;
  switch (payload.kind) {
    case "slack":
      return sendSlack(target.secret ?? "", payload.body, timeoutMs);
    case "teams":
      return postJson(target.secret ?? "", payload.body, timeoutMs);
    case "pagerduty":
      return postJson(
        payload.url,
        { ...payload.body, routing_key: target.secret ?? "" },
        timeoutMs,
      );
    case "email":
      return sendEmail(target, timeoutMs);
  }
}
