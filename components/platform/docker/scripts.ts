import { DRAIN_FLAG } from "../switchRecord";
import { shellQuote } from "../../../domain/quote";
import { MANIFEST_LINES_SQL, MANIFEST_SESSION_SQL } from "../../../domain/restoreManifest";

/**
 * Shell scripts the Docker target runs through @pulumi/command. The PostgreSQL and nginx steps
 * are plain functions of their parameters so the drills run the very same steps against local
 * servers; `inContainer` wraps a step for `docker exec`.
 */

/** Every value spliced into a script is one POSIX shell word (domain/quote.ts). */
const quote = shellQuote;

export function inContainer(container: string, script: string): string {
  return `docker exec ${container} sh -c ${quote(script)}`;
}

/** Snapshot file names sort by time: pre-switch-20261125T143000Z.dump. */
export function snapshotStamp(instant: Date): string {
  return instant
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

export interface DumpStep {
  user: string;
  database: string;
  /** Folder the dump goes into, as the database server sees it. */
  folder: string;
  /** File name, or a shell expression that yields one. */
  file: string;
}

/**
 * The dump and its manifest in one transaction: psql opens a read-only repeatable-read
 * transaction, exports its snapshot, writes the manifest's lines (domain/restoreManifest.ts) and
 * runs pg_dump on the exported snapshot while the transaction stays open, so the manifest
 * describes exactly the rows in the dump however many rows the bots write meanwhile. psql's
 * output is the manifest; the archive goes to the file in AITB_DUMP_PART, which a failed pg_dump
 * removes (psql 15 does not fail on a failed `\!`).
 */
function dumpWithManifestSql(connection: string): string {
  return [
    MANIFEST_SESSION_SQL,
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;",
    "SELECT pg_export_snapshot() AS aitb_snapshot \\gset",
    "\\setenv AITB_SNAPSHOT :aitb_snapshot",
    MANIFEST_LINES_SQL,
    `\\! pg_dump -Fc ${connection} --snapshot="$AITB_SNAPSHOT" -f "$AITB_DUMP_PART" >&2 || rm -f "$AITB_DUMP_PART"`,
    "COMMIT;",
  ].join("\n");
}

/** psql reading SQL from stdin: no psqlrc, quiet, rows only, unaligned, stop at the first error. */
const PSQL = "psql -X -q -t -A -v ON_ERROR_STOP=1";

/**
 * pg_dump into `<file>.partial` with its manifest in `<file>.manifest.partial`; keep them only
 * when the dump is a non-empty archive that `pg_restore --list` reads, then rename both into place
 * (a rename within one folder is atomic), the manifest first: a `.dump` never appears without its
 * manifest, and a failed dump leaves neither behind, so a restore can never pick a broken one as
 * the newest.
 */
export function pgDumpStep(step: DumpStep): string {
  const connection = `-U ${quote(step.user)} -d ${quote(step.database)}`;
  const failed = quote(
    `pg_dump of ${step.database} failed or wrote no readable archive; no dump was kept`,
  );
  return [
    `mkdir -p "${step.folder}"`,
    `dump="${step.folder}/${step.file}"`,
    'part="$dump.partial"',
    'manifest="$dump.manifest"',
    'rm -f "$part" "$manifest.partial"',
    "dumped=1",
    `printf '%s\\n' ${quote(dumpWithManifestSql(connection))} | AITB_DUMP_PART="$part" ${PSQL} ${connection} >"$manifest.partial" || dumped=0`,
    'if [ "$dumped" = 1 ] && [ -s "$part" ] && pg_restore --list "$part" >/dev/null && mv "$manifest.partial" "$manifest"; then',
    `  mv "$part" "$dump" || { rm -f "$manifest" "$part"; echo ${failed} >&2; exit 1; }`,
    "else",
    '  rm -f "$part" "$manifest.partial"',
    `  echo ${failed} >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}

export interface RestoreStep {
  user: string;
  /** The new database; the step refuses to touch one that exists. */
  target: string;
  backupDir: string;
  /** Restore the newest snapshot of this release; without it, of any release. */
  release?: string;
  /** Only snapshots taken at or before this instant (ISO-8601). */
  notAfter?: string;
}

/**
 * Compares the restored database's manifest lines (stdin) with the snapshot's manifest (the file
 * in AITB_MANIFEST; empty: the snapshot has none) and prints the restoreVerification JSON line.
 * POSIX awk, so it runs in the database's container too. Table names arrive as JSON strings
 * (to_json in the manifest's SQL) and are checked to be one, so they are pasted, never escaped;
 * counts and checksums are compared as strings (awk's numbers are doubles). Exits 1 on any
 * difference, naming the tables on stderr.
 */
export const MANIFEST_COMPARE_AWK = String.raw`
function filename(s) { gsub(/[^A-Za-z0-9._-]/, "_", s); return s }
function inner(t) { return substr(t, 2, length(t) - 2) }
function valid(f, n) {
  return n == 3 && f[1] !~ /[[:cntrl:]]/ \
    && f[1] ~ /^"([^"\\]|\\["\\\/bfnrt]|\\u[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f])*"$/ \
    && f[2] ~ /^(0|[1-9][0-9]*)$/ && f[3] ~ /^-?(0|[1-9][0-9]*)$/
}
function keep(t) { if (!(t in known)) { known[t] = 1; order[++count] = t } }
BEGIN {
  FS = "\t"; count = 0
  snapshot = filename(ENVIRON["AITB_SNAPSHOT_FILE"])
  manifest = ENVIRON["AITB_MANIFEST"]
  if (manifest == "") exit
  while ((got = (getline line < manifest)) > 0) {
    number++
    if (line == "") continue
    n = split(line, f, "\t")
    if (!valid(f, n)) { broken = "line " number " of its manifest is not <table> <rows> <checksum>"; break }
    keep(f[1]); expected_rows[f[1]] = f[2]; expected_sum[f[1]] = f[3]
  }
  if (got < 0) broken = "its manifest cannot be read"
}
NF > 0 {
  n = split($0, f, "\t")
  if (!valid(f, n)) { broken = "the restored database gave a line that is not <table> <rows> <checksum>"; next }
  keep(f[1]); rows[f[1]] = f[2]; sums[f[1]] = f[3]
}
END {
  head = "{\"restoreVerification\":{\"snapshot\":\"" snapshot "\",\"ok\":"
  if (manifest == "") {
    print head "null,\"tables\":[],\"detail\":\"not verifiable: " snapshot " has no manifest (taken before manifests were written)\"}}"
    exit 0
  }
  differ = 0; list = ""; tables = ""
  for (i = 1; i <= count; i++) {
    t = order[i]
    listed = (t in expected_rows); restored = (t in rows)
    same_rows = listed && restored && (expected_rows[t] "") == (rows[t] "")
    same = same_rows && (expected_sum[t] "") == (sums[t] "")
    if (!same) {
      if (!restored) why = "not in the restored database"
      else if (!listed) why = "not in the manifest"
      else if (!same_rows) why = rows[t] " rows, expected " expected_rows[t]
      else why = "checksum " sums[t] ", expected " expected_sum[t]
      list = list (differ++ > 0 ? ", " : "") inner(t) " (" why ")"
    }
    tables = tables (i > 1 ? "," : "") "{\"table\":" t \
      ",\"expectedRows\":" (listed ? expected_rows[t] : "null") \
      ",\"rows\":" (restored ? rows[t] : "null") \
      ",\"expectedChecksum\":" (listed ? "\"" expected_sum[t] "\"" : "null") \
      ",\"checksum\":" (restored ? "\"" sums[t] "\"" : "null") \
      ",\"ok\":" (same ? "true" : "false") "}"
  }
  if (broken != "") detail = snapshot ": " broken
  else if (differ > 0) detail = differ " of " count " tables " (differ == 1 ? "differs" : "differ") " from the manifest of " snapshot ": " list
  else detail = count (count == 1 ? " table matches" : " tables match") " the manifest of " snapshot " (row counts and checksums)"
  ok = broken == "" && differ == 0
  print head (ok ? "true" : "false") ",\"tables\":[" tables "],\"detail\":\"" detail "\"}}"
  if (!ok) {
    print "the restored database is not what the snapshot holds: " detail | "cat 1>&2"
    close("cat 1>&2")
    exit 1
  }
}
`;

/**
 * Pick the newest snapshot that is a readable archive (an empty or unreadable file is skipped with
 * a message), refuse an existing target, create the new database, pg_restore into it, then
 * compare it with the snapshot's manifest: one restoreVerification JSON line, and exit 1 when the
 * restored data is not what the snapshot holds. The database stays for inspection either way.
 */
export function pgRestoreStep(step: RestoreStep): string {
  const folder = step.release ? `${step.backupDir}/${step.release}` : `${step.backupDir}/*`;
  const limit = step.notAfter ? `pre-switch-${snapshotStamp(new Date(step.notAfter))}.dump` : "";
  const lines = `${MANIFEST_SESSION_SQL}\n${MANIFEST_LINES_SQL}`;
  return [
    "set -eu",
    `candidates=$(ls -1 ${folder}/pre-switch-*.dump 2>/dev/null | awk -F/ -v lim=${quote(limit)} '{ if (lim == "" || $NF <= lim) print $NF " " $0 }' | sort -r | cut -d" " -f2-)`,
    'file=""',
    "while IFS= read -r candidate; do",
    '  [ -n "$candidate" ] || continue',
    '  if [ -s "$candidate" ] && pg_restore --list "$candidate" >/dev/null 2>&1; then file=$candidate; break; fi',
    '  echo "skipping $candidate: empty or not a readable pg_dump archive" >&2',
    "done <<EOF",
    "$candidates",
    "EOF",
    `if [ -z "$file" ]; then echo "no readable snapshot in ${folder}${step.notAfter ? ` taken at or before ${step.notAfter}` : ""}" >&2; exit 1; fi`,
    `if psql -U ${step.user} -d postgres -tAc "select 1 from pg_database where datname = '${step.target}'" | grep -q 1; then echo "database ${step.target} exists; a restore never writes over an existing database" >&2; exit 1; fi`,
    `createdb -U ${step.user} ${step.target}`,
    `pg_restore -U ${step.user} -d ${step.target} --no-owner --exit-on-error "$file"`,
    `echo "restored $file into ${step.target}"`,
    'manifest=""',
    'restored=""',
    'if [ -f "$file.manifest" ]; then',
    '  manifest="$file.manifest"',
    `  restored=$(printf '%s\\n' ${quote(lines)} | ${PSQL} -U ${quote(step.user)} -d ${quote(step.target)})`,
    "fi",
    `printf '%s\\n' "$restored" | AITB_SNAPSHOT_FILE="\${file##*/}" AITB_MANIFEST="$manifest" awk ${quote(MANIFEST_COMPARE_AWK)}`,
  ].join("\n");
}

