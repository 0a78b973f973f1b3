/**
 * What each stage says. Immediately and within 1 hour: the runbook's notice, every field made one
 * line first (a field with a line break would otherwise add a line of its own to the notice).
 * Within 4 hours: the incident report, kept at .aitb/incidents/<stack>/<id>.md and sent with it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stage } from "../../../config/notifications";
import type { NotificationMessage } from "../../../domain/notification";
import { oneLineDeep } from "../../../domain/notificationText";
import { incidentReport, incidentReportFile } from "../report";
import type { RollbackNotice } from "./notice";
import { renderNoticeText } from "./noticeRender";

export interface StageMessage {
  subject: string;
  lines: string[];
  attachment?: NotificationMessage["attachment"];
}

/** The notice's text lines, its SUBJECT line left to the channel's own subject. */
export function noticeLines(notice: RollbackNotice): string[] {
  const lines = renderNoticeText(oneLineDeep(notice)).trimEnd().split("\n");
  return lines[0].startsWith("SUBJECT:") ? lines.slice(lines[1] === "" ? 2 : 1) : lines;
}

export function stageMessage(
  stage: Stage,
  notice: RollbackNotice,
  context: {
    root: string;
    stack: string;
    incident: string;
    now: Date;
    /** A dry run writes nothing, the report file included. */
    dryRun?: boolean;
  },
): StageMessage {
  const safe = oneLineDeep(notice);
  if (stage === "now") return { subject: safe.subject, lines: noticeLines(notice) };
  if (stage === "1h") {
    return {
      subject: `${safe.subject}: stakeholder update (${context.incident})`,
      lines: noticeLines(notice),
    };
  }
  const markdown = incidentReport(context.root, context.stack, context.incident, context.now);
  const file = incidentReportFile(context.root, context.stack, context.incident);
  if (!context.dryRun) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, markdown);
    fs.renameSync(`${file}.tmp`, file);
  }
  return {
    subject: `AITB incident report ${context.incident} (stack ${context.stack})`,
    lines: [
      `The full incident report for ${context.incident}, with the root cause to complete: ${path.relative(context.root, file)} (aitb report --stack ${context.stack} --incident ${context.incident})`,
      "",
      ...markdown.trimEnd().split("\n"),
    ],
    attachment: { filename: `incident-${context.incident}.md`, content: markdown },
  };
}
