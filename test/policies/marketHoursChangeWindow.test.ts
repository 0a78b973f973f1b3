import {
  CRYPTO_PEAK_WINDOWS_EXAMPLE,
  NYSE_REGULAR,
  type MarketCalendar,
} from "../../domain/calendar";
import {
  MARKET_HOURS_CHANGE_WINDOW,
  marketHoursChangeWindow,
} from "../../policies/marketHoursChangeWindow";
import { RECORD_ENV } from "../../policies/changeRecord";
import { RECORD_ENV as PROGRAM_RECORD_ENV } from "../../components/ChangeRecord";
import {
  changeRecord,
  colors,
  DEPLOYED,
  dockerService,
  messagesOf,
  violationsOf,
  type RecordOptions,
} from "./fixtures";

/** Wednesday 2026-11-25, 15:00 in New York: the NYSE is in session. */
const IN_SESSION = new Date("2026-11-25T20:00:00Z");
/** The same Wednesday at 17:00 New York: after the close. */
const AFTER_CLOSE = new Date("2026-11-25T22:00:00Z");
/** Saturday 2026-11-28, 10:00 New York. */
const WEEKEND = new Date("2026-11-28T15:00:00Z");

const FLIP = { desired: { activeColor: "blue" as const } };

async function judge(at: Date, options: RecordOptions, calendar?: MarketCalendar | null) {
  const policy = marketHoursChangeWindow({ now: () => at });
  const record = changeRecord({
    calendar: calendar === undefined ? NYSE_REGULAR : calendar,
    ...options,
  });
  return messagesOf(policy, [...colors(dockerService, "green"), record]);
}