export interface ProxyReload {
  /** Folder of the site file the proxy includes. */
  dir: string;
  /** Command prefix that runs nginx where the proxy lives (`docker exec <proxy> nginx`). */
  nginx: string;
  /** Shell test that succeeds when the proxy is running. */
  running: string;
  /**
   * Command that checks the staged site before it is put in place, whether the proxy runs or
   * not; `$staged` is the folder holding the staged `aitb.conf`. Without it only a running proxy
   * checks the site (in place, the previous file restored when nginx rejects it).
   */
  validate?: string;
  /**
   * Drain before reloading: the flag file the site tests (NginxServer.drainFlag, in `dir`) and
   * how long it stays before the reload, at least the client keep-alive timeout. Meanwhile every
   * response says `Connection: close`, so when the old workers exit no idle keep-alive connection
   * is left for them to close under a client's next request. Without it a reload loses requests
   * of clients that do not retry (docs/drills.md).
   */
  drain?: { flag: string; seconds: number };
}

/** How long the drain flag stays after the reload, while the old workers finish. */
export const DRAIN_AFTER_RELOAD_SECONDS = 2;

/** Folder the next site is staged in: beside the proxy's folder, so nginx never includes it. */
export function stagedSiteDir(dir: string): string {
  return `${dir}.staged`;
}

