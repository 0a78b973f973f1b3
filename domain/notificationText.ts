/**
 * Text that leaves the product in a notice: every field is one line (a line break in a reason or
 * in what a service answered would forge a line of the notice, or a header of a mail), and each
 * channel's markup is escaped so that a field can neither mention a whole channel nor carry a link.
 */

/** Control characters, line and paragraph separators, bidirectional overrides and isolates. */
const UNSAFE = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+/gu;

/** One line of plain text: anything that would break the line or reorder it becomes a space. */
export function oneLine(text: string): string {
  return text.replace(UNSAFE, " ").trim();
}

/** Every string of a value made one line, at any depth (objects and arrays keep their shape). */
export function oneLineDeep<T>(value: T): T {
  if (typeof value === "string") return oneLine(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => oneLineDeep(item)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, oneLineDeep(item)]),
    ) as T;
  }
  return value;
}

/**
 * Slack's control characters are `&`, `<` and `>`: escaped as HTML entities, `<!channel>`, `<@U…>`
 * and `<https://…|text>` stay inert text
 * (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A Teams TextRun renders neither markdown nor HTML; what it still reads is the Adaptive Cards
 * date and time functions, `{{DATE(...)}}` and `{{TIME(...)}}` (learn.microsoft.com/
 * adaptive-cards/authoring-cards/text-features): a zero-width space between the braces keeps
 * them text.
 */
export function escapeTeams(text: string): string {
  return text.replace(/\{\{/g, "{\u200b{").replace(/\}\}/g, "}\u200b}");
}

/** A markdown table cell: one line, no column break. */
export function markdownCell(text: string): string {
  return oneLine(text).replace(/\|/g, "\\|");
}
