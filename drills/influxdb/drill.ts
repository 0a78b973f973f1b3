import * as fs from "node:fs";
import * as path from "node:path";
import {
  influxForensicStep,
  influxRestoreStep,
  influxSnapshotStep,
  INFLUX_SNAPSHOT_PREFIX,
} from "../../components/platform/docker/influxScripts";
import { snapshotStamp } from "../../components/platform/docker/scripts";
import { influxdLine, influxRestoreArgs } from "../../domain/influxBackup";
import { engineRestorePoint } from "../../domain/influxRestore";
import { influxdbSchema } from "../../config/schema";
import { withCleanup, type Started } from "../cleanup";
import { assertLoopback } from "../loopback";
import { machine, type Machine } from "../machine";
import { requireInteger, withoutHooks } from "../options";
import { CommandError, runShell } from "../processes";
import { stackConfig } from "../stack";
import { round } from "../stats";
import { MEASUREMENTS, pointLines, type DatabaseState, type Measurement } from "./data";
import { influxPrograms, startInfluxd, type InfluxInstance } from "./influxd";

export interface InfluxDrillOptions {
  /** Points in each measurement (candles, trades, orderbook, fills). */
  points: number;
  host: string;
  /** The stack file whose aitb:influxdb (or its defaults), release and restore naming the drill follows. */
  stack: string;
  log?: (line: string) => void;
  started?: Started;
}

export const INFLUX_DEFAULTS: Omit<InfluxDrillOptions, "log" | "started"> = {
  points: 200_000,
  host: "127.0.0.1",
  stack: "dev",
};

const BATCH = 5_000;
const FORENSIC_CHECK_DB = "aitb_forensic_check";

export interface InfluxDrillReport {
  drill: "influxdb";
  machine: Machine;
  influxdb: string;
  stack: string;
  options: Omit<InfluxDrillOptions, "log" | "started">;
  release: string;
  database: string;
  backup: string;
  forensicCopy: string;
  restoredInto: string;
  backupBytes: number;
  /** Writing the points over HTTP, all measurements. */
  writeMs: number;
  /** The product's pre-switch backup step (influxd backup -portable, kept only when complete). */
  backupMs: number;
  forensicCopyMs: number;
  /** The product's restore step (pick the backup, refuse an existing target, influxd restore -newdb). */
  restoreMs: number;
  /** Counting points and summing `seq` per measurement in the restored database. */
  verifyMs: number;
  states: {
    atBackup: DatabaseState;
    corrupted: DatabaseState;
    restored: DatabaseState;
    forensicCopy: DatabaseState;
    liveAfter: DatabaseState;
  };
  integrity: {
    /** Points and the sum of `seq` per measurement equal the database at backup time. */
    restoredEqualsBackup: boolean;
    /** The forensic copy holds the incident's writes (the bad candles, the overwritten fills). */
    forensicCopyHoldsWrites: boolean;
    liveUntouched: boolean;
    refusesExistingTarget: boolean;
  };
  /**
   * Whether the forensic copy also holds the incident's deletions (the deleted trades, the dropped
   * order book). Not a target: InfluxDB 1.6's backup of a shard does not carry tombstones written
   * since its last compaction, so deleted points come back in the copy (influxdata/influxdb issue
   * 14229, "Data can re-appear after it's been deleted", affects 1.5.3 on, fixed by PR 14232).
   */
  forensicCopyHoldsDeletes: boolean;
  targets: { integrityExact: boolean };
}

/**
 * Right after a live restore, influxd answers "shard is disabled" until the restored shard is
 * open: the query is retried for a few seconds, and the wait counts in the verify time.
 */
