/**
 * What `aitb up` observed for an incident, one JSON line each: `.aitb/incidents/<stack>/<id>.jsonl`
 * (the update's result, the verification's findings, the deployed outputs). `aitb report` reads it
 * back; nothing here comes from the config.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { IncidentLogEntry } from "../../../domain/incidentReport";

export function incidentLogFile(root: string, stack: string, incident: string): string {
  return path.join(root, ".aitb", "incidents", stack, `${incident}.jsonl`);
}

/** Append one entry (one write of one line: entries never interleave). */
export function appendIncidentLog(
  root: string,
  stack: string,
  incident: string,
  entry: IncidentLogEntry,
): void {
  const file = incidentLogFile(root, stack, incident);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

function isEntry(value: unknown): value is IncidentLogEntry {
  if (!value || typeof value !== "object") return false;
  const { at, kind } = value as { at?: unknown; kind?: unknown };
  return (
    typeof at === "string" &&
    Number.isFinite(Date.parse(at)) &&
    (kind === "update" || kind === "verification" || kind === "outputs")
  );
}

/** The log's entries; a line that is not an entry (a torn last line) is skipped. */
export function readIncidentLog(root: string, stack: string, incident: string): IncidentLogEntry[] {
  const file = incidentLogFile(root, stack, incident);
  if (!fs.existsSync(file)) return [];
  const entries: IncidentLogEntry[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (isEntry(parsed)) entries.push(parsed);
    } catch {
      // a torn line
    }
  }
  return entries;
}
