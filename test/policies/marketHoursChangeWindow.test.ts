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
import type { DeployedState } from "../../domain/deployed";
import { packRules } from "../../policies/rules";
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

/** The policy with prod's calendar set as the pack's rules set it (none: no sessions). */
function policyAt(at: Date, calendar?: MarketCalendar | null) {
  return marketHoursChangeWindow({
    now: () => at,
    marketCalendars: calendar === null ? {} : { prod: calendar ?? NYSE_REGULAR },
  });
}

async function judge(at: Date, options: RecordOptions, calendar?: MarketCalendar | null) {
  const record = changeRecord(options);
  return messagesOf(policyAt(at, calendar), [...colors(dockerService, "green"), record]);
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
      const violations = await violationsOf(policy, [changeRecord(FLIP)]);
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

  describe("changes judged by content, not by key", () => {
    const FACTS: Partial<DeployedState> = {
      bots: { blue: "sha256:b1", green: "sha256:g1" },
      databaseSettings: {
        sku: "Standard_D4ds_v5",
        backupRetentionDays: 35,
        geoRedundantBackup: true,
      },
      proxyImage: "nginx:1.27.2",
      healthGate: { enabled: true, timeoutSeconds: 300 },
      rulesDigest: packRules().digest,
    };
    const deployed = { ...DEPLOYED, ...FACTS };
    const judgeFacts = (desired: Partial<DeployedState>) =>
      judge(IN_SESSION, { deployed, desired: { ...FACTS, ...desired } });

    test("pass: the same facts", async () => {
      expect(await judgeFacts({})).toEqual([]);
    });

    test("deny: a bot that changes under the same pin", async () => {
      const [message] = await judgeFacts({ bots: { blue: "sha256:b1", green: "sha256:g2" } });
      expect(message).toContain("a planned change to the green bot during a trading session");
    });

    test("deny: a database sku downgrade, naming old and new", async () => {
      const databaseSettings = { ...FACTS.databaseSettings, sku: "Standard_B1ms" };
      const [message] = await judgeFacts({ databaseSettings });
      expect(message).toContain("the database sku (Standard_D4ds_v5 -> Standard_B1ms)");
    });

    test("deny: a cut of the backup retention", async () => {
      const databaseSettings = { ...FACTS.databaseSettings, backupRetentionDays: 7 };
      const [message] = await judgeFacts({ databaseSettings });
      expect(message).toContain("the database backupRetentionDays (35 -> 7)");
    });

    test("deny: a new proxy image", async () => {
      const [message] = await judgeFacts({ proxyImage: "nginx:1.27.3" });
      expect(message).toContain("the proxy image (nginx:1.27.2 -> nginx:1.27.3)");
    });

    test("deny: a health gate change", async () => {
      const [message] = await judgeFacts({ healthGate: { enabled: false, timeoutSeconds: 300 } });
      expect(message).toContain("the health gate");
    });

    test("deny: rules that differ from those the stack was deployed under", async () => {
      const [message] = await judge(IN_SESSION, {
        deployed: { ...deployed, rulesDigest: "sha256:older-rules" },
        desired: FACTS,
      });
      expect(message).toContain("the policy pack's rules (policies/config.json)");
    });

    test("pass: a deployed state from before these facts reads and compares what it has", async () => {
      expect(await judge(IN_SESSION, { deployed: DEPLOYED, desired: FACTS })).toEqual([]);
      expect(
        await judge(IN_SESSION, { deployed: DEPLOYED, desired: { ...FACTS, ...FLIP.desired } }),
      ).toHaveLength(1);
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
    test("pass: no calendar for the environment never blocks", async () => {
      expect(await judge(IN_SESSION, FLIP, null)).toEqual([]);
    });

    test("the calendar is the pack's for the stack's environment: dev has none, prod has NYSE", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      expect(await messagesOf(policy, [changeRecord({ ...FLIP, stack: "dev" })])).toEqual([]);
      expect(await messagesOf(policy, [changeRecord({ ...FLIP, stack: "prod" })])).toHaveLength(1);
    });

    test("the environment the program reports does not choose the calendar", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      const record = changeRecord({ ...FLIP, stack: "prod", environment: "dev" });
      expect(await messagesOf(policy, [record])).toHaveLength(1);
    });

    test("a stack the map does not name is judged as prod", async () => {
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      expect(await messagesOf(policy, [changeRecord({ ...FLIP, stack: "perf" })])).toHaveLength(1);
    });

    test("a calendar object in the rules, with the rules' freeze windows added", async () => {
      const policy = marketHoursChangeWindow({
        now: () => new Date("2026-11-28T14:00:00Z"),
        marketCalendars: { prod: CRYPTO_PEAK_WINDOWS_EXAMPLE },
      });
      expect(await messagesOf(policy, [changeRecord(FLIP)])).toHaveLength(1);
      const frozen = marketHoursChangeWindow({
        now: () => new Date("2026-11-28T18:00:00Z"),
        freezeWindows: [
          { start: "2026-11-28T00:00:00Z", end: "2026-11-29T00:00:00Z", reason: "audit" },
        ],
      });
      const repin = { desired: { releases: { blue: "2026.12.1", green: "2026.11.4" } } };
      const [message] = await messagesOf(frozen, [changeRecord(repin)]);
      expect(message).toContain('freeze window "audit"');
    });

    test("a calendar name the rules do not know is an error naming the setting", async () => {
      const policy = marketHoursChangeWindow({
        now: () => IN_SESSION,
        marketCalendars: { prod: "lse" },
      });
      await expect(messagesOf(policy, [changeRecord(FLIP)])).rejects.toThrow(
        'policies/config.json: market-hours-change-window.marketCalendars.prod: "lse" names no calendar',
      );
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
      const record = changeRecord({ desired: DEPLOYED });
      const policy = marketHoursChangeWindow({ now: () => IN_SESSION });
      expect(await messagesOf(policy, [record])).toEqual([]);
    });
  });
});