async function queryWhenOpen(influx: InfluxInstance, q: string, database: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await influx.query(q, database);
    } catch (error) {
      if (!/shard is disabled/.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

async function stateOf(influx: InfluxInstance, database: string): Promise<DatabaseState> {
  const entries: [Measurement, { points: number; sum: number }][] = [];
  for (const measurement of MEASUREMENTS) {
    const [result] = await queryWhenOpen(
      influx,
      `SELECT count("value"), sum("seq") FROM "${measurement}"`,
      database,
    );
    const row = result?.series?.[0]?.values?.[0];
    entries.push([measurement, { points: Number(row?.[1] ?? 0), sum: Number(row?.[2] ?? 0) }]);
  }
  return Object.fromEntries(entries) as DatabaseState;
}

function sameMeasurement(a: DatabaseState, b: DatabaseState, m: Measurement): boolean {
  return a[m].points === b[m].points && a[m].sum === b[m].sum;
}

function same(a: DatabaseState, b: DatabaseState): boolean {
  return MEASUREMENTS.every((m) => sameMeasurement(a, b, m));
}

/** What the drill's incident writes, and what it deletes. */
const WRITTEN: readonly Measurement[] = ["candles", "fills"];
const DELETED: readonly Measurement[] = ["trades", "orderbook"];

function bytesIn(dir: string): number {
  return fs
    .readdirSync(dir)
    .reduce((total, file) => total + fs.statSync(path.join(dir, file)).size, 0);
}

function onlyDir(parent: string, prefix: string): string {
  const dirs = fs.readdirSync(parent).filter((name) => name.startsWith(prefix));
  if (dirs.length !== 1) {
    throw new Error(
      `expected one backup ${prefix}* in ${parent}, found ${dirs.join(", ") || "none"}`,
    );
  }
  return path.join(parent, dirs[0]);
}

const ms = (value: number): number => round(value, 0) as number;

/**
 * Write, back up, corrupt, take the forensic copy, restore into a new database and verify, with
 * the Docker target's own InfluxDB steps (components/platform/docker/influxScripts.ts) against a
 * private influxd on loopback.
 */
export async function runInfluxDrill(options: InfluxDrillOptions): Promise<InfluxDrillReport> {
  requireInteger("--points", options.points, 10, 20_000_000);
  assertLoopback(options.host, "--host");
  const log = options.log ?? (() => undefined);
  const programs = influxPrograms();
  const config = stackConfig(options.stack);
  const engine = config.influxdb ?? influxdbSchema.parse({});
  const release = config.slots[config.activeColor].release;
  const database = engine.name;
  const target = engineRestorePoint(engine, { fromRelease: release }, config.releaseHistory).target;
  const measuredOn = machine();

  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-influxdb-");
      const backupDir = path.join(folder, "backups");
      const influx = await startInfluxd(cleanup, { folder, host: options.host, programs });
      const { server } = influx;
      log(`${influx.version} on ${server.httpHost}:${server.httpPort}, RPC ${server.rpc}`);

      await influx.query(`CREATE DATABASE "${database}"`);
      const writeStarted = performance.now();
      for (const measurement of MEASUREMENTS) {
        for (let from = 0; from < options.points; from += BATCH) {
          await influx.write(
            database,
            pointLines(measurement, from, Math.min(options.points, from + BATCH)),
          );
        }
      }
      const writeMs = performance.now() - writeStarted;
      const atBackup = await stateOf(influx, database);
      log(`wrote ${options.points} points into each of ${MEASUREMENTS.join(", ")}`);

      const stamp = snapshotStamp(new Date());
      const backup = await runShell(influxSnapshotStep({ server, database, backupDir }), {
        env: { ...process.env, release, stamp },
      });
      const backupPath = onlyDir(path.join(backupDir, release), INFLUX_SNAPSHOT_PREFIX);

      // The incident: half the trades deleted, the order book dropped, bad candles written,
      // fills overwritten with other values at the same series and times.
      const half = Math.floor(options.points / 2);
      await influx.query(
        `DELETE FROM "trades" WHERE time < ${1_764_000_000 + Math.floor(half / 4)}s`,
        database,
      );
      await influx.query(`DROP MEASUREMENT "orderbook"`, database);
      await influx.write(
        database,
        pointLines("candles", options.points, options.points + Math.max(1, half)),
      );
      await influx.write(
        database,
        pointLines("fills", 0, Math.max(1, half)).replace(/seq=(\d+)i/g, "seq=-$1i"),
      );
      const corrupted = await stateOf(influx, database);

      const forensic = await runShell(
        influxForensicStep({ server, database, label: target, backupDir }),
      );
      const forensicPath = onlyDir(path.join(backupDir, "forensics"), `influxdb-${target}-`);

      const restoreStep = influxRestoreStep({ server, database, target, backupDir, release });
      const restore = await runShell(restoreStep);
      const verifyStarted = performance.now();
      const restored = await stateOf(influx, target);
      const verifyMs = performance.now() - verifyStarted;
      const liveAfter = await stateOf(influx, database);

      const refusesExistingTarget = await runShell(restoreStep).then(
        () => false,
        (error: unknown) =>
          error instanceof CommandError && /exists; a restore never writes over/.test(error.stderr),
      );

      await runShell(
        influxdLine(
          programs.influxd,
          influxRestoreArgs({
            rpc: server.rpc,
            database,
            newDatabase: FORENSIC_CHECK_DB,
            dir: forensicPath,
          }),
        ),
      );
      const forensicState = await stateOf(influx, FORENSIC_CHECK_DB);

      const integrity = {
        restoredEqualsBackup: same(restored, atBackup),
        forensicCopyHoldsWrites: WRITTEN.every((m) => sameMeasurement(forensicState, corrupted, m)),
        liveUntouched: same(liveAfter, corrupted),
        refusesExistingTarget,
      };
      const forensicCopyHoldsDeletes = DELETED.every((m) =>
        sameMeasurement(forensicState, corrupted, m),
      );
      return {
        drill: "influxdb" as const,
        machine: measuredOn,
        influxdb: influx.version,
        stack: options.stack,
        options: withoutHooks(options),
        release,
        database,
        backup: path.relative(folder, backupPath),
        forensicCopy: path.relative(folder, forensicPath),
        restoredInto: target,
        backupBytes: bytesIn(backupPath),
        writeMs: ms(writeMs),
        backupMs: ms(backup.ms),
        forensicCopyMs: ms(forensic.ms),
        restoreMs: ms(restore.ms),
        verifyMs: ms(verifyMs),
        states: { atBackup, corrupted, restored, forensicCopy: forensicState, liveAfter },
        integrity,
        forensicCopyHoldsDeletes,
        targets: { integrityExact: Object.values(integrity).every(Boolean) },
      };
    },
    { started: options.started, log },
  );
}

