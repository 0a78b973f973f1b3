import * as fs from "node:fs";
import { MANIFEST_LINES_SQL, MANIFEST_SESSION_SQL } from "../../domain/restoreManifest";
import * as path from "node:path";
import {
  forensicDumpStep,
  pgRestoreStep,
  preSwitchDumpStep,
  snapshotStamp,
} from "../../components/platform/docker/scripts";
import { resolveRestorePoint } from "../../domain/restore";
import { withCleanup, type Started } from "../cleanup";
import { assertLoopback, assertLoopbackUrl } from "../loopback";
import { machine, type Machine } from "../machine";
import { requireInteger, withoutHooks } from "../options";
import { CommandError } from "../processes";
import { shellQuote } from "../../domain/quote";
import { stackConfig } from "../stack";
import { round } from "../stats";
import { checksumSql, corruptSql, loadSql, TABLES, type Table } from "./data";
import { startPostgres, type PostgresCluster } from "./postgres";
import { postgresBinDir } from "../tools";

export interface RestoreDrillOptions {
  /** Rows in each of the orders, trades and candles tables. */
  rows: number;
  /** Paired timings of the product's restore and a bare pg_restore, the order alternating. */
  rounds: number;
  host: string;
  /** The stack file whose database, release and restore naming the drill follows. */
  stack: string;
  log?: (line: string) => void;
  started?: Started;
}

export const RESTORE_DEFAULTS: Omit<RestoreDrillOptions, "log" | "started"> = {
  rows: 300_000,
  rounds: 3,
  host: "127.0.0.1",
  stack: "dev",
};

const WARMUP_DB = "aitb_warmup_restore";
const BARE_DB = "aitb_bare_restore";

const round1 = (ms: number): number => round(ms, 0) as number;

export const RESTORE_TARGETS = { maxRatioToBare: 1.25 } as const;

export interface RestoreRound {
  restoreMs: number;
  bareRestoreMs: number;
}

export type Checksums = Record<Table, string>;

export interface RestoreDrillReport {
  drill: "restore";
  machine: Machine;
  postgres: string;
  stack: string;
  options: Omit<RestoreDrillOptions, "log" | "started">;
  release: string;
  snapshot: string;
  forensicCopy: string;
  restoredInto: string;
  databaseUrl: { before: string; after: string };
  /** Size of the live database when the backup was taken, and of its dump. */
  databaseBytes: number;
  dumpBytes: number;
  loadMs: number;
  backupMs: number;
  forensicCopyMs: number;
  /** The product's restore step (pick the snapshot, refuse an existing target, createdb, pg_restore), mean of the rounds. */
  restoreMs: number;
  /** `pg_restore` alone of the same dump into a fresh database, the floor on this machine: mean of the rounds. */
  bareRestoreMs: number;
  rounds: RestoreRound[];
  ratioToBare: number;
  checksums: {
    atBackup: Checksums;
    corrupted: Checksums;
    restored: Checksums;
    forensicCopy: Checksums;
    liveAfter: Checksums;
  };
  integrity: {
    /** The restored database equals the database at backup time, table by table. */
    restoredEqualsBackup: boolean;
    /** The forensic copy holds the corrupted state. */
    forensicCopyHoldsCorruption: boolean;
    /** The live database was not written by the restore. */
    liveUntouched: boolean;
    /** A second restore into the same target is refused. */
    refusesExistingTarget: boolean;
  };
  targets: { integrityExact: boolean; withinRatio: boolean };
}

async function checksums(cluster: PostgresCluster, url: string): Promise<Checksums> {
  const entries: [Table, string][] = [];
  for (const table of TABLES) entries.push([table, await cluster.query(url, checksumSql(table))]);
  return Object.fromEntries(entries) as Checksums;
}

function same(a: Checksums, b: Checksums): boolean {
  return TABLES.every((table) => a[table] === b[table]);
}

