import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LOG_COPY_PREFIX, LOG_MANIFEST, parseManifest } from "./logs";

/** One forensic copy of the logs: a `logs-<time>` folder with its manifest. */
export interface LogCopy {
  name: string;
  dir: string;
}

/** The complete copies filed under an incident, oldest first (a `.partial` folder is not one). */
export function logCopiesIn(incidentDir: string): LogCopy[] {
  if (!fs.existsSync(incidentDir)) return [];
  return fs
    .readdirSync(incidentDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() &&
        entry.name.startsWith(LOG_COPY_PREFIX) &&
        !entry.name.endsWith(".partial"),
    )
    .map((entry) => ({ name: entry.name, dir: path.join(incidentDir, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface CopyCheck {
  ok: boolean;
  files: { file: string; bytes: number }[];
  /** Every way the copy differs from its manifest; empty when ok. */
  problems: string[];
}

function filesUnder(root: string, dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(root, full);
    return [path.relative(root, full).split(path.sep).join("/")];
  });
}

function sha256Of(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Compares a copy with its manifest: every listed file present and equal, no file unlisted. */
export function checkLogCopy(dir: string): CopyCheck {
  const manifestFile = path.join(dir, LOG_MANIFEST);
  if (!fs.existsSync(manifestFile)) {
    return { ok: false, files: [], problems: [`${LOG_MANIFEST} is missing`] };
  }
  const entries = parseManifest(fs.readFileSync(manifestFile, "utf8"));
  if (typeof entries === "string") {
    return { ok: false, files: [], problems: [`${LOG_MANIFEST}: ${entries}`] };
  }
  const problems: string[] = [];
  const files: CopyCheck["files"] = [];
  const listed = new Set(entries.map((entry) => entry.file));
  for (const entry of entries) {
    const file = path.join(dir, entry.file);
    if (!fs.existsSync(file)) {
      problems.push(`${entry.file} is listed but missing`);
      continue;
    }
    const actual = sha256Of(file);
    if (actual !== entry.sha256) {
      problems.push(
        `${entry.file} differs from the manifest (sha256 ${actual}, listed ${entry.sha256})`,
      );
      continue;
    }
    files.push({ file: entry.file, bytes: fs.statSync(file).size });
  }
  for (const file of filesUnder(dir)) {
    if (file !== LOG_MANIFEST && !listed.has(file)) problems.push(`${file} is not in the manifest`);
  }
  return { ok: problems.length === 0, files, problems };
}