/** The drill's figures as text. */
export function influxDrillText(report: InfluxDrillReport): string {
  const s = report.states;
  const counts = (state: DatabaseState) =>
    MEASUREMENTS.map((m) => `${m} ${state[m].points}`).join(", ");
  const i = report.integrity;
  const yes = (ok: boolean) => (ok ? "yes" : "NO");
  const cores = report.machine.cores;
  return [
    `InfluxDB drill: ${report.influxdb}, ${report.options.points} points in each of ${MEASUREMENTS.join(", ")}, database ${report.database}, the ${report.stack} stack's release ${report.release}`,
    `  machine: ${cores} cores (${report.machine.cpu}), node ${report.machine.node}, load average ${report.machine.loadAverage.join(" ")} at the start`,
    `  write ${report.writeMs} ms; backup (pre-switch step, influxd backup -portable) ${report.backupMs} ms, ${(report.backupBytes / 1024 / 1024).toFixed(1)} MiB (${report.backup})`,
    `  forensic copy ${report.forensicCopyMs} ms (${report.forensicCopy}); restore into ${report.restoredInto} (product step, influxd restore -portable -newdb) ${report.restoreMs} ms; verify ${report.verifyMs} ms`,
    `  points at backup: ${counts(s.atBackup)}; corrupted: ${counts(s.corrupted)}; restored: ${counts(s.restored)}`,
    `  integrity: restored = backup (points and sum of seq per measurement) ${yes(i.restoredEqualsBackup)}; forensic copy holds the incident's writes ${yes(i.forensicCopyHoldsWrites)} and its deletions ${report.forensicCopyHoldsDeletes ? "yes" : "no (InfluxDB 1.6 backups omit recent tombstones, influxdata/influxdb#14229)"}; live database untouched ${yes(i.liveUntouched)}; a second restore into ${report.restoredInto} refused ${yes(i.refusesExistingTarget)}`,
    `  targets: integrity exact: ${report.targets.integrityExact ? "met" : "MISSED"}`,
  ].join("\n");
}
