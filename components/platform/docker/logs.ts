import { shellQuote } from "../../../domain/quote";
import { FORENSICS_FOLDER, LOG_COPY_PREFIX, LOG_MANIFEST } from "../../../contract/logs";

/**
 * The forensic copy of the logs, as one POSIX shell step the Docker target runs in a throwaway
 * container and the loopback target runs on the host (tested by running it with sh). Inputs:
 *   AITB_LOG_SOURCE    the folder holding each color's log folder (<color>/<service>.log)
 *   AITB_FORENSIC_ROOT the aitb:backups.root folder
 *   AITB_FORENSIC_KEY  the incident (contract/logs.ts forensicKey)
 * It copies the logs into <root>/forensics/<key>/logs-<UTC time>.partial, writes the sha256
 * manifest of every file, makes the files read-only and renames the folder into place: a
 * `logs-<time>` folder never appears without its manifest. The folders stay writable, so the
 * operator (and a test's cleanup) can still remove an expired copy; the manifest names every file,
 * so a file added or removed is found (`aitb restore logs`). The live logs are only read.
 */
export const SEAL_LOGS_SCRIPT = [
  "set -eu",
  ': "${AITB_LOG_SOURCE:?the log folder to copy}" "${AITB_FORENSIC_ROOT:?aitb:backups.root}" "${AITB_FORENSIC_KEY:?the incident}"',
  `dir="$AITB_FORENSIC_ROOT/${FORENSICS_FOLDER}/$AITB_FORENSIC_KEY"`,
  `dest="$dir/${LOG_COPY_PREFIX}$(date -u +%Y%m%dT%H%M%SZ)"`,
  // Two copies within one second (a retried update) never share a folder.
  'n=1; base="$dest"; while [ -e "$dest" ]; do n=$((n + 1)); dest="$base-$n"; done',
  'part="$dest.partial"',
  'rm -rf "$part"; mkdir -p "$part"',
  'if [ -d "$AITB_LOG_SOURCE" ]; then cp -Rp "$AITB_LOG_SOURCE/." "$part/"; fi',
  `rm -f "$part/${LOG_MANIFEST}"`,
  // Sorted in the C locale, so the manifest of the same files is the same bytes; written beside
  // the folder first, so that it never lists itself.
  `(cd "$part" && find . -type f | sed 's|^\\./||' | LC_ALL=C sort | while IFS= read -r f; do sha256sum "$f"; done) > "$part.manifest"`,
  `mv "$part.manifest" "$part/${LOG_MANIFEST}"`,
  'find "$part" -type f -exec chmod 0444 {} +',
  'mv "$part" "$dest"',
  `echo "forensic copy of the logs: $dest ($(wc -l < "$dest/${LOG_MANIFEST}" | tr -d ' ') files, sha256 in ${LOG_MANIFEST})"`,
].join("\n");

/** Environment of the copy step, in the names SEAL_LOGS_SCRIPT reads. */
export function sealLogsEnvironment(options: {
  source: string;
  root: string;
  key: string;
}): Record<string, string> {
  return {
    AITB_LOG_SOURCE: options.source,
    AITB_FORENSIC_ROOT: options.root,
    AITB_FORENSIC_KEY: options.key,
  };
}

/**
 * The Docker step: every color's log volume mounted read-only into a throwaway container of an
 * image the stack already pulls (the database image: coreutils' sha256sum), the backups folder
 * mounted read-write, run as the user running `pulumi up` so the copy on the host is theirs. The
 * incident comes from the step's environment (AITB_FORENSIC_KEY, passed through by name), so the
 * script itself stays the same from one incident to the next.
 */
export function dockerLogCopyScript(options: {
  image: string;
  volumes: Record<string, string>;
  backupRoot: string;
}): string {
  const mounts = Object.entries(options.volumes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([color, volume]) => `-v ${shellQuote(`${volume}:/logs/${color}:ro`)}`);
  return [
    "set -eu",
    ': "${AITB_FORENSIC_KEY:?the incident}"',
    `mkdir -p ${shellQuote(`${options.backupRoot}/${FORENSICS_FOLDER}`)}`,
    [
      'docker run --rm --user "$(id -u):$(id -g)"',
      ...mounts,
      `-v ${shellQuote(`${options.backupRoot}:/backups`)}`,
      "-e AITB_LOG_SOURCE=/logs -e AITB_FORENSIC_ROOT=/backups -e AITB_FORENSIC_KEY",
      "--entrypoint sh",
      shellQuote(options.image),
      "-c",
      shellQuote(SEAL_LOGS_SCRIPT),
    ].join(" "),
  ].join("\n");
}
