import { COLORS } from "../../domain/colors";
import type { BlastRadius } from "./blastRadius";
import type { ResourceChange } from "./graphDiff";
import type { StackChange } from "./stackChange";
import { describeValueChange } from "./valueDiff";
import { cell, verdictMarkdown, verdictText } from "./verdicts";
import { isoInstant } from "./time";
import { guardRailLines } from "./rulesChange";

const OP_MARK = { create: "+", update: "~", replace: "+-", delete: "-" } as const;

function shortType(type: string): string {
  return type
    .replace(/^azure-native:/, "az:")
    .replace(/^command:local:Command$/, "command:Command");
}

/** What a delete really does to a resource Pulumi is told to keep. */
function deleteNote(change: ResourceChange): string {
  if (change.op !== "delete" || !change.before) return "";
  if (change.before.protect) return "  (protected: pulumi up refuses this delete)";
  if (change.before.retainOnDelete) return "  (retained: it stays in place, only leaves the stack)";
  return "";
}

/** How a replacement happens: Pulumi creates the new resource first unless told to delete first. */
function replaceNote(change: ResourceChange): string {
  if (change.op !== "replace") return "";
  return change.deleteFirst
    ? "  (delete, then create: absent in between)"
    : "  (create the new one, then delete the old)";
}

function forcedByText(change: ResourceChange): string {
  return (change.forcedBy ?? [])
    .map(
      (cause) =>
        `${cause.property} (${cause.by === "provider" ? "provider" : "replaceOnChanges option"})`,
    )
    .join(", ");
}

function opWord(change: ResourceChange): string {
  return change.replacementUnknown ? "update?" : change.op;
}

function changeLines(change: ResourceChange): string[] {
  const mark = change.op === "replace" && change.deleteFirst ? "-+" : OP_MARK[change.op];
  const head = `${mark} ${opWord(change)} ${change.name}  ${shortType(change.type)}${deleteNote(change)}${replaceNote(change)}`;
  if (change.op !== "update" && change.op !== "replace") return [head];
  const why =
    change.op === "replace"
      ? [`    forced by: ${forcedByText(change)}`]
      : change.replacementUnknown
        ? [`    ${change.replacementUnknown}`]
        : [];
  return [head, ...why, ...change.values.flatMap(describeValueChange).map((line) => `    ${line}`)];
}

function headline(change: StackChange): string {
  const { base, desired } = change;
  const parts: string[] = [];
  parts.push(
    base.activeColor !== desired.activeColor
      ? `active ${base.activeColor} → ${desired.activeColor}`
      : `active ${desired.activeColor} (unchanged)`,
  );
  for (const color of COLORS) {
    parts.push(
      base.releases[color] !== desired.releases[color]
        ? `${color} ${base.releases[color]} → ${desired.releases[color]}`
        : `${color} @ ${desired.releases[color]}`,
    );
  }
  return parts.join(", ");
}

/** The blast radius as plain sentences, one per line. */
export function blastLines(blast: BlastRadius): string[] {
  const move = blast.activeColor
    ? `: public traffic moves from ${blast.activeColor.from} to ${blast.activeColor.to}`
    : "";
  const lines = [
    blast.routing
      ? `routing: the switch record changes (${blast.switchRecord.join(", ")})${move}, and the live trading lease with it; the proxy and the bots read it at run time, so nothing reloads or restarts`
      : "routing: no change",
  ];
  if (blast.proxy.length > 0) {
    lines.push(
      `proxy: ${blast.proxy.join(", ")} change (a site change is a drained reload on Docker and loopback, a new revision on Azure)`,
    );
  }
  for (const color of COLORS) {
    const services = blast.services[color];
    const release = blast.releases[color];
    const pin = release ? ` (re-pinned ${release.from} → ${release.to})` : "";
    lines.push(
      `${color}: ${services.length > 0 ? services.join(", ") : "no service changes"}${pin}`,
    );
  }
  lines.push(
    blast.database.changes
      ? `database: CHANGES (${blast.database.resources.join(", ")})`
      : "database: no change",
  );
  if (blast.backups.length > 0) lines.push(`backups taken or updated: ${blast.backups.join(", ")}`);
  if (blast.other.length > 0) lines.push(`also: ${blast.other.join(", ")}`);
  const replaced = (deleteFirst: boolean) =>
    blast.replacements
      .filter((r) => r.deleteFirst === deleteFirst)
      .map((r) => `${r.name} [${r.forcedBy.join(", ")}]`);
  const gap = replaced(true);
  if (gap.length > 0) {
    lines.push(`replaced, delete then create (absent in between): ${gap.join(", ")}`);
  }
  const overlap = replaced(false);
  if (overlap.length > 0) lines.push(`replaced, new one first: ${overlap.join(", ")}`);
  if (blast.unknown.length > 0) {
    lines.push(
      `update? (replacement unknown, type not in the replacement table): ${blast.unknown.map((u) => `${u.name} (${u.type})`).join(", ")}`,
    );
  }
  return lines;
}

