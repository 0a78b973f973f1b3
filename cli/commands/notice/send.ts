/**
 * Send one stage of the stakeholder schedule to its tier's channels: in parallel (one channel
 * down does not hold the others), each within its time bound and with retries, each delivery
 * written to the ledger as it lands, and a resend skipping what was delivered.
 */
import {
  NotificationsConfigError,
  readNotifications,
  STAGES,
  type ChannelConfig,
  type NotificationsConfig,
  type Stage,
} from "../../../config/notifications";
import {
  channelPayload,
  STAGE_NAMES,
  type ChannelPayload,
  type NotificationMessage,
} from "../../../domain/notification";
import { InputError } from "../../exitCodes";
import type { CommandIo } from "../../shared/io";
import { deliverOnce, type ChannelTarget } from "./channels";
import { channelSecrets } from "./channelsSecrets";
import { ledgerFile, readLedger, withLedgerLock, writeLedger } from "./sendLedger";
import { DEFAULT_RETRY, withRetries } from "./sendRetry";

export type OutcomeStatus = "delivered" | "already delivered" | "failed" | "would send";

export interface ChannelOutcome {
  channel: string;
  kind: string;
  status: OutcomeStatus;
  attempts: number;
  detail: string;
  ms: number;
}

export interface SendRequest {
  stack: string;
  stage: Stage;
  incident: string;
  /** Subject, body lines and attachment; the audience comes from the stage's tier. */
  subject: string;
  lines: string[];
  attachment?: NotificationMessage["attachment"];
  dryRun?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Overrides the file's channelTimeoutSeconds (tests). */
  channelTimeoutMs?: number;
}

/** An incident id names folders of the ledger and the incident log: a plain token only. */
export function incidentId(
  incident: string | undefined,
  key = "aitb:change.incident",
  command = "notice",
): string {
  if (!incident) {
    throw new InputError(command, [
      {
        key,
        message:
          "is missing; a notice is sent for an incident: set it with aitb rollback --incident <id> (or in the change record)",
      },
    ]);
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(incident) || incident.includes("..")) {
    throw new InputError(command, [
      {
        key,
        message: `"${incident}" cannot name the incident's ledger and log: expected letters, digits, ".", "_" or "-" (at most 64), such as "INC-4411"`,
      },
    ]);
  }
  return incident;
}

/** The notifications file, its problems as bad input (exit 2). */
export function notificationsOf(root: string): NotificationsConfig | undefined {
  try {
    return readNotifications(root);
  } catch (error) {
    if (error instanceof NotificationsConfigError) throw new InputError("notice", error.issues);
    throw error;
  }
}

export function isConfiguredFor(config: NotificationsConfig | undefined, stack: string): boolean {
  return config?.stacks[stack] !== undefined;
}

/** The stage's channels that the stack sends through. */
export function stageChannels(
  config: NotificationsConfig | undefined,
  stack: string,
  stage: Stage,
): { config: NotificationsConfig; channels: Record<string, ChannelConfig> } {
  if (!config) {
    throw new InputError("notice", [
      {
        key: "notifications.yaml",
        message:
          "no such file beside the stack files: declare the channels, tiers and the stacks that send (docs/runbook.md, Communication procedures)",
      },
    ]);
  }
  const settings = config.stacks[stack];
  if (!settings) {
    throw new InputError("notice", [
      {
        key: `notifications.yaml:stacks.${stack}`,
        message: `stack ${stack} sends nothing: add it with the channels it uses (stacks: {${stack}: {channels: [...]}})`,
      },
    ]);
  }
  const ids = config.tiers[stage].channels.filter((id) => settings.channels.includes(id));
  if (ids.length === 0) {
    throw new InputError("notice", [
      {
        key: `notifications.yaml:tiers.${stage}.channels`,
        message: `no channel of this tier is one of stack ${stack}'s (${settings.channels.join(", ")}); the ${STAGE_NAMES[stage]} audience would hear nothing`,
      },
    ]);
  }
  return { config, channels: Object.fromEntries(ids.map((id) => [id, config.channels[id]])) };
}

function describeRequest(channel: string, payload: ChannelPayload): string {
  const head = `--- ${channel} (${payload.kind})`;
  switch (payload.kind) {
    case "slack":
    case "teams":
      return `${head}: POST [secret webhook URL]\n${JSON.stringify(payload.body, null, 2)}`;
    case "pagerduty":
      return `${head}: POST ${payload.url}\n${JSON.stringify(payload.body, null, 2)}`;
    case "email": {
      const { mail } = payload;
      return [
        `${head}: SMTP`,
        `From: ${mail.from}`,
        `To: ${mail.to.join(", ")}`,
        `Subject: ${mail.subject}`,
        `Message-ID: ${mail.messageId}`,
        ...Object.entries(mail.headers).map(([name, value]) => `${name}: ${value}`),
        ...mail.attachments.map(
          (file) => `Attachment: ${file.filename} (${Buffer.byteLength(file.content)} bytes)`,
        ),
        "",
        mail.text.trimEnd(),
      ].join("\n");
    }
  }
}

