/**
 * Who hears of a rollback, and how: `notifications.yaml` beside the stack files. Contacts, tiers
 * and channels are not secrets and not rules (a stack file cannot choose them, the pack does not
 * judge them), and they are shared by the stacks, so they live in one committed, reviewed file.
 * The channels' secrets (webhook URLs, routing keys, SMTP passwords) never live here: each is a
 * `secure:` value of the stack (`pulumi config set --secret aitb-notify:<channel> <value>`), or
 * the environment variable AITB_NOTIFY_SECRET_<CHANNEL> (CI, tests).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { ConfigIssue } from "./errors";
import { recordText } from "./grammar";

export const NOTIFICATIONS_FILE = "notifications.yaml";

/** The Pulumi config namespace of the channels' secrets; kept apart from `aitb:` (the program never reads them). */
export const NOTIFY_SECRET_NAMESPACE = "aitb-notify";

/** The runbook's stakeholder schedule, in order: immediately, within 1 hour, within 4 hours. */
export const STAGES = ["now", "1h", "4h"] as const;
export type Stage = (typeof STAGES)[number];

export const CHANNEL_KINDS = ["slack", "teams", "pagerduty", "email"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const channelId = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{1,40}$/,
    'expected a channel id of lower-case letters, digits and "-", such as "trading-slack"',
  );

const contactId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,40}$/, 'expected a contact id such as "devops-lead"');

/** An address that cannot carry a second header: no space, no control character, no comma. */
const emailAddress = z
  .string()
  .regex(
    /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
    'expected one e-mail address such as "oncall@example.com"',
  );

const phone = z
  .string()
  .regex(/^\+[0-9][0-9 -]{6,20}$/, 'expected a phone number such as "+1-555-0100"');

const hostName = z
  .string()
  .regex(
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    'expected a host name such as "smtp.example.com"',
  );

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const httpsUrl = z
  .string()
  .url("expected a URL such as https://events.pagerduty.com/v2/enqueue")
  .refine(
    (value) => {
      const url = new URL(value);
      return (
        url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))
      );
    },
    { message: "expected an https:// URL (plain http only to a loopback address, for drills)" },
  );

const slackChannel = z.object({ kind: z.literal("slack") }).strict();
const teamsChannel = z.object({ kind: z.literal("teams") }).strict();

const pagerdutyChannel = z
  .object({
    kind: z.literal("pagerduty"),
    /** PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-API-v2/trigger-events). */
    eventsUrl: httpsUrl.default("https://events.pagerduty.com/v2/enqueue"),
    severity: z.enum(["critical", "error", "warning", "info"]).default("critical"),
  })
  .strict();

const emailChannel = z
  .object({
    kind: z.literal("email"),
    smtp: z
      .object({
        host: hostName,
        port: z.number().int().min(1).max(65535).default(587),
        /** starttls (587), implicit (465); none only to a loopback host (drills, tests). */
        tls: z.enum(["starttls", "implicit", "none"]).default("starttls"),
        /** The SMTP user; the password is the channel's secret. Absent: no authentication. */
        user: recordText("expected the SMTP user", 120).optional(),
      })
      .strict()
      .refine((smtp) => smtp.tls !== "none" || isLoopbackHost(smtp.host), {
        message: 'tls "none" sends the notice in clear text: only to a loopback host',
        path: ["tls"],
      }),
    from: emailAddress,
    to: z.array(emailAddress).min(1, "expected at least one recipient"),
  })
  .strict();

export const channelSchema = z.discriminatedUnion("kind", [
  slackChannel,
  teamsChannel,
  pagerdutyChannel,
  emailChannel,
]);

export const contactSchema = z
  .object({
    role: recordText("expected the contact's role, such as DevOps Lead", 80),
    name: recordText("expected the contact's name", 80).optional(),
    phone: phone.optional(),
    email: emailAddress.optional(),
    /** The seed's groups: the immediate response team, escalation, external. */
    group: z.enum(["response", "escalation", "external"]),
  })
  .strict();

const tierSchema = z
  .object({
    /** Who this tier is, in the runbook's words (Trading team, DevOps team, Management). */
    audience: z.array(recordText("expected an audience", 80)).min(1),
    channels: z.array(channelId).default([]),
  })
  .strict();

const stackNotifications = z
  .object({
    /** The channels this stack sends through (each stack sets its own secrets for them). */
    channels: z.array(channelId).min(1),
    /** `aitb up` sends the first stage after the update, passed or failed. */
    sendOnUp: z.boolean().default(true),
  })
  .strict();

export const notificationsSchema = z
  .object({
    contacts: z.record(contactId, contactSchema).default({}),
    channels: z.record(channelId, channelSchema).default({}),
    tiers: z.object({ now: tierSchema, "1h": tierSchema, "4h": tierSchema }).strict(),
    stacks: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,40}$/), stackNotifications).default({}),
    /** Seconds each channel may take in all, its retries included. */
    channelTimeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const stage of STAGES) {
      file.tiers[stage].channels.forEach((id, index) => {
        if (!(id in file.channels)) {
          ctx.addIssue({
            code: "custom",
            path: ["tiers", stage, "channels", index],
            message: `"${id}" is not a channel; expected one of ${Object.keys(file.channels).join(", ") || "(none declared under channels)"}`,
          });
        }
      });
    }
    for (const [stack, settings] of Object.entries(file.stacks)) {
      settings.channels.forEach((id, index) => {
        if (!(id in file.channels)) {
          ctx.addIssue({
            code: "custom",
            path: ["stacks", stack, "channels", index],
            message: `"${id}" is not a channel; expected one of ${Object.keys(file.channels).join(", ")}`,
          });
        }
      });
    }
  });

export type NotificationsConfig = z.output<typeof notificationsSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type ContactConfig = z.output<typeof contactSchema>;

/** The notifications file could not be used; each issue names its key and the fix. */
export class NotificationsConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `${NOTIFICATIONS_FILE} is not valid (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
        issues.map((issue) => `  - ${issue.key}: ${issue.message}`).join("\n"),
    );
    this.name = "NotificationsConfigError";
  }
}

function keyOf(pathParts: readonly PropertyKey[]): string {
  return `${NOTIFICATIONS_FILE}:${pathParts.map(String).join(".")}`;
}

/** Validate the parsed file; throws NotificationsConfigError naming every key at fault. */
export function validateNotifications(raw: unknown): NotificationsConfig {
  const parsed = notificationsSchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  throw new NotificationsConfigError(
    parsed.error.issues.map((issue) => ({
      key: keyOf(issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]] : issue.path),
      message:
        issue.code === "unrecognized_keys"
          ? `unknown key ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove or correct it`
          : issue.message,
    })),
  );
}

/** The project's notifications file; undefined when there is none (nothing is configured). */
export function readNotifications(root: string): NotificationsConfig | undefined {
  const file = path.join(root, NOTIFICATIONS_FILE);
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new NotificationsConfigError([
      { key: NOTIFICATIONS_FILE, message: `is not valid YAML: ${(error as Error).message}` },
    ]);
  }
  return validateNotifications(raw);
}

/** The stack-config key of a channel's secret, and its environment override. */
export function channelSecretKey(channel: string): string {
  return `${NOTIFY_SECRET_NAMESPACE}:${channel}`;
}

export function channelSecretEnv(channel: string): string {
  return `AITB_NOTIFY_SECRET_${channel.toUpperCase().replace(/-/g, "_")}`;
}

/** Whether a channel needs a secret: every webhook and routing key does; SMTP only with a user. */
export function needsSecret(channel: ChannelConfig): boolean {
  return channel.kind !== "email" || channel.smtp.user !== undefined;
}