describe("market-hours-change-window", () => {
  test("the record keys match what the program writes", () => {
    expect(RECORD_ENV).toEqual(PROGRAM_RECORD_ENV);
  });

  describe("planned changes", () => {
    test("pass: a color flip after the close", async () => {
      expect(await judge(AFTER_CLOSE, FLIP)).toEqual([]);
    });

    test("pass: a color flip at the weekend", async () => {
      expect(await judge(WEEKEND, FLIP)).toEqual([]);
    });

    test("pass: a color flip on a holiday (Thanksgiving 2026)", async () => {
      expect(await judge(new Date("2026-11-26T16:00:00Z"), FLIP)).toEqual([]);
    });

    test("pass: a holiday computed by the NYSE rules (Thanksgiving 2028), through the record", async () => {
      expect(await judge(new Date("2028-11-23T16:00:00Z"), FLIP)).toEqual([]);
      expect(await judge(new Date("2028-11-22T16:00:00Z"), FLIP)).toHaveLength(1);
    });

    test("deny: a color flip inside the session, naming the change and what to do", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      const violations = await violationsOf(policy, [
        changeRecord({ calendar: NYSE_REGULAR, ...FLIP }),
      ]);
      expect(violations).toHaveLength(1);
      expect(violations[0]).toMatchObject({
        policy: MARKET_HOURS_CHANGE_WINDOW,
        level: "mandatory",
        urn: expect.stringContaining("aitb-change-entry"),
      });
      expect(violations[0].message).toContain("a planned change to routing (green -> blue)");
      expect(violations[0].message).toContain("schedule it after the close");
      expect(violations[0].message).toContain("aitb:change.class");
    });

    test("deny: a release re-pin inside the session", async () => {
      const [message] = await judge(IN_SESSION, {
        desired: { releases: { blue: "2026.11.5", green: "2026.11.4" } },
      });
      expect(message).toContain("the blue pin (2026.11.3 -> 2026.11.5)");
    });

    test("deny: a database change (a declared restore) inside the session", async () => {
      const [message] = await judge(IN_SESSION, {
        desired: { restore: "blue:aitb-prod-pg-restore" },
      });
      expect(message).toContain("the database");
    });

    test("deny: a new stack inside the session", async () => {
      const [message] = await judge(IN_SESSION, { deployed: null });
      expect(message).toContain("a new stack");
    });

    test("deny: the session after the spring-forward change (09:45 EDT, 2026-03-09)", async () => {
      expect(await judge(new Date("2026-03-09T13:45:00Z"), FLIP)).toHaveLength(1);
    });

    test("pass: the same UTC time before the change is 08:45 EST, before the open", async () => {
      expect(await judge(new Date("2026-03-06T13:45:00Z"), FLIP)).toEqual([]);
    });

    test("pass: after an early close (Christmas Eve 2026, 14:00 New York)", async () => {
      expect(await judge(new Date("2026-12-24T19:00:00Z"), FLIP)).toEqual([]);
    });
  });

  describe("updates that change no routing, pin or database", () => {
    test("pass: inside the session, whatever else changes", async () => {
      expect(
        await judge(IN_SESSION, { change: { reason: "Raise the notifier's memory" } }),
      ).toEqual([]);
    });
  });

  describe("immediate and emergency changes during a session", () => {
    test("pass: an immediate flip with a reason and an incident", async () => {
      const options = { ...FLIP, change: { class: "immediate" as const, incident: "INC-77" } };
      expect(await judge(IN_SESSION, options)).toEqual([]);
    });

    test("deny: an immediate flip without an incident", async () => {
      const options = { ...FLIP, change: { class: "immediate" as const, incident: undefined } };
      const [message] = await judge(IN_SESSION, options);
      expect(message).toContain("an immediate change to routing");
      expect(message).toContain("aitb:change.incident");
    });

    test("pass: an emergency flip with an incident and an expiry still ahead", async () => {
      const change = { class: "emergency" as const, expires: "2026-11-25T21:00:00Z" };
      expect(await judge(IN_SESSION, { ...FLIP, change })).toEqual([]);
    });

    test("deny: an emergency flip without an expiry", async () => {
      const [message] = await judge(IN_SESSION, { ...FLIP, change: { class: "emergency" } });
      expect(message).toContain("aitb:change.expires");
    });

    test("deny: an emergency flip whose expiry has passed", async () => {
      const change = { class: "emergency" as const, expires: "2026-11-25T19:59:00Z" };
      const [message] = await judge(IN_SESSION, { ...FLIP, change });
      expect(message).toContain("2026-11-25T19:59:00Z has passed");
    });
  });

  describe("freeze windows", () => {
    const frozen: MarketCalendar = {
      ...NYSE_REGULAR,
      freezeWindows: [
        {
          start: "2026-12-28T00:00:00-05:00",
          end: "2027-01-04T00:00:00-05:00",
          reason: "year-end freeze",
        },
      ],
    };
    /** Tuesday 2026-12-29, 18:00 New York: after the close, inside the freeze. */
    const IN_FREEZE = new Date("2026-12-29T23:00:00Z");

    test("pass: a rollback to a release that was live before", async () => {
      const options = { desired: { releases: { blue: "2026.11.2", green: "2026.11.4" } } };
      expect(await judge(IN_FREEZE, options, frozen)).toEqual([]);
    });

    test("deny: a forward deploy of a new release", async () => {
      const options = { desired: { releases: { blue: "2026.12.1", green: "2026.11.4" } } };
      const [message] = await judge(IN_FREEZE, options, frozen);
      expect(message).toContain('freeze window "year-end freeze"');
      expect(message).toContain("known-good release");
    });

    test("pass: the same forward deploy once the freeze has ended", async () => {
      const options = { desired: { releases: { blue: "2026.12.1", green: "2026.11.4" } } };
      expect(await judge(new Date("2027-01-04T23:00:00Z"), options, frozen)).toEqual([]);
    });
  });

  describe("calendars", () => {
    test("pass: no calendar (dev) never blocks", async () => {
      expect(await judge(IN_SESSION, FLIP, null)).toEqual([]);
    });

    test("deny: a crypto venue's peak window (14:00 UTC)", async () => {
      const at = new Date("2026-11-28T14:00:00Z");
      expect(await judge(at, FLIP, CRYPTO_PEAK_WINDOWS_EXAMPLE)).toHaveLength(1);
    });

    test("pass: a crypto venue between its peak windows (18:00 UTC)", async () => {
      const at = new Date("2026-11-28T18:00:00Z");
      expect(await judge(at, FLIP, CRYPTO_PEAK_WINDOWS_EXAMPLE)).toEqual([]);
    });
  });

  describe("the record itself", () => {
    test("deny: no change record", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      const [message] = await messagesOf(policy, colors(dockerService));
      expect(message).toContain("no change record is declared");
    });

    test("deny: an unreadable record names the broken key", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      const record = changeRecord();
      (record.inputs.environment as Record<string, string>).AITB_DESIRED = "{not json";
      const [message] = await messagesOf(policy, [record]);
      expect(message).toContain("AITB_DESIRED is not JSON");
    });

    test("pass: the deployed state equals the desired one", async () => {
      const record = changeRecord({ calendar: NYSE_REGULAR, desired: DEPLOYED });
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      expect(await messagesOf(policy, [record])).toEqual([]);
    });
  });
});