/** Per channel, what was delivered, in one line each. */
export function renderOutcomes(stage: Stage, outcomes: readonly ChannelOutcome[]): string {
  const lines = outcomes.map((outcome) => {
    const took = `${(outcome.ms / 1000).toFixed(1)} s`;
    switch (outcome.status) {
      case "delivered":
        return `  delivered          ${outcome.channel} (${outcome.kind}) in ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}, ${took}: ${outcome.detail}`;
      case "already delivered":
        return `  already delivered  ${outcome.channel} (${outcome.kind}) ${outcome.detail}`;
      case "would send":
        return `  would send         ${outcome.channel} (${outcome.kind})`;
      case "failed":
        return `  FAILED             ${outcome.channel} (${outcome.kind}) after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"} (${took}): ${outcome.detail}`;
    }
  });
  return `Notice, stage ${stage} (${STAGE_NAMES[stage]}):\n${lines.join("\n")}\n`;
}

/** Send (or with dryRun print) one stage; returns what happened per channel. */
export async function sendStage(request: SendRequest, io: CommandIo): Promise<ChannelOutcome[]> {
  if (!(STAGES as readonly string[]).includes(request.stage)) {
    throw new InputError("notice", [
      { key: "--stage", message: `expected one of ${STAGES.join(", ")}` },
    ]);
  }
  const incident = incidentId(request.incident);
  const { config, channels } = stageChannels(
    notificationsOf(io.root),
    request.stack,
    request.stage,
  );
  const message: NotificationMessage = {
    stack: request.stack,
    incident,
    stage: request.stage,
    subject: request.subject,
    lines: request.lines,
    audience: config.tiers[request.stage].audience,
    attachment: request.attachment,
  };
  const payloads = Object.entries(channels).map(([id, channel]) => ({
    id,
    channel,
    payload: channelPayload(channel, message),
  }));
  if (request.dryRun) {
    io.out(
      `Dry run: nothing is sent. Stage ${request.stage} (${STAGE_NAMES[request.stage]}), incident ${incident}, stack ${request.stack}:\n\n${payloads.map(({ id, payload }) => describeRequest(id, payload)).join("\n\n")}\n`,
    );
    return payloads.map(({ id, payload }) => ({
      channel: id,
      kind: payload.kind,
      status: "would send",
      attempts: 0,
      detail: "",
      ms: 0,
    }));
  }
  const env = request.env ?? process.env;
  const file = ledgerFile(io.root, request.stack, incident, request.stage);
  const totalMs = request.channelTimeoutMs ?? config.channelTimeoutSeconds * 1000;
  const clock = io.clock ?? (() => new Date());
  return withLedgerLock(file, async () => {
    const ledger = readLedger(file, request.stack, incident, request.stage);
    const pending = payloads.filter(({ id }) => !ledger.delivered[id]);
    const secrets = await channelSecrets(
      request.stack,
      Object.fromEntries(pending.map(({ id, channel }) => [id, channel])),
      io.root,
      env,
    );
    return Promise.all(
      payloads.map(async ({ id, channel, payload }): Promise<ChannelOutcome> => {
        const done = ledger.delivered[id];
        if (done) {
          return {
            channel: id,
            kind: payload.kind,
            status: "already delivered",
            attempts: 0,
            detail: `at ${done.at} (${done.attempts} attempt${done.attempts === 1 ? "" : "s"}); not sent again`,
            ms: 0,
          };
        }
        const target: ChannelTarget = {
          payload,
          secret: secrets[id],
          smtp: channel.kind === "email" ? channel.smtp : undefined,
        };
        const result = await withRetries((timeoutMs) => deliverOnce(target, timeoutMs), {
          ...DEFAULT_RETRY,
          totalMs,
        });
        if (!result.ok) {
          return {
            channel: id,
            kind: payload.kind,
            status: "failed",
            attempts: result.attempts,
            detail: result.why,
            ms: result.ms,
          };
        }
        // One process writes the ledger; each write is the whole file, so the order is safe.
        ledger.delivered[id] = {
          kind: payload.kind,
          at: clock().toISOString(),
          attempts: result.attempts,
          detail: result.detail,
        };
        writeLedger(file, ledger);
        return {
          channel: id,
          kind: payload.kind,
          status: "delivered",
          attempts: result.attempts,
          detail: result.detail,
          ms: result.ms,
        };
      }),
    );
  });
}