function only(dir: string): string {
  // Each dump has its manifest beside it (<dump>.manifest).
  const files = fs.readdirSync(dir).filter((file) => file.endsWith(".dump"));
  if (files.length !== 1)
    throw new Error(`expected one dump in ${dir}, found ${files.join(", ") || "none"}`);
  return path.join(dir, files[0]);
}

/**
 * Backup, corruption, forensic copy, restore into a new database and repoint, with the Docker
 * target's own steps against a private PostgreSQL; then integrity is checked table by table.
 */
export async function runRestoreDrill(options: RestoreDrillOptions): Promise<RestoreDrillReport> {
  requireInteger("--rows", options.rows, 10, 50_000_000);
  requireInteger("--rounds", options.rounds, 1, 20);
  assertLoopback(options.host, "--host");
  const log = options.log ?? (() => undefined);
  const bin = postgresBinDir();
  const config = stackConfig(options.stack);
  const db = config.database;
  const release = config.slots[config.activeColor].release;
  const point = resolveRestorePoint(db, { fromRelease: release }, config.releaseHistory);
  // The Docker target's database name for the restore point (see DockerPlatform.restore).
  const target = point.target.replace(/-/g, "_");

  const measuredOn = machine();
  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-restore-");
      const backupDir = path.join(folder, "backups");
      fs.mkdirSync(backupDir);
      const cluster = await startPostgres(cleanup, {
        folder,
        host: options.host,
        user: db.user,
        bin,
      });
      log(`${cluster.version} on ${cluster.host}:${cluster.port}; ${options.rows} rows per table`);
      let databaseUrl = cluster.url(db.name);
      const before = databaseUrl;

      await cluster.run("createdb", [db.name]);
      const loadStarted = performance.now();
      await cluster.query(databaseUrl, loadSql(options.rows));
      const loadMs = performance.now() - loadStarted;
      const databaseBytes = Number(
        await cluster.query(databaseUrl, `select pg_database_size('${db.name}')`),
      );
      const atBackup = await checksums(cluster, databaseUrl);

      // The pre-switch snapshot, filed under the live release as the backup plan files it.
      const stamp = snapshotStamp(new Date());
      const backup = await cluster.step(
        `release=${shellQuote(release)} stamp=${shellQuote(stamp)}\n${preSwitchDumpStep({ user: db.user, database: db.name, backupDir })}`,
      );
      const snapshot = path.join(backupDir, release, `pre-switch-${stamp}.dump`);
      const dumpBytes = fs.statSync(snapshot).size;
      log(`backup: ${Math.round(backup.ms)} ms, ${dumpBytes} bytes in ${snapshot}`);

      await cluster.query(databaseUrl, corruptSql(options.rows));
      const corrupted = await checksums(cluster, databaseUrl);

      const forensic = await cluster.step(
        forensicDumpStep({ user: db.user, database: db.name, label: target, backupDir }),
      );
      const forensicCopy = only(path.join(backupDir, "forensics"));

      // An untimed restore first, so that neither timed one pays alone for what the first
      // restore on a new cluster pays (new WAL segments, cold caches).
      await cluster.run("createdb", [WARMUP_DB]);
      await cluster.run("pg_restore", ["-d", WARMUP_DB, "--no-owner", "--exit-on-error", snapshot]);
      await cluster.run("dropdb", [WARMUP_DB]);

      // Paired rounds, the order alternating, so drift on a shared machine falls on both sides.
      const rounds: RestoreRound[] = [];
      for (let i = 0; i < options.rounds; i++) {
        const timed: Partial<RestoreRound> = {};
        const product = async () => {
          if (i > 0) await cluster.run("dropdb", [target]);
          await cluster.query(cluster.url("postgres"), "checkpoint");
          const restore = await cluster.step(
            pgRestoreStep({
              user: db.user,
              target,
              backupDir,
              release: point.release,
              notAfter: point.instant?.toISOString(),
            }),
          );
          timed.restoreMs = round1(restore.ms);
        };
        const bare = async () => {
          if (i > 0) await cluster.run("dropdb", [BARE_DB]);
          await cluster.run("createdb", [BARE_DB]);
          await cluster.query(cluster.url("postgres"), "checkpoint");
          const restore = await cluster.run("pg_restore", [
            "-U",
            db.user,
            "-d",
            BARE_DB,
            "--no-owner",
            "--exit-on-error",
            snapshot,
          ]);
          // The product's restore also reads every row once to compare it with the snapshot's
          // manifest; the floor of a verified restore is pg_restore plus that one pass.
          const pass = await cluster.step(
            `psql -U ${db.user} -d ${BARE_DB} -tA -v ON_ERROR_STOP=1 >/dev/null <<'SQL'\n${MANIFEST_SESSION_SQL}\n${MANIFEST_LINES_SQL}\nSQL`,
          );
          timed.bareRestoreMs = round1(restore.ms + pass.ms);
        };
        for (const step of i % 2 === 0 ? [product, bare] : [bare, product]) await step();
        rounds.push(timed as RestoreRound);
        log(
          `round ${i + 1}/${options.rounds}: restore into ${target} ${Math.round(timed.restoreMs as number)} ms, bare pg_restore ${Math.round(timed.bareRestoreMs as number)} ms`,
        );
      }
      let refusesExistingTarget = false;
      try {
        await cluster.step(pgRestoreStep({ user: db.user, target, backupDir, release }));
      } catch (error) {
        refusesExistingTarget = error instanceof CommandError && /exists/.test(error.stderr);
      }

      // Repoint: from here on the drill reads through the new URL, as the services would.
      databaseUrl = assertLoopbackUrl(cluster.url(target), "the repointed database URL").href;
      const restored = await checksums(cluster, databaseUrl);
      const liveAfter = await checksums(cluster, cluster.url(db.name));

      await cluster.run("createdb", ["aitb_forensic_check"]);
      await cluster.run("pg_restore", [
        "-d",
        "aitb_forensic_check",
        "--no-owner",
        "--exit-on-error",
        forensicCopy,
      ]);
      const forensicState = await checksums(cluster, cluster.url("aitb_forensic_check"));

      const integrity = {
        restoredEqualsBackup: same(restored, atBackup),
        forensicCopyHoldsCorruption: same(forensicState, corrupted) && !same(corrupted, atBackup),
        liveUntouched: same(liveAfter, corrupted),
        refusesExistingTarget,
      };
      const restoreMs = rounds.reduce((sum, r) => sum + r.restoreMs, 0) / rounds.length;
      const bareRestoreMs = rounds.reduce((sum, r) => sum + r.bareRestoreMs, 0) / rounds.length;
      const ratioToBare = restoreMs / bareRestoreMs;
      return {
        drill: "restore" as const,
        machine: measuredOn,
        postgres: cluster.version,
        stack: options.stack,
        options: withoutHooks(options),
        release,
        snapshot: path.relative(folder, snapshot),
        forensicCopy: path.relative(folder, forensicCopy),
        restoredInto: target,
        databaseUrl: { before, after: databaseUrl },
        databaseBytes,
        dumpBytes,
        loadMs: round1(loadMs),
        backupMs: round1(backup.ms),
        forensicCopyMs: round1(forensic.ms),
        restoreMs: round1(restoreMs),
        bareRestoreMs: round1(bareRestoreMs),
        rounds,
        ratioToBare: round(ratioToBare, 3) as number,
        checksums: { atBackup, corrupted, restored, forensicCopy: forensicState, liveAfter },
        integrity,
        targets: {
          integrityExact: Object.values(integrity).every(Boolean),
          withinRatio: ratioToBare <= RESTORE_TARGETS.maxRatioToBare,
        },
      };
    },
    { started: options.started, log },
  );
}