/**
 * Stage the new site (stdin), validate it, drain client keep-alive connections (when asked), put
 * the site in place with a rename, then reload gracefully: old workers finish their requests. A
 * site nginx rejects never replaces the one in place. A switch of the active color never runs
 * this: only a change of the site itself does.
 */
export function proxyReloadScript(reload: ProxyReload): string {
  const site = `${reload.dir}/aitb.conf`;
  const staged = stagedSiteDir(reload.dir);
  return [
    "set -eu",
    `mkdir -p ${quote(reload.dir)}`,
    `staged=${quote(staged)}`,
    'rm -rf "$staged" && mkdir -p "$staged"',
    'cat > "$staged/aitb.conf"',
    ...(reload.validate
      ? [
          `if ! ${reload.validate}; then`,
          '  rm -rf "$staged"',
          '  echo "nginx -t rejected the new site; the site in place stays" >&2; exit 1',
          "fi",
        ]
      : []),
    `if ${reload.running}; then`,
    `  if [ -f ${quote(site)} ]; then cp ${quote(site)} ${quote(`${site}.previous`)}; fi`,
    ...(reload.drain
      ? [
          `  drain=${quote(`${reload.dir}/${reload.drain.flag}`)}`,
          `  trap 'rm -f "$drain"' EXIT`,
          '  : > "$drain"',
          `  sleep ${reload.drain.seconds}`,
        ]
      : []),
    `  mv "$staged/aitb.conf" ${quote(site)}`,
    `  if ! ${reload.nginx} -t -q; then`,
    `    if [ -f ${quote(`${site}.previous`)} ]; then mv ${quote(`${site}.previous`)} ${quote(site)}; fi`,
    '    rm -rf "$staged"',
    '    echo "nginx rejected the new site; the previous one stays" >&2; exit 1',
    "  fi",
    `  ${reload.nginx} -s reload`,
    ...(reload.drain ? [`  sleep ${DRAIN_AFTER_RELOAD_SECONDS}`, '  rm -f "$drain"'] : []),
    "else",
    `  mv "$staged/aitb.conf" ${quote(site)}`,
    "fi",
    'rm -rf "$staged"',
  ].join("\n");
}

