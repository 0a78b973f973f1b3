import { shellQuote } from "../../../domain/quote";
import { influxBackupArgs, influxdLine, influxRestoreArgs } from "../../../domain/influxBackup";
import { inContainer, LIVE_RELEASE_PRELUDE, snapshotStamp } from "./scripts";

/**
 * The InfluxDB steps of the Docker target: a portable backup before every switch, filed under the
 * live release, a forensic backup before a restore, and the restore into a new database. Plain
 * functions of where the server is, so `aitb drill influxdb` runs the same text against a local
 * influxd; the Docker target wraps them with `docker exec`.
 */

const quote = shellQuote;

export interface InfluxServer {
  /** RPC bind address of influxd (backup and restore): host:port. */
  rpc: string;
  /** HTTP address of the server (the influx CLI): host and port. */
  httpHost: string;
  httpPort: number;
  /** Programs; on PATH in the influxdb image. */
  influxd?: string;
  influx?: string;
}

/** Inside the influxdb container: the image's default addresses. */
export const CONTAINER_INFLUX: InfluxServer = {
  rpc: "127.0.0.1:8088",
  httpHost: "127.0.0.1",
  httpPort: 8086,
};

/** Backup folders sort by time: influxdb-pre-switch-20261125T143000Z. */
export const INFLUX_SNAPSHOT_PREFIX = "influxdb-pre-switch-";

/**
 * A portable backup into `<folder>/<name>.partial`, renamed into place only when influxd wrote its
 * manifest (a rename within one folder is atomic): a restore never picks a half-written backup.
 */
function backupInto(server: InfluxServer, database: string, folder: string, name: string): string {
  const args = influxBackupArgs({ rpc: server.rpc, database, dir: '"$part"' });
  return [
    `mkdir -p "${folder}"`,
    `final="${folder}/${name}"`,
    'part="$final.partial"',
    'rm -rf "$part"',
    `if ${influxdLine(server.influxd ?? "influxd", args)} >&2 && ls "$part"/*.manifest >/dev/null 2>&1; then`,
    '  mv "$part" "$final"',
    "else",
    '  rm -rf "$part"',
    `  echo ${quote(`influxd backup of ${database} failed; no backup was kept`)} >&2`,
    "  exit 1",
    "fi",
  ].join("\n");
}

/** The pre-switch backup of the live database; `$release` and `$stamp` come from the caller. */
export function influxSnapshotStep(options: {
  server: InfluxServer;
  database: string;
  backupDir: string;
}): string {
  return backupInto(
    options.server,
    options.database,
    `${options.backupDir}/$release`,
    `${INFLUX_SNAPSHOT_PREFIX}$stamp`,
  );
}

/** The forensic copy: the live database as it is, before a restore. */
export function influxForensicStep(options: {
  server: InfluxServer;
  database: string;
  label: string;
  backupDir: string;
}): string {
  return backupInto(
    options.server,
    options.database,
    `${options.backupDir}/forensics`,
    `influxdb-${options.label}-$(date -u +%Y%m%dT%H%M%SZ)`,
  );
}

export interface InfluxRestoreStep {
  server: InfluxServer;
  /** The live database, as the backup names it. */
  database: string;
  /** The new database; the step refuses one that exists. */
  target: string;
  backupDir: string;
  /** The newest backup of this release; without it, of any release. */
  release?: string;
  /** Only backups taken at or before this instant (ISO-8601). */
  notAfter?: string;
}

/**
 * Picks the newest complete backup (at or before `notAfter`), refuses an existing target, then
 * `influxd restore -portable -db <live> -newdb <target>`; the live database is never written.
 */
export function influxRestoreStep(step: InfluxRestoreStep): string {
  const folder = step.release ? `${step.backupDir}/${step.release}` : `${step.backupDir}/*`;
  const limit = step.notAfter
    ? `${INFLUX_SNAPSHOT_PREFIX}${snapshotStamp(new Date(step.notAfter))}`
    : "";
  const { server } = step;
  const influx = [
    server.influx ?? "influx",
    "-host",
    server.httpHost,
    "-port",
    String(server.httpPort),
  ].map(quote);
  const restore = influxRestoreArgs({
    rpc: server.rpc,
    database: step.database,
    newDatabase: step.target,
    dir: '"$dir"',
  });
  const where = `${folder}${step.notAfter ? ` taken at or before ${step.notAfter}` : ""}`;
  return [
    "set -eu",
    `dir=$(ls -1d ${folder}/${INFLUX_SNAPSHOT_PREFIX}* 2>/dev/null | grep -v '\\.partial$' | awk -F/ -v lim=${quote(limit)} '{ if (lim == "" || $NF <= lim) print $NF " " $0 }' | sort -r | head -n 1 | cut -d" " -f2-)`,
    `if [ -z "$dir" ]; then echo ${quote(`no InfluxDB backup in ${where}`)} >&2; exit 1; fi`,
    `databases=$(${influx.join(" ")} -format csv -execute 'SHOW DATABASES')`,
    `if printf '%s\\n' "$databases" | grep -qx ${quote(`databases,${step.target}`)}; then echo ${quote(`database ${step.target} exists; a restore never writes over an existing database`)} >&2; exit 1; fi`,
    `${influxdLine(server.influxd ?? "influxd", restore)} >&2`,
    `echo "restored $dir into ${step.target}"`,
  ].join("\n");
}

/** The Docker target's pre-switch backup: the release live before this update, from the program. */
export function influxSnapshotScript(options: { container: string; database: string }): string {
  const step = influxSnapshotStep({
    server: CONTAINER_INFLUX,
    database: options.database,
    backupDir: "/backups",
  });
  return [
    "set -eu",
    ...LIVE_RELEASE_PRELUDE,
    `docker exec -e release="$release" -e stamp="$stamp" ${options.container} sh -c ${quote(step)}`,
    `echo "InfluxDB backup of $release taken before the switch: ${INFLUX_SNAPSHOT_PREFIX}$stamp"`,
  ].join("\n");
}

export function influxForensicScript(options: {
  container: string;
  database: string;
  label: string;
}): string {
  const step = influxForensicStep({
    server: CONTAINER_INFLUX,
    database: options.database,
    label: options.label,
    backupDir: "/backups",
  });
  return `set -eu\n${inContainer(options.container, step)}\necho ${quote(`forensic copy of ${options.database} taken`)}`;
}

export function influxRestoreScript(options: {
  container: string;
  database: string;
  target: string;
  release?: string;
  notAfter?: string;
}): string {
  return inContainer(
    options.container,
    influxRestoreStep({
      server: CONTAINER_INFLUX,
      database: options.database,
      target: options.target,
      backupDir: "/backups",
      release: options.release,
      notAfter: options.notAfter,
    }),
  );
}
