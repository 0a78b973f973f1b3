/**
 * What each channel is sent for one stage of one incident: the exact request body, built from
 * validated one-line fields. Pure: the secrets (webhook URL, routing key, SMTP password) are not
 * here; the sender adds them, so a dry run prints these bodies as they will be sent.
 */
import { escapeSlack, escapeTeams, oneLine } from "./notificationText";

/** The stakeholder schedule's stages: immediately, within 1 hour, within 4 hours. */
export type NotificationStage = "now" | "1h" | "4h";

export const STAGE_NAMES: Record<NotificationStage, string> = {
  now: "immediately",
  "1h": "within 1 hour",
  "4h": "within 4 hours",
};

/** The channel settings this module reads (config/notifications.ts validates them). */
export type ChannelSpec =
  | { kind: "slack" }
  | { kind: "teams" }
  | {
      kind: "pagerduty";
      eventsUrl: string;
      severity: "critical" | "error" | "warning" | "info";
    }
  | { kind: "email"; from: string; to: string[] };

export interface NotificationMessage {
  stack: string;
  incident: string;
  stage: NotificationStage;
  subject: string;
  /** The body, one entry per line (each made one line again here). */
  lines: string[];
  /** Who the stage is for, in the runbook's words. */
  audience: string[];
  /** A file sent with the e-mail (the incident report at 4 h). */
  attachment?: { filename: string; content: string };
}

export type ChannelPayload =
  | { kind: "slack"; body: { text: string; unfurl_links: false; unfurl_media: false } }
  | { kind: "teams"; body: Record<string, unknown> }
  | { kind: "pagerduty"; url: string; body: PagerDutyEvent }
  | { kind: "email"; mail: EmailMessage };

/** PagerDuty Events API v2 trigger (https://developer.pagerduty.com/docs/events-API-v2/trigger-events). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger";
  /** The incident: a resend of any stage updates the one alert instead of opening another. */
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: "critical" | "error" | "warning" | "info";
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, string>;
  };
}

export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** Stable per stack, incident and stage: a resend that does get through is one thread. */
  messageId: string;
  headers: Record<string, string>;
  attachments: { filename: string; content: string }[];
}

/** The placeholder a body carries where the sender puts the routing key. */
export const ROUTING_KEY_PLACEHOLDER = "[secret]";

/** PagerDuty's limits: summary 1024 characters, dedup_key 255. */
const PD_SUMMARY_MAX = 1024;
const PD_DEDUP_MAX = 255;
/** Slack's limit on a message's text is 40,000 characters; keep well inside it. */
const CHAT_TEXT_MAX = 35_000;

export function dedupKey(stack: string, incident: string): string {
  return `aitb/${stack}/${incident}`.slice(0, PD_DEDUP_MAX);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 20)} … (truncated)`;
}

function bodyLines(message: NotificationMessage): string[] {
  return [
    `To: ${message.audience.map(oneLine).join(", ")} (${STAGE_NAMES[message.stage]})`,
    "",
    ...message.lines.map(oneLine),
  ];
}

/** A line as a RichTextBlock of one plain TextRun. */
function richText(text: string, style: Record<string, string> = {}) {
  return { type: "RichTextBlock", inlines: [{ type: "TextRun", text, ...style }] };
}

/** The exact body a channel is sent for the message. */
export function channelPayload(channel: ChannelSpec, message: NotificationMessage): ChannelPayload {
  const subject = oneLine(message.subject);
  const lines = bodyLines(message);
  switch (channel.kind) {
    case "slack":
      return {
        kind: "slack",
        body: {
          text: clip(
            `*${escapeSlack(subject)}*\n${lines.map(escapeSlack).join("\n")}`,
            CHAT_TEXT_MAX,
          ),
          unfurl_links: false,
          unfurl_media: false,
        },
      };
    case "teams":
      // A Workflows webhook ("Send webhook alerts to a channel"), which takes a message with an
      // Adaptive Card attachment; the Office 365 connectors' MessageCard webhooks are retired
      // (devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-
      // microsoft-teams; on 2026-03-31, as Argo CD's teams-workflows notification docs give it). Every line is a TextRun of a RichTextBlock: a TextRun renders no
      // markdown (learn.microsoft.com/adaptive-cards/schema-explorer/text-run) and cards render
      // no HTML, so no field can make a link, a mention or a heading.
      return {
        kind: "teams",
        body: {
          type: "message",
          attachments: [
            {
              contentType: "application/vnd.microsoft.card.adaptive",
              contentUrl: null,
              content: {
                $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
                type: "AdaptiveCard",
                version: "1.2",
                body: [
                  richText(escapeTeams(subject), { weight: "Bolder", size: "Medium" }),
                  ...clip(lines.map(escapeTeams).join("\n"), CHAT_TEXT_MAX)
                    .split("\n")
                    .filter((line) => line.trim() !== "")
                    .map((line) => richText(line)),
                ],
              },
            },
          ],
        },
      };
    case "pagerduty":
      return {
        kind: "pagerduty",
        url: channel.eventsUrl,
        body: {
          routing_key: ROUTING_KEY_PLACEHOLDER,
          event_action: "trigger",
          dedup_key: dedupKey(message.stack, message.incident),
          payload: {
            summary: clip(`${subject} (${message.incident})`, PD_SUMMARY_MAX),
            source: `aitb/${message.stack}`,
            severity: channel.severity,
            component: "aitb",
            group: message.stack,
            class: "rollback",
            custom_details: {
              incident: oneLine(message.incident),
              stage: STAGE_NAMES[message.stage],
              notice: clip(lines.join("\n"), 20_000),
            },
          },
        },
      };
    case "email":
      return {
        kind: "email",
        mail: {
          from: channel.from,
          to: channel.to,
          subject,
          text: `${lines.join("\n")}\n`,
          messageId: `<aitb.${message.stack}.${message.incident.replace(/[^A-Za-z0-9.-]/g, "-")}.${message.stage}@aitb.invalid>`,
          headers: {
            "X-AITB-Stack": message.stack,
            "X-AITB-Incident": oneLine(message.incident),
            "X-AITB-Stage": message.stage,
          },
          attachments: message.attachment ? [message.attachment] : [],
        },
      };
  }
}
