/**
 * Where a service writes its logs, and how a forensic copy of them is laid out: written by the
 * adapters and the reference service, read by `aitb restore logs` and the logs drill
 * (docs/service-contract.md, "Logs").
 */

/** The folder a service appends its log file to; the stack sets it on every service. */
export const LOG_DIR_ENV = "AITB_LOG_DIR";

/** Where the Docker target mounts a color's log volume in each of its containers. */
export const LOG_MOUNT = "/var/log/aitb";

/** A service's own file in AITB_LOG_DIR: one JSON object a line, appended, never truncated. */
export function logFileName(service: string): string {
  return `${service}.log`;
}

/** Under aitb:backups.root: forensics/<incident>/logs-<UTC time>/<color>/<service>.log. */
export const FORENSICS_FOLDER = "forensics";
export const LOG_COPY_PREFIX = "logs-";
/** In each copy: `sha256sum` lines (`<hex>  <path>`) of every other file, paths relative to it. */
export const LOG_MANIFEST = "MANIFEST.sha256";

/** What a forensic copy is filed under: the change's incident, else the change record's time. */
export function forensicKey(change: { incident?: string; at: string }): string {
  const raw = change.incident ?? `change-${change.at.replace(/[-:]/g, "").replace(/\.\d+/, "")}`;
  // One inert path segment whatever the incident id holds ("INC 4411/a" -> "INC-4411-a").
  const key = raw.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "");
  return key.slice(0, 80) || "change";
}

/** One line a service writes: the fields the logs drill and a reader rely on. */
export interface LogLine {
  time: string;
  /** Per process, from 1, one for each line it wrote: a gap is a lost line. */
  seq: number;
  pid: number;
  event: string;
  service?: string;
  color?: string;
  release?: string;
  [field: string]: unknown;
}

/** A parsed log line, or undefined for a line that is not one (a partial last line, stderr text). */
export function parseLogLine(text: string): LogLine | undefined {
  if (!text.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LogLine>;
    if (typeof value.seq !== "number" || typeof value.pid !== "number") return undefined;
    if (typeof value.time !== "string" || typeof value.event !== "string") return undefined;
    return value as LogLine;
  } catch {
    return undefined;
  }
}

/** Lines of a manifest: `<64 hex>  <relative path>`, as sha256sum writes and `sha256sum -c` reads. */
export function parseManifest(text: string): { file: string; sha256: string }[] | string {
  const entries: { file: string; sha256: string }[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) return `line ${index + 1} is not "<sha256>  <file>"`;
    const file = match[2].replace(/^\.\//, "");
    if (file.startsWith("/") || file.split("/").includes("..")) {
      return `line ${index + 1} names ${file}, outside the copy`;
    }
    entries.push({ file, sha256: match[1] });
  }
  return entries;
}
