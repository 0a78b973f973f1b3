import { leftovers, type Started } from "../drills/cleanup";
import {
  TRADING_DATA_DEFAULTS,
  runTradingDataDrill,
  tradingDataDrillText,
} from "../drills/tradingData/drill";
import { postgresBinDir } from "../drills/tools";

const ROWS = 12_000;

beforeAll(() => {
  // Fails (does not skip) with the install command when PostgreSQL is missing.
  postgresBinDir();
});

describe("trading-data drill on a real PostgreSQL", () => {
  let started: Started;
  let report: Awaited<ReturnType<typeof runTradingDataDrill>>;

  beforeAll(async () => {
    started = { groups: [], folders: [] };
    report = await runTradingDataDrill({
      ...TRADING_DATA_DEFAULTS,
      rows: ROWS,
      rounds: 1,
      // The Friday after Thanksgiving closes at 13:00: 210 candles a symbol.
      date: "2026-11-27",
      started,
    });
  }, 180_000);

  test("archives the day by the calendar's half-day session, every type in its own parquet file", () => {
    expect(report.sessions).toEqual([
      { opens: "2026-11-27T14:30:00.000Z", closes: "2026-11-27T18:00:00.000Z" },
    ]);
    expect(report.rowsByType.candles).toBe(210 * report.shape.symbols.length);
    const total = Object.values(report.rowsByType).reduce((sum, rows) => sum + rows, 0);
    expect(total).toBe(report.shape.rows);
    expect(total).toBeGreaterThanOrEqual(ROWS * 0.95);
    for (const type of ["candles", "trades", "orderbook"] as const) {
      expect(report.archive.files[type].bytes).toBeGreaterThan(0);
    }
    expect(report.archive.bytes).toBeLessThan(report.archive.csvBytes);
  });

  test("the restored schema equals the archive, the corrupted live tables are left as they were", () => {
    const { atArchive, corrupted, restored, liveAfter } = report.checksums;
    expect(restored).toEqual(atArchive);
    expect(corrupted).not.toEqual(atArchive);
    expect(liveAfter).toEqual(corrupted);
    expect(report.restoredInto).toBe("trading_restore_20261127_drill");
    expect(report.integrity).toEqual({
      restoredEqualsArchive: true,
      rulesPassed: true,
      liveUntouched: true,
      corruptionDetected: true,
      flippedByteRefused: true,
      noSchemaOnRefusal: true,
    });
    expect(report.targets.integrityExact).toBe(true);
  });

  test("a flipped byte is refused by name before any schema exists", () => {
    expect(report.flippedByte.refused).toBe(true);
    expect(report.flippedByte.file).toBe("flipped/archives/trades/2026-11-27.parquet");
    expect(report.flippedByte.problem).toMatch(
      /trades\/2026-11-27\.parquet: sha256 [0-9a-f]{64}, the manifest says/,
    );
    expect(report.flippedByte.schemasAfter).toBe(report.flippedByte.schemasBefore);
  });

  test("reports the times, the floor and their ratio, and prints them", () => {
    expect(report.rounds).toHaveLength(1);
    expect(report.restoreMs).toBeGreaterThan(0);
    expect(report.bareCopyMs).toBeGreaterThan(0);
    expect(report.ratioToCopy).toBeCloseTo(report.restoreMs / report.bareCopyMs, 2);
    const text = tradingDataDrillText(report);
    expect(text).toContain(`ratio:     ${report.ratioToCopy} (target under 1.5)`);
    expect(text).toContain("flipped byte at");
    expect(text).toContain("none created");
  });

  test("stops the server and removes its folder", () => {
    expect(started.groups).toHaveLength(1);
    expect(started.folders).toHaveLength(1);
    expect(leftovers(started)).toEqual({ groups: [], folders: [] });
  });
});
