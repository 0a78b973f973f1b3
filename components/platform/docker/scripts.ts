/**
 * Shell scripts the Docker target runs through @pulumi/command. The PostgreSQL and nginx steps
 * are plain functions of their parameters so the drills run the very same steps against local
 * servers; `inContainer` wraps a step for `docker exec`.
 */

function quote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

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

export function pgDumpStep(step: DumpStep): string {
  return `mkdir -p ${step.folder} && pg_dump -Fc -U ${step.user} -d ${step.database} -f ${step.folder}/${step.file}`;
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

/** Pick the snapshot, refuse an existing target, create the new database, pg_restore into it. */
export function pgRestoreStep(step: RestoreStep): string {
  const folder = step.release ? `${step.backupDir}/${step.release}` : `${step.backupDir}/*`;
  const limit = step.notAfter ? `pre-switch-${snapshotStamp(new Date(step.notAfter))}.dump` : "";
  return [
    "set -eu",
    `file=$(ls -1 ${folder}/pre-switch-*.dump 2>/dev/null | awk -F/ -v lim=${quote(limit)} '{ if (lim == "" || $NF <= lim) print $NF " " $0 }' | sort | tail -n 1 | cut -d" " -f2)`,
    `if [ -z "$file" ]; then echo "no snapshot in ${folder}${step.notAfter ? ` taken at or before ${step.notAfter}` : ""}" >&2; exit 1; fi`,
    `if psql -U ${step.user} -d postgres -tAc "select 1 from pg_database where datname = '${step.target}'" | grep -q 1; then echo "database ${step.target} exists; a restore never writes over an existing database" >&2; exit 1; fi`,
    `createdb -U ${step.user} ${step.target}`,
    `pg_restore -U ${step.user} -d ${step.target} --no-owner --exit-on-error "$file"`,
    `echo "restored $file into ${step.target}"`,
  ].join("\n");
}

export interface ProxyReload {
  /** Folder of the site file the proxy includes. */
  dir: string;
  /** Command prefix that runs nginx where the proxy lives (`docker exec <proxy> nginx`). */
  nginx: string;
  /** Shell test that succeeds when the proxy is running. */
  running: string;
}

/**
 * Write the new site (stdin), validate it with `nginx -t`, then reload gracefully: old workers
 * finish their requests. A rejected site is rolled back to the previous file.
 */
export function proxyReloadScript(reload: ProxyReload): string {
  const site = `${reload.dir}/aitb.conf`;
  return [
    "set -eu",
    `mkdir -p ${quote(reload.dir)}`,
    `cat > ${quote(`${site}.next`)}`,
    `if ${reload.running}; then`,
    `  if [ -f ${quote(site)} ]; then cp ${quote(site)} ${quote(`${site}.previous`)}; fi`,
    `  mv ${quote(`${site}.next`)} ${quote(site)}`,
    `  if ! ${reload.nginx} -t -q; then`,
    `    if [ -f ${quote(`${site}.previous`)} ]; then mv ${quote(`${site}.previous`)} ${quote(site)}; fi`,
    '    echo "nginx rejected the new site; the previous one stays" >&2; exit 1',
    "  fi",
    `  ${reload.nginx} -s reload`,
    "else",
    `  mv ${quote(`${site}.next`)} ${quote(site)}`,
    "fi",
  ].join("\n");
}

export function proxyConfigScript(dir: string, proxyContainer: string): string {
  return proxyReloadScript({
    dir,
    nginx: `docker exec ${proxyContainer} nginx`,
    running: `[ -n "$(docker ps -q --filter name=^/${proxyContainer}$)" ]`,
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

export function preSwitchSnapshotScript(options: {
  proxySite: string;
  container: string;
  user: string;
  database: string;
}): string {
  const dump = preSwitchDumpStep({ user: options.user, database: options.database });
  return [
    "set -eu",
    `release=$(sed -n 's/^# aitb:live-release=//p' ${quote(options.proxySite)} 2>/dev/null || true)`,
    'if [ -z "$release" ]; then echo "no release is live yet; nothing to snapshot"; exit 0; fi',
    "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
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
