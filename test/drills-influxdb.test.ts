import { leftovers, type Started } from "../drills/cleanup";
import { MEASUREMENTS } from "../drills/influxdb/data";
import { influxDrillText, runInfluxDrill, INFLUX_DEFAULTS } from "../drills/influxdb/drill";
import { influxPrograms } from "../drills/influxdb/influxd";
import { DrillOptionError } from "../drills/options";
import { stackConfig } from "../drills/stack";

const POINTS = 2_000;

beforeAll(() => {
  // Fails (does not skip) with the install command when InfluxDB is missing.
  influxPrograms();
});

describe("InfluxDB drill on a real influxd", () => {
  let started: Started;
  let report: Awaited<ReturnType<typeof runInfluxDrill>>;
  const config = stackConfig("dev");
  const release = config.slots[config.activeColor].release;

  beforeAll(async () => {
    started = { groups: [], folders: [] };
    report = await runInfluxDrill({ ...INFLUX_DEFAULTS, points: POINTS, started });
  }, 120_000);

  test("the restored database holds every point of every measurement at backup time", () => {
    const { atBackup, restored } = report.states;
    for (const measurement of MEASUREMENTS) {
      expect(atBackup[measurement].points).toBe(POINTS);
    }
    expect(restored).toEqual(atBackup);
    expect(report.integrity.restoredEqualsBackup).toBe(true);
  });

  test("the corruption changed every measurement; the live database keeps it, the forensic copy its writes", () => {
    const { atBackup, corrupted, forensicCopy, liveAfter } = report.states;
    for (const measurement of MEASUREMENTS) {
      expect(corrupted[measurement]).not.toEqual(atBackup[measurement]);
    }
    expect(corrupted.orderbook.points).toBe(0);
    expect(forensicCopy.candles).toEqual(corrupted.candles);
    expect(forensicCopy.fills).toEqual(corrupted.fills);
    expect(liveAfter).toEqual(corrupted);
    expect(report.integrity.forensicCopyHoldsWrites).toBe(true);
    expect(report.integrity.liveUntouched).toBe(true);
  });

  test("restores into a new database named after the release, never over an existing one", () => {
    expect(report.restoredInto).toBe(`aitb_trading_restore_release_${release.replace(/\./g, "_")}`);
    expect(report.restoredInto).not.toBe(report.database);
    expect(report.backup).toMatch(
      new RegExp(`^backups/${release.replace(/\./g, "\\.")}/influxdb-pre-switch-\\d{8}T\\d{6}Z$`),
    );
    expect(report.forensicCopy).toMatch(/^backups\/forensics\/influxdb-aitb_trading_restore_/);
    expect(report.integrity.refusesExistingTarget).toBe(true);
    expect(report.targets.integrityExact).toBe(true);
  });

  test("reports its times in the text report", () => {
    for (const figure of [report.writeMs, report.backupMs, report.restoreMs, report.verifyMs]) {
      expect(figure).toBeGreaterThan(0);
    }
    expect(report.backupBytes).toBeGreaterThan(0);
    const text = influxDrillText(report);
    expect(text).toContain(`restore into ${report.restoredInto}`);
    expect(text).toContain("targets: integrity exact: met");
  });

  test("stops influxd and removes its folder", () => {
    expect(started.groups).toHaveLength(1);
    expect(started.folders).toHaveLength(1);
    expect(leftovers(started)).toEqual({ groups: [], folders: [] });
  });
});

test("a point count out of range is refused before anything starts", async () => {
  const started: Started = { groups: [], folders: [] };
  await expect(runInfluxDrill({ ...INFLUX_DEFAULTS, points: 5, started })).rejects.toThrow(
    DrillOptionError,
  );
  expect(started).toEqual({ groups: [], folders: [] });
});

test("an address off loopback is refused before anything starts", async () => {
  const started: Started = { groups: [], folders: [] };
  await expect(runInfluxDrill({ ...INFLUX_DEFAULTS, host: "10.1.2.3", started })).rejects.toThrow(
    /runs only on loopback|drills run only on loopback/,
  );
  expect(started).toEqual({ groups: [], folders: [] });
});
