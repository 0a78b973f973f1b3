import { leftovers, type Started } from "../drills/cleanup";
import { runRestoreDrill, RESTORE_DEFAULTS } from "../drills/restore/drill";
import { stackConfig } from "../drills/stack";
import { postgresBinDir } from "../drills/tools";

const ROWS = 2_000;

beforeAll(() => {
  // Fails (does not skip) with the install command when PostgreSQL is missing.
  postgresBinDir();
});

describe("restore drill on a real PostgreSQL", () => {
  let started: Started;
  let report: Awaited<ReturnType<typeof runRestoreDrill>>;
  const config = stackConfig("dev");
  const release = config.slots[config.activeColor].release;

  beforeAll(async () => {
    started = { groups: [], folders: [] };
    report = await runRestoreDrill({ ...RESTORE_DEFAULTS, rows: ROWS, rounds: 1, started });
  }, 120_000);

  test("the restored database equals the database at backup time, table by table", () => {
    const { atBackup, restored } = report.checksums;
    expect(restored).toEqual(atBackup);
    for (const table of ["orders", "trades", "candles"] as const) {
      expect(atBackup[table]).toMatch(new RegExp(`^${ROWS}:-?\\d+$`));
    }
    expect(report.integrity.restoredEqualsBackup).toBe(true);
  });

  test("the forensic copy holds the corrupted state, and the live database was left as it was", () => {
    const { atBackup, corrupted, forensicCopy, liveAfter } = report.checksums;
    expect(corrupted).not.toEqual(atBackup);
    for (const table of ["orders", "trades", "candles"] as const) {
      expect(corrupted[table]).not.toBe(atBackup[table]);
    }
    expect(forensicCopy).toEqual(corrupted);
    expect(liveAfter).toEqual(corrupted);
    expect(report.integrity.forensicCopyHoldsCorruption).toBe(true);
    expect(report.integrity.liveUntouched).toBe(true);
  });

  test("uses the backup plan's naming and the restore component's target, then repoints", () => {
    expect(report.snapshot).toMatch(
      new RegExp(`^backups/${release.replace(/\./g, "\\.")}/pre-switch-\\d{8}T\\d{6}Z\\.dump$`),
    );
    const target = `aitb_restore_release_${release.replace(/\./g, "_")}`;
    expect(report.restoredInto).toBe(target);
    expect(report.forensicCopy).toMatch(
      new RegExp(`^backups/forensics/${target}-\\d{8}T\\d{6}Z\\.dump$`),
    );
    expect(report.databaseUrl.before).toMatch(/^postgres:\/\/aitb@127\.0\.0\.1:\d+\/aitb$/);
    expect(report.databaseUrl.after).toBe(
      report.databaseUrl.before.replace(/\/aitb$/, `/${target}`),
    );
  });

  test("a second restore into the same database is refused", () => {
    expect(report.integrity.refusesExistingTarget).toBe(true);
    expect(report.targets.integrityExact).toBe(true);
  });

  test("reports the timings and sizes", () => {
    expect(report.rounds).toHaveLength(1);
    expect(report.backupMs).toBeGreaterThan(0);
    expect(report.restoreMs).toBeGreaterThan(0);
    expect(report.bareRestoreMs).toBeGreaterThan(0);
    expect(report.ratioToBare).toBeCloseTo(report.restoreMs / report.bareRestoreMs, 2);
    expect(report.dumpBytes).toBeGreaterThan(0);
    expect(report.databaseBytes).toBeGreaterThan(report.dumpBytes);
  });

  test("stops the server and removes its folder", () => {
    expect(started.groups).toHaveLength(1);
    expect(started.folders).toHaveLength(1);
    expect(leftovers(started)).toEqual({ groups: [], folders: [] });
  });
});
