import type { RollbackNotice } from "./notice";

/** The template's labels, in the template's order. */
export const DETAIL_LABELS: [keyof RollbackNotice["details"], string][] = [
  ["rollbackTime", "Rollback Time"],
  ["triggerReason", "Trigger Reason"],
  ["environment", "Environment"],
  ["rollbackType", "Rollback Type"],
  ["previousVersion", "Previous Version"],
  ["currentVersion", "Current Version"],
];

export const STATUS_LABELS: [keyof RollbackNotice["status"], string][] = [
  ["services", "Services"],
  ["trading", "Trading"],
  ["dataIntegrity", "Data Integrity"],
];

function stakeholderLine(entry: RollbackNotice["stakeholders"][number]): string {
  return `${entry.when}${entry.by ? ` (by ${entry.by})` : ""}: ${entry.who}`;
}

function environmentWord(notice: RollbackNotice): string {
  return notice.details.environment.split(" ")[0].toLowerCase();
}

/** Plain text, laid out like the runbook's e-mail template. */
export function renderNoticeText(notice: RollbackNotice): string {
  return `${[
    `SUBJECT: ${notice.subject}`,
    "",
    "Team,",
    "",
    `A ${environmentWord(notice)} rollback has been executed for the AITB trading system.`,
    "",
    "DETAILS:",
    ...DETAIL_LABELS.map(([key, label]) => `- ${label}: ${notice.details[key]}`),
    "",
    "STATUS:",
    ...STATUS_LABELS.map(([key, label]) => `- ${label}: ${notice.status[key]}`),
    "",
    "NEXT STEPS:",
    ...notice.nextSteps.map((step, index) => `${index + 1}. ${step}`),
    "",
    `Team Lead: ${notice.teamLead}`,
    `Incident Number: ${notice.incident}`,
    "",
    "STAKEHOLDER COMMUNICATION:",
    ...notice.stakeholders.map((entry) => `- ${stakeholderLine(entry)}`),
  ].join("\n")}\n`;
}

export function renderNoticeMarkdown(notice: RollbackNotice): string {
  return `${[
    `## ${notice.subject}`,
    "",
    `A ${environmentWord(notice)} rollback has been executed for the AITB trading system.`,
    "",
    "**Details**",
    "",
    ...DETAIL_LABELS.map(([key, label]) => `- **${label}**: ${notice.details[key]}`),
    "",
    "**Status**",
    "",
    ...STATUS_LABELS.map(([key, label]) => `- **${label}**: ${notice.status[key]}`),
    "",
    "**Next steps**",
    "",
    ...notice.nextSteps.map((step, index) => `${index + 1}. ${step}`),
    "",
    `**Team Lead**: ${notice.teamLead}  `,
    `**Incident Number**: ${notice.incident}`,
    "",
    "**Stakeholder communication**",
    "",
    ...notice.stakeholders.map((entry) => `- ${stakeholderLine(entry)}`),
  ].join("\n")}\n`;
}
