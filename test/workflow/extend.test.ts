import * as fs from "node:fs";
import { requestOf, runExtend, runRollback } from "../../cli/commands/rollback";
import { emergencyExpiryAdvice } from "../../cli/commands/notice/emergencyAdvice";
import { InputError } from "../../cli/exitCodes";
import { captureIo, configOf, removeProject, stackFile, tempProject } from "./support";

/** Wednesday 10:00 in New York: the NYSE regular session is open until 16:00 (21:00Z). */
const IN_SESSION = new Date("2026-11-25T15:00:00Z");
const later = (minutes: number) => new Date(IN_SESSION.getTime() + minutes * 60_000);

let dir: string;
beforeEach(() => {
  dir = tempProject();
});
afterEach(() => removeProject(dir));

async function emergencyOnProd(expires: string): Promise<void> {
  const io = captureIo(dir, () => IN_SESSION);
  const code = await runRollback(
    {
      stack: "prod",
      class: "emergency",
      trigger: "complete-system-failure",
      reason: "Green fails every order",
      incident: "INC-5501",
      requestedBy: "alice",
      expires,
      now: IN_SESSION,
    },
    io,
  );
  expect(io.stderr()).toBe("");
  expect(code).toBe(0);
}

async function extend(minutesLater: number, duration: string) {
  const at = later(minutesLater);
  const io = captureIo(dir, () => at);
  const code = await runExtend(
    { stack: "prod", extend: duration, requestedBy: "bob", now: at },
    io,
  );
  return { code, io };
}

function recordOf(): Record<string, unknown> {
  return configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"))["aitb:change"] as Record<
    string,
    unknown
  >;
}

describe("aitb rollback --extend renews an emergency", () => {
  test("in session: a new record with the same class, reason, incident and trigger, a new expiry and requester", async () => {
    await emergencyOnProd("1h");
    const before = fs.readFileSync(stackFile(dir, "prod"), "utf8");
    const { code, io } = await extend(45, "2h");
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(recordOf()).toEqual({
      class: "emergency",
      reason: "Green fails every order",
      incident: "INC-5501",
      requestedBy: "bob",
      at: "2026-11-25T15:45:00Z",
      expires: "2026-11-25T17:45:00Z",
      trigger: "complete-system-failure",
    });
    const out = io.stdout();
    expect(out).toContain("emergency renewed: expires 2026-11-25T16:00:00Z → 2026-11-25T17:45:00Z");
    expect(out).toContain("Policies: no violations");
    // Only the record changes: routing, pins and the history stay.
    const after = configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"));
    const old = configOf(before);
    for (const key of Object.keys(old).filter((key) => key !== "aitb:change")) {
      expect([key, after[key]]).toEqual([key, old[key]]);
    }
  });

  test("an emergency that has expired is renewed the same way", async () => {
    await emergencyOnProd("30m");
    const { code, io } = await extend(40, "1h");
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(recordOf()).toMatchObject({
      at: "2026-11-25T15:40:00Z",
      expires: "2026-11-25T16:40:00Z",
    });
  });

  test("longer than the pack allows an emergency is denied by fresh-change-record, nothing written", async () => {
    await emergencyOnProd("1h");
    const before = fs.readFileSync(stackFile(dir, "prod"), "utf8");
    const { code, io } = await extend(10, "9h");
    expect(code).toBe(1);
    expect(io.stderr()).toContain("fresh-change-record");
    expect(io.stderr()).toContain("more than 8 h after aitb:change.at");
    expect(fs.readFileSync(stackFile(dir, "prod"), "utf8")).toBe(before);
  });

  test("a current change that is not an emergency is refused with exit 2, naming the flag and the fix", async () => {
    const before = fs.readFileSync(stackFile(dir, "prod"), "utf8");
    const { code, io } = await extend(0, "2h");
    expect(code).toBe(2);
    expect(io.stderr()).toContain(
      '--extend: the current change (aitb:change.class) is "planned", not an emergency',
    );
    expect(io.stderr()).toContain(
      "Write a new change instead, e.g. aitb rollback --stack prod --class planned",
    );
    expect(fs.readFileSync(stackFile(dir, "prod"), "utf8")).toBe(before);
  });

  test("takes no option of a new change; a rollback without --extend requires its class, reason and incident", () => {
    const issues = (run: () => unknown): string[] => {
      try {
        run();
      } catch (error) {
        if (error instanceof InputError) return error.issues.map((i) => `${i.key}: ${i.message}`);
        throw error;
      }
      throw new Error("expected an InputError");
    };
    expect(
      issues(() => requestOf({ stack: "prod", extend: "2h", class: "emergency", to: "blue" })),
    ).toEqual([
      "--extend: renews the current emergency as it is (its class, reason, incident and trigger stay) and takes no --class, --to; drop them, or write a new change without --extend",
    ]);
    expect(issues(() => requestOf({ stack: "prod", reason: "x" }))).toEqual([
      "--class: required for a rollback (or --extend <duration> to renew the current emergency)",
      "--incident: required for a rollback (or --extend <duration> to renew the current emergency)",
    ]);
    expect(requestOf({ stack: "prod", extend: "2h", requestedBy: "bob" })).toEqual({
      extend: { stack: "prod", extend: "2h", requestedBy: "bob" },
    });
  });
});

describe("the advice for an emergency nearing its expiry is what the tool allows then", () => {
  test("expiring during a session: renew it with --extend (a planned change is denied until the close)", () => {
    const advice = emergencyExpiryAdvice({
      stack: "prod",
      expires: "2026-11-25T17:00:00Z",
      now: IN_SESSION,
    });
    expect(advice).toContain("during a trading session (closes 2026-11-25T21:00:00Z)");
    expect(advice).toContain("renew it before then with aitb rollback --stack prod --extend 2h");
    expect(advice).not.toContain("replace it with a planned change");
  });

  test("expiring after the close of the open session: a planned change after the close, or a renewal", () => {
    const advice = emergencyExpiryAdvice({
      stack: "prod",
      expires: "2026-11-25T22:30:00Z",
      now: later(300),
      config: "Pulumi.prod.yaml",
    });
    expect(advice).toBe(
      "The emergency change expires at 2026-11-25T22:30:00Z; replace it with a planned change after the close (2026-11-25T21:00:00Z) and before then, or renew it with aitb rollback --stack prod --extend 2h --config Pulumi.prod.yaml",
    );
  });

  test("outside sessions, and on a stack without a market calendar: replace it with a planned change", () => {
    const weekend = new Date("2026-11-28T15:00:00Z");
    const expected =
      "The emergency change expires at 2026-11-28T17:00:00Z; replace it with a planned change before then";
    expect(
      emergencyExpiryAdvice({ stack: "prod", expires: "2026-11-28T17:00:00Z", now: weekend }),
    ).toBe(expected);
    expect(
      emergencyExpiryAdvice({ stack: "dev", expires: "2026-11-28T17:00:00Z", now: IN_SESSION }),
    ).toBe(expected);
  });
});