export interface ProxyConfig {
  /** Host folder mounted as the proxy's /etc/nginx/conf.d. */
  dir: string;
  proxyContainer: string;
  /** The proxy's own pinned image: the staged site is checked by the nginx that will serve it. */
  proxyImage: string;
  /** The stack network, so the upstream host names in the site resolve as they do for the proxy. */
  network: string;
  /** Seconds of draining before a reload: the client keep-alive timeout and one more. */
  drainSeconds: number;
}

/**
 * The Docker target's router step. Every new site is checked by `nginx -t` in a throwaway
 * container of the proxy's image on the stack network before it is put in place, also on the
 * first deploy when no proxy runs yet: nginx resolves the upstream blocks' host names when it
 * loads a site, and the active color's containers (their network aliases) exist by then.
 */
export function proxyConfigScript(config: ProxyConfig): string {
  return proxyReloadScript({
    dir: config.dir,
    nginx: `docker exec ${config.proxyContainer} nginx`,
    running: `[ -n "$(docker ps -q --filter name=^/${config.proxyContainer}$)" ]`,
    validate: `docker run --rm --network ${quote(config.network)} -v "$staged":/etc/nginx/conf.d:ro --entrypoint nginx ${quote(config.proxyImage)} -t -q`,
    drain: { flag: DRAIN_FLAG, seconds: config.drainSeconds },
  });
}

/** The snapshot's dump, filed under the live release; `$release` and `$stamp` come from the caller. */
export function preSwitchDumpStep(options: {
  user: string;
  database: string;
  backupDir?: string;
}): string {
  return pgDumpStep({
    user: options.user,
    database: options.database,
    folder: `${options.backupDir ?? "/backups"}/$release`,
    file: "pre-switch-$stamp.dump",
  });
}

/**
 * The start of every pre-switch snapshot: `$release` from AITB_LIVE_RELEASE (nothing to do on a
 * new stack; a value that is not a release pin is refused) and `$stamp`, the UTC time of the dump.
 */
export const LIVE_RELEASE_PRELUDE: readonly string[] = [
  'release="${AITB_LIVE_RELEASE:-}"',
  'if [ -z "$release" ]; then echo "no release is live yet; nothing to snapshot"; exit 0; fi',
  'case "$release" in',
  '  *[!0-9A-Za-z._-]*) echo "AITB_LIVE_RELEASE=$release is not a release pin" >&2; exit 1;;',
  "esac",
  "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
];

/**
 * The pre-switch snapshot. The release live before this update comes from the program (the
 * stack's last deployed state) in AITB_LIVE_RELEASE; empty on a new stack: nothing to snapshot.
 */
export function preSwitchSnapshotScript(options: {
  container: string;
  user: string;
  database: string;
}): string {
  const dump = preSwitchDumpStep({ user: options.user, database: options.database });
  return [
    "set -eu",
    ...LIVE_RELEASE_PRELUDE,
    `docker exec -e release="$release" -e stamp="$stamp" ${options.container} sh -c ${quote(dump)}`,
    'echo "snapshot of $release taken before the switch: pre-switch-$stamp.dump"',
  ].join("\n");
}

/** The forensic copy's dump: the live database as it is, before a restore. */
export function forensicDumpStep(options: {
  user: string;
  database: string;
  label: string;
  backupDir?: string;
}): string {
  return pgDumpStep({
    user: options.user,
    database: options.database,
    folder: `${options.backupDir ?? "/backups"}/forensics`,
    file: `${options.label}-$(date -u +%Y%m%dT%H%M%SZ).dump`,
  });
}

export function forensicCopyScript(options: {
  container: string;
  user: string;
  database: string;
  label: string;
}): string {
  const dump = forensicDumpStep(options);
  return `set -eu\n${inContainer(options.container, dump)}\necho "forensic copy of ${options.database} taken"`;
}

export function restoreScript(options: {
  container: string;
  user: string;
  target: string;
  release?: string;
  notAfter?: string;
}): string {
  return inContainer(
    options.container,
    pgRestoreStep({
      user: options.user,
      target: options.target,
      backupDir: "/backups",
      release: options.release,
      notAfter: options.notAfter,
    }),
  );
}
