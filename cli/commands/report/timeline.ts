/**
 * The incident's timeline from the stack file's git history: every committed version of
 * Pulumi.<stack>.yaml whose change record names the incident, with what it did against the
 * version before it (the switch, re-pins, a declared restore). An uncommitted change of the
 * working tree is the last entry.
 */
import { gitOutput } from "../../shared/git";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { TimelineCommit } from "../../../domain/incidentReport";
import { oneLine } from "../../../domain/notificationText";
import { stackFileName } from "../../engine/stackFiles";
import { ENGINE_NAMES } from "../../../domain/influxRestore";

interface Version {
  commit: string;
  committedAt: string;
  subject: string;
  config: Record<string, unknown>;
}

function configOf(text: string): Record<string, unknown> {
  try {
    const doc = parse(text) as { config?: Record<string, unknown> } | null;
    return doc?.config ?? {};
  } catch {
    return {};
  }
}

function text(value: unknown): string | undefined {
  return typeof value === "string" || typeof value === "number"
    ? oneLine(String(value))
    : undefined;
}

function slotsOf(config: Record<string, unknown>): Record<string, string> {
  const slots = (config["aitb:slots"] ?? {}) as Record<string, { release?: unknown }>;
  return Object.fromEntries(
    Object.entries(slots).map(([color, slot]) => [color, text(slot?.release) ?? "?"]),
  );
}

/** The keys that declare a restore, and the database each names. */
const RESTORE_KEYS: readonly (readonly [string, string])[] = [
  ["aitb:database", ""],
  ...Object.entries(ENGINE_NAMES).map(([key, name]) => [`aitb:${key}`, `${name} `] as const),
];

/** Every declared restore of the version, PostgreSQL's first: "<color> from <point>". */
function restoreOf(config: Record<string, unknown>): string | undefined {
  const declared = RESTORE_KEYS.flatMap(([key, name]) => {
    const restore = (config[key] as { restore?: Record<string, unknown> } | undefined)?.restore;
    if (!restore) return [];
    const from = text(restore.pointInTime) ?? `snapshot of ${text(restore.fromRelease) ?? "?"}`;
    return [`${name}${text(restore.color) ?? "?"} from ${from}`];
  });
  return declared.length > 0 ? declared.join("; ") : undefined;
}

/** The versions of the stack file, oldest first (the working tree last when it differs). */
export function stackFileVersions(root: string, stack: string): Version[] {
  const file = stackFileName(stack);
  const log = gitOutput(root, ["log", "--reverse", "--format=%H%x1f%cI%x1f%s", "--", file]) ?? "";
  const versions: Version[] = [];
  for (const line of log.split("\n")) {
    if (!line.trim()) continue;
    const [commit, committedAt, subject] = line.split("\x1f");
    const content = gitOutput(root, ["show", `${commit}:./${file}`]);
    if (content === undefined) continue;
    versions.push({
      commit,
      committedAt,
      subject: oneLine(subject ?? ""),
      config: configOf(content),
    });
  }
  const working = path.join(root, file);
  if (fs.existsSync(working)) {
    const content = fs.readFileSync(working, "utf8");
    const head = gitOutput(root, ["show", `HEAD:./${file}`]);
    if (head !== content) {
      versions.push({
        commit: "working tree",
        committedAt: fs.statSync(working).mtime.toISOString(),
        subject: "uncommitted change of the stack file",
        config: configOf(content),
      });
    }
  }
  return versions;
}

/** The versions whose change record names the incident, each against the version before it. */
export function incidentTimeline(root: string, stack: string, incident: string): TimelineCommit[] {
  const versions = stackFileVersions(root, stack);
  const entries: TimelineCommit[] = [];
  versions.forEach((version, index) => {
    const change = (version.config["aitb:change"] ?? {}) as Record<string, unknown>;
    if (text(change.incident) !== incident) return;
    const before = index > 0 ? versions[index - 1].config : undefined;
    // A version that keeps the change record it had is another edit, not a decision.
    if (before && JSON.stringify(before["aitb:change"]) === JSON.stringify(change)) return;
    const active = text(version.config["aitb:activeColor"]) ?? "?";
    const previousActive = before ? text(before["aitb:activeColor"]) : undefined;
    const slots = slotsOf(version.config);
    const previousSlots = before ? slotsOf(before) : {};
    const repinned = Object.entries(slots)
      .filter(
        ([color, release]) => before && previousSlots[color] && previousSlots[color] !== release,
      )
      .map(([color, release]) => `${color} ${previousSlots[color]} → ${release}`);
    const restore = restoreOf(version.config);
    entries.push({
      commit: version.commit,
      committedAt: version.committedAt,
      subject: version.subject,
      change: {
        class: text(change.class) ?? "?",
        reason: text(change.reason) ?? "?",
        incident,
        requestedBy: text(change.requestedBy) ?? "?",
        at: text(change.at) ?? version.committedAt,
        trigger: text(change.trigger),
      },
      activeColor: active,
      switched:
        previousActive && previousActive !== active ? `${previousActive} → ${active}` : undefined,
      repinned,
      restore: restore && (!before || restoreOf(before) !== restore) ? restore : undefined,
    });
  });
  return entries;
}
