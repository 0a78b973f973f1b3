/**
 * The config drill, short form: one round of every case on a copy of each dev stack file (the
 * Docker and loopback targets' own backup steps), and nothing left behind.
 */
import * as fs from "node:fs";
import { runConfigDrill } from "../drills/config/drill";
import { configDrillText } from "../drills/config/report";
import { DrillOptionError } from "../drills/options";

jest.setTimeout(120_000);

test.each(["dev", "loopback"])(
  "the %s stack's backups round-trip: restored to the recorded digest, tampering refused",
  async (stack) => {
    const started = { groups: [], folders: [] as string[] };
    const report = await runConfigDrill({ stack, rounds: 1, started });
    expect(report.target).toBe(stack === "dev" ? "docker" : "loopback");
    expect(report.backups.map((b) => b.release).sort()).toEqual(["2026.11.3", "2026.11.4"]);
    expect(report.targets).toEqual({
      restoredToRecordedDigest: true,
      tamperedRefused: true,
      noSecrets: true,
    });
    const exits = Object.fromEntries(report.cases.map((c) => [c.id, c.exits[0]]));
    expect(exits).toEqual({
      "env-value-changed": 0,
      "file-entry-deleted": 0,
      "release-deleted": 0,
      "already-equal": 0,
      "dry-run": 0,
      "tampered-backup": 1,
      "edited-backup": 1,
    });
    for (const id of ["env-value-changed", "file-entry-deleted", "release-deleted"]) {
      expect(report.cases.find((c) => c.id === id)?.digestAfter).toBe(report.recorded);
    }
    // Refused and dry-run cases leave the deleted release deleted.
    expect(report.cases.find((c) => c.id === "tampered-backup")?.digestAfter).toBeUndefined();
    expect(configDrillText(report)).toMatch(/restore p50 \/ max/);
    expect(started.folders.filter((folder) => fs.existsSync(folder))).toEqual([]);
  },
);

test("an azure stack is refused with the stacks to use", async () => {
  await expect(runConfigDrill({ stack: "prod", rounds: 1 })).rejects.toThrow(DrillOptionError);
  await expect(runConfigDrill({ stack: "prod", rounds: 1 })).rejects.toThrow(/--stack dev/);
});
