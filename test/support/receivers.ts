/**
 * The loopback receivers of the notification tests: drills/notify/receivers.ts (an HTTP server
 * recording Slack, Teams and PagerDuty requests; an SMTP server from smtp-server), with every
 * received mail parsed by mailparser.
 */
import { simpleParser } from "mailparser";
import type { SmtpReceiver } from "../../drills/notify/receivers";

export {
  closedPort,
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type RecordedRequest,
  type SmtpReceiver,
} from "../../drills/notify/receivers";

export interface ParsedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Map<string, unknown>;
  attachments: { filename: string; content: string }[];
  auth?: { user: string; pass: string };
  raw: string;
}

/** Every mail the receiver accepted, parsed. */
export async function parsedMails(receiver: SmtpReceiver): Promise<ParsedMail[]> {
  return Promise.all(
    receiver.mails.map(async (mail) => {
      const parsed = await simpleParser(mail.raw);
      const to = Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : [];
      return {
        from: parsed.from?.value.map((a) => a.address ?? "").join(",") ?? "",
        to: to.flatMap((group) => group.value.map((a) => a.address ?? "")),
        subject: parsed.subject ?? "",
        text: parsed.text ?? "",
        messageId: parsed.messageId ?? "",
        headers: parsed.headers,
        attachments: parsed.attachments.map((file) => ({
          filename: file.filename ?? "",
          content: file.content.toString("utf8"),
        })),
        auth: mail.auth,
        raw: mail.raw,
      };
    }),
  );
}
