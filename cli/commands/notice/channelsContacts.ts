/** The runbook's emergency contacts, from notifications.yaml, as `aitb up` prints them when it fails. */
import type { NotificationsConfig } from "../../../config/notifications";
import { oneLine } from "../../../domain/notificationText";

const GROUPS = [
  ["response", "Immediate response team"],
  ["escalation", "Escalation"],
  ["external", "External"],
] as const;

export function renderContacts(config: NotificationsConfig | undefined): string {
  const contacts = Object.values(config?.contacts ?? {});
  if (contacts.length === 0) {
    return "Emergency contacts: none declared (notifications.yaml: contacts); escalate through the on-call system.\n";
  }
  const lines = ["Emergency contacts (notifications.yaml):"];
  for (const [group, title] of GROUPS) {
    const members = contacts.filter((contact) => contact.group === group);
    if (members.length === 0) continue;
    lines.push(`  ${title}:`);
    for (const contact of members) {
      const reach = [contact.phone, contact.email].filter(Boolean).join(", ");
      lines.push(
        `    - ${oneLine(contact.role)}${contact.name ? ` (${oneLine(contact.name)})` : ""}: ${reach || "no phone or e-mail declared"}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
