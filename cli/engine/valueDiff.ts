import { diffArrays, diffLines } from "diff";
import type { ValueChange } from "./graphDiff";

const MAX_INLINE = 160;
/** Unchanged lines kept around each change in a multi-line value. */
const CONTEXT = 2;

function shorten(text: string): string {
  return text.length > MAX_INLINE ? `${text.slice(0, MAX_INLINE - 1)}…` : text;
}

function inline(value: unknown): string {
  return value === undefined ? "(none)" : shorten(JSON.stringify(value));
}

/** A string holding a JSON object or list (the change record, the health checks) reads better pretty. */
function asLines(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return `${JSON.stringify(JSON.parse(trimmed), null, 2)}\n`;
    } catch {
      // not JSON: fall through
    }
  }
  return value.includes("\n") ? (value.endsWith("\n") ? value : `${value}\n`) : undefined;
}

function withContext(lines: { mark: " " | "-" | "+"; text: string }[]): string[] {
  const keep = new Set<number>();
  lines.forEach((line, index) => {
    if (line.mark === " ") return;
    for (let i = index - CONTEXT; i <= index + CONTEXT; i++) keep.add(i);
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((line, index) => {
    if (keep.has(index)) {
      out.push(`${line.mark} ${line.text}`);
      skipped = false;
    } else if (!skipped) {
      out.push("  …");
      skipped = true;
    }
  });
  return out;
}

/**
 * How one changed value reads in a review: `old → new` for short values, a line diff (jsdiff) for
 * multi-line text and JSON documents, an item diff for lists.
 */
export function describeValueChange(change: ValueChange): string[] {
  const oldText = asLines(change.old);
  const newText = asLines(change.new);
  if (oldText !== undefined || newText !== undefined) {
    const parts = diffLines(oldText ?? "", newText ?? "");
    const lines = parts.flatMap((part) =>
      part.value
        .replace(/\n$/, "")
        .split("\n")
        .map((text) => ({
          mark: (part.added ? "+" : part.removed ? "-" : " ") as " " | "-" | "+",
          text,
        })),
    );
    return [`${change.path}:`, ...withContext(lines)];
  }
  if (Array.isArray(change.old) || Array.isArray(change.new)) {
    // Compared in full, shown shortened: items that differ late in a long value stay apart.
    const before = (Array.isArray(change.old) ? change.old : []).map((item) =>
      JSON.stringify(item),
    );
    const after = (Array.isArray(change.new) ? change.new : []).map((item) => JSON.stringify(item));
    const lines = diffArrays(before, after).flatMap((part) =>
      part.value.map((text) => ({
        mark: (part.added ? "+" : part.removed ? "-" : " ") as " " | "-" | "+",
        text: shorten(text),
      })),
    );
    return [`${change.path}:`, ...withContext(lines)];
  }
  return [`${change.path}: ${inline(change.old)} → ${inline(change.new)}`];
}