function summaryLine(change: StackChange): string {
  const s = change.diff.summary;
  return `Summary: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.same} unchanged`;
}

export function renderDiffText(change: StackChange): string {
  const lines = [
    `aitb diff: stack ${change.desired.stack} (${change.desired.environment}, ${change.desired.target})`,
    `  base:   ${change.base.origin}`,
    `  config: ${change.desired.origin}`,
    `  ${headline(change)}`,
    "",
  ];
  if (change.diff.changes.length === 0) lines.push("No resource changes.");
  for (const resource of change.diff.changes) lines.push(...changeLines(resource));
  lines.push(
    "",
    summaryLine(change),
    "Blast radius:",
    ...[...blastLines(change.blast), ...guardRailLines(change.guardRails)].map(
      (line) => `  ${line}`,
    ),
    ...verdictText(change.verdict, change.now, change.baseVerdict),
    `Planned offline in ${(change.ms / 1000).toFixed(2)} s`,
  );
  return `${lines.join("\n")}\n`;
}

/** In a ```diff block only a mark in the first column is coloured. */
function markFirst(line: string): string {
  const match = /^(\s+)([-+]) (.*)$/.exec(line);
  return match ? `${match[2]}${match[1]} ${match[3]}` : line;
}

/** A pull-request comment: summary and blast radius first, the per-resource diff folded away. */
export function renderDiffMarkdown(change: StackChange): string {
  const s = change.diff.summary;
  const lines = [
    `### \`aitb diff\`: stack \`${change.desired.stack}\``,
    "",
    `${headline(change)}`,
    "",
    `Base \`${cell(change.base.origin)}\`, config \`${cell(change.desired.origin)}\`.`,
    "",
    "| create | update | replace | delete | unchanged |",
    "|---:|---:|---:|---:|---:|",
    `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.same} |`,
    "",
    "**Blast radius**",
    "",
    ...[...blastLines(change.blast), ...guardRailLines(change.guardRails)].map(
      (line) => `- ${line}`,
    ),
    "",
    ...verdictMarkdown(change.verdict, change.now, change.baseVerdict),
    "",
  ];
  if (change.diff.changes.length === 0) {
    lines.push("No resource changes.");
  } else {
    lines.push(
      `<details><summary>${change.diff.changes.length} resource${change.diff.changes.length === 1 ? "" : "s"} change</summary>`,
      "",
      "```diff",
      ...change.diff.changes.flatMap(changeLines).map(markFirst),
      "```",
      "",
      "</details>",
    );
  }
  return `${lines.join("\n")}\n`;
}

export function diffJson(change: StackChange): Record<string, unknown> {
  return {
    stack: change.desired.stack,
    base: change.base.origin,
    config: change.desired.origin,
    now: isoInstant(change.now),
    activeColor: { from: change.base.activeColor, to: change.desired.activeColor },
    releases: { from: change.base.releases, to: change.desired.releases },
    changes: change.diff.changes.map((c) => ({
      urn: c.urn,
      type: c.type,
      name: c.name,
      op: c.op,
      keys: c.keys,
      ...(c.op === "replace"
        ? { forcedBy: c.forcedBy ?? [], deleteBeforeReplace: c.deleteFirst === true }
        : {}),
      ...(c.replacementUnknown ? { replacementUnknown: c.replacementUnknown } : {}),
      ...(c.op === "update" || c.op === "replace" ? { values: c.values } : {}),
    })),
    summary: change.diff.summary,
    blastRadius: change.blast,
    guardRails: change.guardRails,
    policies: change.verdict,
    ms: Math.round(change.ms),
  };
}
