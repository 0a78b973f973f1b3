/**
 * What a restore promised, as the program exports it: the restore step's JSON line parsed into
 * `restoreVerification`, null without a declared restore, and "not verifiable" on Azure, whose
 * point-in-time restore has no manifest. The step itself runs on real PostgreSQL in
 * docker-scripts.test.ts and loopback-provider.test.ts.
 */
import {
  parseRestoreVerification,
  restoreVerificationOf,
  type RestoreVerification,
} from "../domain/restoreManifest";
import { planOf, stackSource } from "./support/stacks";

const COMPARED: RestoreVerification = {
  snapshot: "pre-switch-20261124T100000Z.dump",
  ok: true,
  tables: [
    {
      table: 'public."order book"',
      expectedRows: 3,
      rows: 3,
      expectedChecksum: "-9223372036854775809123",
      checksum: "-9223372036854775809123",
      ok: true,
    },
  ],
  detail:
    "1 table matches the manifest of pre-switch-20261124T100000Z.dump (row counts and checksums)",
};

describe("the restore step's verification line", () => {
  test("is the last restoreVerification line of the step's output", () => {
    const older = { ...COMPARED, ok: false, detail: "an earlier run" };
    const stdout = [
      "restored /backups/2026.11.3/pre-switch-20261124T100000Z.dump into aitb_restore",
      JSON.stringify({ restoreVerification: older }),
      JSON.stringify({ restoreVerification: COMPARED }),
      "",
    ].join("\n");
    expect(parseRestoreVerification(stdout)).toEqual(COMPARED);
  });

  test("is null when the output has none, or only a malformed one", () => {
    expect(parseRestoreVerification(undefined)).toBeNull();
    expect(parseRestoreVerification("restored x into y\n")).toBeNull();
    expect(parseRestoreVerification('{"restoreVerification": {"ok": tru')).toBeNull();
    const badTable = { ...COMPARED, tables: [{ ...COMPARED.tables[0], rows: "3" }] };
    expect(parseRestoreVerification(JSON.stringify({ restoreVerification: badTable }))).toBeNull();
  });

  test("not verifiable says so with ok null and no tables", () => {
    const unverifiable = { snapshot: null, ok: null, tables: [], detail: "no manifest" };
    expect(restoreVerificationOf(unverifiable)).toEqual(unverifiable);
    expect(restoreVerificationOf(JSON.stringify(unverifiable))).toEqual(unverifiable);
    expect(restoreVerificationOf({ ...unverifiable, tables: COMPARED.tables })).toBeUndefined();
    expect(restoreVerificationOf({ ...COMPARED, ok: "yes" })).toBeUndefined();
  });
});

describe("the restoreVerification output", () => {
  const reason = { reason: "Orders lost by 2026.11.4", incident: "INC-4412" };

  test("is null when no restore is declared", async () => {
    expect((await planOf("dev")).outputs.restoreVerification).toBeNull();
    expect((await planOf("prod")).outputs.restoreVerification).toBeNull();
  });

  test("is null on Docker until the restore step has printed its line", async () => {
    const database = stackSource("dev").values.database as Record<string, unknown>;
    const plan = await planOf("dev", {
      database: { ...database, restore: { fromRelease: "2026.11.3", color: "green", ...reason } },
    });
    expect(plan.outputs.databases).toMatchObject({ restored: expect.any(String) });
    expect(plan.outputs.restoreVerification).toBeNull();
  });

  test("says a restore on Azure cannot be verified, and why", async () => {
    const database = stackSource("prod").values.database as Record<string, unknown>;
    const plan = await planOf("prod", {
      database: {
        ...database,
        restore: { pointInTime: "2026-11-25T14:00:00Z", color: "blue", ...reason },
      },
    });
    expect(plan.outputs.restoreVerification).toEqual({
      snapshot: null,
      ok: null,
      tables: [],
      detail:
        "not verifiable on the azure target: its restore is a point-in-time restore of the server, with no manifest of row counts and checksums to compare with",
    });
  });
});
