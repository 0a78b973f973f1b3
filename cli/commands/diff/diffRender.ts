import { COLORS } from "../../../domain/colors";
import { blastLines } from "../../engine/blastRadius";
import type { ResourceChange } from "../../engine/graphDiff";
import type { StackChange } from "../../engine/stackChange";
import { describeValueChange } from "../../engine/valueDiff";
import { cell, standsAlready, verdictMarkdown, verdictText } from "../../engine/verdicts";
import { isoInstant } from "../../shared/time";
import { guardRailLines } from "../../engine/rulesChange";
import { InputError, type InputIssue } from "../../exitCodes";
import { ConfigError } from "../../../config/errors";
import type { ChangeRecord } from "../../../config/schema";
import { triggerById } from "../../../domain/change";
import { outputMask } from "../../../contract/secrets";
import { StackFileError } from "../../engine/stackFiles";

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

/** Free text from a stack file or a policy, as plain text in markdown: masked first, then escaped. */
function plain(text: string): string {
  return outputMask
    .mask(text)
    .replace(/\s+/g, " ")
    .replace(/[\\`*_[\]<~]/g, "\\$&");
}

/** "why; fix" as the policies and the config checks word their messages. */
function whyAndFix(message: string): { why: string; fix?: string } {
  const at = message.indexOf("; ");
  return at < 0 ? { why: message } : { why: message.slice(0, at), fix: message.slice(at + 2) };
}

function changeRecordLines(change: StackChange): string[] {
  const record = change.desired.outputs.change as ChangeRecord | undefined;
  if (!record) return ["- **Change record:** none (aitb:change is missing)"];
  const trigger = record.trigger ? triggerById(record.trigger) : undefined;
  const klass = [
    `**Class:** ${record.class}`,
    record.trigger
      ? `trigger \`${record.trigger}\`${trigger ? ` (${trigger.description})` : ""}`
      : "no trigger",
    ...(record.expires ? [`expires ${record.expires}`] : []),
  ].join(", ");
  return [
    `- ${klass}`,
    `- **Reason:** ${plain(record.reason)}`,
    `- **Incident:** ${record.incident ? plain(record.incident) : "none"}`,
    `- **Requested by:** ${plain(record.requestedBy)} (recorded ${record.at})`,
  ];
}

function switchLine(change: StackChange): string {
  const { base, desired } = change;
  const live = (plan: typeof base) => plan.releases[plan.activeColor];
  const move =
    base.activeColor !== desired.activeColor
      ? `${base.activeColor} → ${desired.activeColor}, live release ${live(base)} → ${live(desired)}`
      : `none, ${desired.activeColor} stays live on ${live(desired)}`;
  const releases = COLORS.map((color) =>
    base.releases[color] !== desired.releases[color]
      ? `${color} ${base.releases[color]} → ${desired.releases[color]}`
      : `${color} @ ${desired.releases[color]}`,
  ).join(", ");
  return `- **Switch:** ${move} (${releases})`;
}

/** At most this many denials in the head; all of them are in the folded policy table. */
const HEAD_DENIALS = 3;

function verdictLines(change: StackChange): string[] {
  const stack = change.desired.stack;
  const judged = `judged as of ${isoInstant(change.now)}`;
  const mandatory = change.verdict.violations.filter((v) => v.level === "mandatory");
  const advisory = change.verdict.violations.filter((v) => v.level === "advisory");
  if (mandatory.length > 0) {
    const shown = mandatory.slice(0, HEAD_DENIALS).flatMap((v) => {
      const { why, fix } = whyAndFix(v.message);
      const standing = standsAlready(v, change.baseVerdict)
        ? " (already denied before this change: the base fails it too)"
        : "";
      return [
        `- ❌ \`${v.policy}\`: ${plain(why)}${standing}`,
        ...(fix ? [`  - **Fix:** ${plain(fix)}`] : []),
      ];
    });
    const more = mandatory.length - HEAD_DENIALS;
    return [
      `**Denied**, ${judged}; fix \`Pulumi.${stack}.yaml\` and push, this comment updates:`,
      ...shown,
      ...(more > 0 ? [`- … and ${more} more, in the policy verdicts below`] : []),
    ];
  }
  const next =
    change.diff.changes.length === 0
      ? `**Next:** merge; \`pulumi up --stack ${stack}\` has nothing to change from the stack config (${judged}).`
      : `**Next:** merge, then \`pulumi up --stack ${stack}\` (or \`aitb up --stack ${stack}\`: up, then verify); ${judged}, \`pulumi up\` judges again when it runs.`;
  return [next, ...advisory.map((v) => `- ⚠️ \`${v.policy}\` (advisory): ${plain(v.message)}`)];
}

function blastHeading(change: StackChange): string {
  const s = change.diff.summary;
  const parts = (["create", "update", "replace", "delete"] as const)
    .filter((op) => s[op] > 0)
    .map((op) => `${s[op]} ${op}`);
  return `**Blast radius** (${parts.length > 0 ? parts.join(", ") : "no resource changes"}; ${s.same} unchanged):`;
}

function folded(summary: string, body: string[]): string[] {
  return [`<details><summary>${summary}</summary>`, "", ...body, "", "</details>"];
}

/**
 * The pull-request comment, for a reviewer in a hurry: the verdict, the change record, the switch
 * and what to do next; then the blast radius; the policy table and the resource diff folded.
 */
export function renderDiffMarkdown(change: StackChange): string {
  const { desired } = change;
  const denied = change.verdict.mandatory > 0;
  const count = change.diff.changes.length;
  const lines = [
    `### ${denied ? "❌" : "✅"} \`${desired.stack}\`: ${denied ? "denied, do not merge" : "allowed"}`,
    "",
    ...changeRecordLines(change),
    switchLine(change),
    "",
    ...verdictLines(change),
    "",
    blastHeading(change),
    ...[...blastLines(change.blast), ...guardRailLines(change.guardRails)].map(
      (line) => `- ${line}`,
    ),
    "",
    ...(change.verdict.violations.length > 0
      ? [
          ...folded(
            "Policy verdicts",
            verdictMarkdown(change.verdict, change.now, change.baseVerdict),
          ),
          "",
        ]
      : []),
    ...folded(
      count === 0 ? "No resource changes" : `${count} resource${count === 1 ? "" : "s"} change`,
      [
        `Stack \`${desired.stack}\` (${desired.environment}, ${desired.target}): base \`${cell(change.base.origin)}\`, config \`${cell(desired.origin)}\`, both planned offline with this checkout's program in ${(change.ms / 1000).toFixed(2)} s.`,
        ...(count === 0
          ? []
          : ["", "```diff", ...change.diff.changes.flatMap(changeLines).map(markFirst), "```"]),
      ],
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** A stack config the diff could not judge, as a comment: each key, what is wrong and the fix. */
export function renderConfigErrorMarkdown(stack: string, issues: InputIssue[]): string {
  const file = `Pulumi.${stack}.yaml`;
  const lines = [
    `### ❌ \`${stack}\`: config error, do not merge`,
    "",
    `\`aitb diff\` cannot judge \`${file}\`: ${issues.length} problem${issues.length === 1 ? "" : "s"}.`,
    "",
    ...issues.flatMap((issue) => {
      const key = issue.key.replace(/`/g, "'");
      const { why, fix } = whyAndFix(issue.message);
      return [
        `- \`${key}\`: ${plain(why)}`,
        `  - **Fix:** ${fix ? plain(fix) : key === file ? "correct the file" : `correct \`${key}\` in \`${file}\``}`,
      ];
    }),
    "",
    `Fix the file and push: this comment updates. Locally: \`npm run aitb -- plan --stack ${stack}\`.`,
  ];
  return `${lines.join("\n")}\n`;
}

function issuesOf(error: unknown, stack: string): InputIssue[] | undefined {
  if (error instanceof ConfigError || error instanceof InputError) return error.issues;
  if (error instanceof StackFileError)
    return [{ key: `Pulumi.${stack}.yaml`, message: error.message }];
  return undefined;
}

/** Runs the diff; a config error becomes a comment too, then goes on to set the exit code. */
export function commentingErrors(
  stack: string,
  out: (text: string) => void,
  run: () => Promise<number>,
): () => Promise<number> {
  return async () => {
    try {
      return await run();
    } catch (error) {
      const issues = issuesOf(error, stack);
      if (issues) out(renderConfigErrorMarkdown(stack, issues));
      throw error;
    }
  };
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
