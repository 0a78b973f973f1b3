import fc from "fast-check";
import { DateTime } from "luxon";
import {
  CRYPTO_PEAK_WINDOWS_EXAMPLE,
  MarketCalendar,
  NYSE_REGULAR_2026_2027,
  describeCalendar,
  freezeAt,
  marketCalendarSchema,
  nextSessionOpen,
  parseMarketCalendar,
  sessionAt,
} from "../domain/calendar";

const NEW_YORK = "America/New_York";
const MINUTE_MS = 60_000;

function at(iso: string): Date {
  return new Date(iso);
}

function plusMinutes(iso: string, minutes: number): Date {
  return new Date(Date.parse(iso) + minutes * MINUTE_MS);
}

function newYorkLocal(date: string, time: string): Date {
  return DateTime.fromISO(`${date}T${time}`, { zone: NEW_YORK }).toJSDate();
}

/** Issues of a failed parse as "path: message" lines. */
function issuesOf(input: unknown): string[] {
  const result = marketCalendarSchema.safeParse(input);
  if (result.success) {
    return [];
  }
  return result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

function withChanges(changes: Partial<MarketCalendar>): MarketCalendar {
  return { ...NYSE_REGULAR_2026_2027, ...changes };
}

// --- NYSE holiday rules (NYSE Rule 7.2), computed independently of the calendar's table ---------

function nthWeekdayOfMonth(year: number, month: number, weekday: number, nth: number): string {
  const first = DateTime.fromObject({ year, month, day: 1 });
  const firstMatch = first.plus({ days: (weekday - first.weekday + 7) % 7 });
  return firstMatch.plus({ weeks: nth - 1 }).toISODate() ?? "";
}

function lastWeekdayOfMonth(year: number, month: number, weekday: number): string {
  const last = DateTime.fromObject({ year, month, day: 1 }).endOf("month").startOf("day");
  return last.minus({ days: (last.weekday - weekday + 7) % 7 }).toISODate() ?? "";
}

/** Anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
function easterSunday(year: number): DateTime {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return DateTime.fromObject({ year, month, day });
}

/** Saturday holidays move to Friday, Sunday holidays to Monday. */
function observed(year: number, month: number, day: number): string {
  const date = DateTime.fromObject({ year, month, day });
  const shift = date.weekday === 6 ? -1 : date.weekday === 7 ? 1 : 0;
  return date.plus({ days: shift }).toISODate() ?? "";
}

const MONDAY = 1;
const THURSDAY = 4;

function nyseHolidaysByRule(year: number): string[] {
  return [
    observed(year, 1, 1),
    nthWeekdayOfMonth(year, 1, MONDAY, 3),
    nthWeekdayOfMonth(year, 2, MONDAY, 3),
    easterSunday(year).minus({ days: 2 }).toISODate() ?? "",
    lastWeekdayOfMonth(year, 5, MONDAY),
    observed(year, 6, 19),
    observed(year, 7, 4),
    nthWeekdayOfMonth(year, 9, MONDAY, 1),
    nthWeekdayOfMonth(year, 11, THURSDAY, 4),
    observed(year, 12, 25),
  ];
}

function isRegularTradingDay(date: string, holidays: string[]): boolean {
  return DateTime.fromISO(date).weekday <= 5 && !holidays.includes(date);
}

function nyseEarlyClosesByRule(year: number): string[] {
  const holidays = nyseHolidaysByRule(year);
  const thanksgiving = DateTime.fromISO(nthWeekdayOfMonth(year, 11, THURSDAY, 4));
  const dayBeforeIndependenceDay = DateTime.fromObject({ year, month: 7, day: 3 }).toISODate();
  const dayAfterThanksgiving = thanksgiving.plus({ days: 1 }).toISODate();
  const christmasEve = DateTime.fromObject({ year, month: 12, day: 24 }).toISODate();
  return [dayBeforeIndependenceDay, dayAfterThanksgiving, christmasEve]
    .filter((date): date is string => date !== null)
    .filter((date) => isRegularTradingDay(date, holidays));
}

// -----------------------------------------------------------------------------------------------

describe("NYSE regular session across New York daylight-saving changes", () => {
  // The UTC instants are written out by hand: EST is UTC-5, EDT is UTC-4.
  const days = [
    {
      change: "2026-03-08",
      day: "Fri 2026-03-06 EST",
      opens: "2026-03-06T14:30:00Z",
      closes: "2026-03-06T21:00:00Z",
    },
    {
      change: "2026-03-08",
      day: "Mon 2026-03-09 EDT",
      opens: "2026-03-09T13:30:00Z",
      closes: "2026-03-09T20:00:00Z",
    },
    {
      change: "2026-11-01",
      day: "Fri 2026-10-30 EDT",
      opens: "2026-10-30T13:30:00Z",
      closes: "2026-10-30T20:00:00Z",
    },
    {
      change: "2026-11-01",
      day: "Mon 2026-11-02 EST",
      opens: "2026-11-02T14:30:00Z",
      closes: "2026-11-02T21:00:00Z",
    },
    {
      change: "2027-03-14",
      day: "Fri 2027-03-12 EST",
      opens: "2027-03-12T14:30:00Z",
      closes: "2027-03-12T21:00:00Z",
    },
    {
      change: "2027-03-14",
      day: "Mon 2027-03-15 EDT",
      opens: "2027-03-15T13:30:00Z",
      closes: "2027-03-15T20:00:00Z",
    },
    {
      change: "2027-11-07",
      day: "Fri 2027-11-05 EDT",
      opens: "2027-11-05T13:30:00Z",
      closes: "2027-11-05T20:00:00Z",
    },
    {
      change: "2027-11-07",
      day: "Mon 2027-11-08 EST",
      opens: "2027-11-08T14:30:00Z",
      closes: "2027-11-08T21:00:00Z",
    },
  ];

  test.each(days)(
    "$day (change $change): 09:29 closed, 09:31 open, 15:59 open, 16:01 closed",
    ({ opens, closes }) => {
      const before = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(opens, -1));
      const afterOpen = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(opens, 1));
      const beforeClose = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(closes, -1));
      const after = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(closes, 1));

      expect(before).toEqual({
        open: false,
        reason: "before the open (09:30 America/New_York)",
        opensAt: at(opens),
      });
      expect(afterOpen).toEqual({
        open: true,
        reason: "NYSE regular session open 09:30-16:00 America/New_York",
        opensAt: at(opens),
        closesAt: at(closes),
      });
      expect(beforeClose.open).toBe(true);
      expect(beforeClose.closesAt).toEqual(at(closes));
      expect(after.open).toBe(false);
      expect(after.reason).toBe("after the close (16:00 America/New_York)");
    },
  );

  test.each(["2026-03-08", "2026-11-01", "2027-03-14", "2027-11-07"])(
    "the Sunday of the change (%s) is closed and the next open is Monday 09:30 in the new offset",
    (sunday) => {
      const state = sessionAt(NYSE_REGULAR_2026_2027, newYorkLocal(sunday, "12:00"));
      const monday = days.find((entry) => entry.change === sunday && entry.day.startsWith("Mon"));

      expect(state.open).toBe(false);
      expect(state.reason).toBe("weekend");
      expect(state.opensAt).toEqual(at(monday?.opens ?? "missing"));
    },
  );
});

describe("NYSE holidays and early closes of 2026 and 2027", () => {
  const holidayDates = NYSE_REGULAR_2026_2027.holidays.map((holiday) => holiday.date);
  const earlyCloseDates = NYSE_REGULAR_2026_2027.earlyCloses.map((earlyClose) => earlyClose.date);

  test("the holiday table matches the NYSE rules computed from scratch", () => {
    expect(holidayDates).toEqual([...nyseHolidaysByRule(2026), ...nyseHolidaysByRule(2027)]);
    expect(holidayDates).toContain("2026-07-03"); // July 4 2026 is a Saturday
    expect(holidayDates).toContain("2027-07-05"); // July 4 2027 is a Sunday
    expect(holidayDates).toContain("2027-12-24"); // Christmas 2027 is a Saturday
    expect(holidayDates.map((date) => DateTime.fromISO(date).weekday <= 5)).not.toContain(false);
  });

  test("the early-close table matches the NYSE rules computed from scratch", () => {
    expect(earlyCloseDates).toEqual([
      ...nyseEarlyClosesByRule(2026),
      ...nyseEarlyClosesByRule(2027),
    ]);
    expect(earlyCloseDates).toEqual(["2026-11-27", "2026-12-24", "2027-11-26"]);
  });

  test.each(NYSE_REGULAR_2026_2027.holidays)(
    "$date $name is closed at 12:00 local",
    ({ date, name }) => {
      const noon = newYorkLocal(date, "12:00");
      const state = sessionAt(NYSE_REGULAR_2026_2027, noon);

      expect(state.open).toBe(false);
      expect(state.reason).toBe(`holiday: ${name}`);
      expect(state.closesAt).toBeUndefined();
      expect(
        DateTime.fromJSDate(state.opensAt ?? noon, { zone: NEW_YORK }).toISODate()! > date,
      ).toBe(true);
    },
  );

  test.each([
    { date: "2026-11-27", name: "the day after Thanksgiving", cutoff: "2026-11-27T18:00:00Z" },
    { date: "2026-12-24", name: "Christmas Eve", cutoff: "2026-12-24T18:00:00Z" },
    { date: "2027-11-26", name: "the day after Thanksgiving", cutoff: "2027-11-26T18:00:00Z" },
  ])("$date ($name) is open at 12:59 and closed at 13:01", ({ name, cutoff }) => {
    const beforeCutoff = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(cutoff, -1));
    const afterCutoff = sessionAt(NYSE_REGULAR_2026_2027, plusMinutes(cutoff, 1));

    expect(beforeCutoff.open).toBe(true);
    expect(beforeCutoff.reason).toBe(
      `NYSE regular session open 09:30-13:00 America/New_York (early close: ${name})`,
    );
    expect(beforeCutoff.closesAt).toEqual(at(cutoff));
    expect(afterCutoff.open).toBe(false);
    expect(afterCutoff.reason).toBe(`after the early close (13:00) of ${name}`);
  });

  test.each(["2026-07-02", "2027-07-02", "2027-12-23"])(
    "%s trades a full day (no early close)",
    (date) => {
      expect(sessionAt(NYSE_REGULAR_2026_2027, newYorkLocal(date, "15:59")).open).toBe(true);
      expect(sessionAt(NYSE_REGULAR_2026_2027, newYorkLocal(date, "16:00")).open).toBe(false);
    },
  );

  test("2027-12-31 trades: New Year's Day 2028 falls on a Saturday and is not observed", () => {
    expect(sessionAt(NYSE_REGULAR_2026_2027, at("2027-12-31T17:00:00Z")).open).toBe(true);
  });
});

describe("closed states", () => {
  test("a weekend is closed and points at Monday's open", () => {
    const saturdayNoon = at("2026-06-13T16:00:00Z");
    expect(sessionAt(NYSE_REGULAR_2026_2027, saturdayNoon)).toEqual({
      open: false,
      reason: "weekend",
      opensAt: at("2026-06-15T13:30:00Z"),
    });
  });

  test("a Friday evening is after the close, a Monday morning before the open", () => {
    expect(sessionAt(NYSE_REGULAR_2026_2027, at("2026-06-12T22:00:00Z")).reason).toBe(
      "after the close (16:00 America/New_York)",
    );
    expect(sessionAt(NYSE_REGULAR_2026_2027, at("2026-06-15T12:00:00Z")).reason).toBe(
      "before the open (09:30 America/New_York)",
    );
  });

  test("a weekday without sessions is named as such", () => {
    const noWednesday = withChanges({ sessions: { mon: [{ open: "09:30", close: "16:00" }] } });
    expect(sessionAt(noWednesday, at("2026-06-17T16:00:00Z")).reason).toBe("no session on wed");
  });

  test("the next open skips a long weekend and a holiday", () => {
    // Thanksgiving 2026 (Thu) closed, Fri half day: from Thursday noon the next open is Friday 09:30 EST.
    expect(nextSessionOpen(NYSE_REGULAR_2026_2027, at("2026-11-26T17:00:00Z"))).toEqual(
      at("2026-11-27T14:30:00Z"),
    );
    // Good Friday 2027 (Mar 26): from Thursday's close the next open is Monday 09:30 EDT.
    expect(nextSessionOpen(NYSE_REGULAR_2026_2027, at("2027-03-25T20:00:00Z"))).toEqual(
      at("2027-03-29T13:30:00Z"),
    );
  });

  test("the next open is undefined when nothing opens within 14 days", () => {
    const neverOpen = withChanges({ sessions: {} });
    const openIn15Days = withChanges({
      holidays: Array.from({ length: 15 }, (_, index) => ({
        date: DateTime.fromISO("2026-06-01").plus({ days: index }).toISODate() ?? "",
        name: "closed for two weeks",
      })),
    });
    expect(nextSessionOpen(neverOpen, at("2026-06-01T12:00:00Z"))).toBeUndefined();
    expect(sessionAt(neverOpen, at("2026-06-01T16:00:00Z")).opensAt).toBeUndefined();
    expect(nextSessionOpen(openIn15Days, at("2026-05-31T12:00:00Z"))).toBeUndefined();
    expect(nextSessionOpen(openIn15Days, at("2026-06-02T16:00:00Z"))).toEqual(
      at("2026-06-16T13:30:00Z"),
    );
  });
});

describe("freeze windows", () => {
  const yearEnd = {
    start: "2026-12-28T00:00:00-05:00",
    end: "2027-01-04T00:00:00-05:00",
    reason: "year-end freeze",
  };
  const frozen = withChanges({ freezeWindows: [yearEnd] });

  test("a freeze window is active inside its bounds, including its start", () => {
    expect(freezeAt(frozen, at("2026-12-28T05:00:00Z"))).toEqual(yearEnd);
    expect(freezeAt(frozen, at("2026-12-31T15:00:00Z"))).toEqual(yearEnd);
    expect(freezeAt(frozen, at("2027-01-04T04:59:59.999Z"))).toEqual(yearEnd);
  });

  test("a freeze window is inactive outside its bounds, including its end", () => {
    expect(freezeAt(frozen, at("2026-12-28T04:59:59.999Z"))).toBeUndefined();
    expect(freezeAt(frozen, at("2027-01-04T05:00:00Z"))).toBeUndefined();
    expect(freezeAt(NYSE_REGULAR_2026_2027, at("2026-12-31T15:00:00Z"))).toBeUndefined();
  });
});

describe("crypto peak windows (UTC, one window crossing midnight)", () => {
  const crypto = CRYPTO_PEAK_WINDOWS_EXAMPLE;

  test("the evening window is open on both sides of midnight", () => {
    const beforeMidnight = sessionAt(crypto, at("2026-06-01T23:30:00Z"));
    const afterMidnight = sessionAt(crypto, at("2026-06-02T00:30:00Z"));
    const expected = {
      open: true,
      reason: "Crypto peak windows open 20:00-01:00 UTC",
      opensAt: at("2026-06-01T20:00:00Z"),
      closesAt: at("2026-06-02T01:00:00Z"),
    };
    expect(beforeMidnight).toEqual(expected);
    expect(afterMidnight).toEqual(expected);
  });

  test("the windows are closed at their ends and between them", () => {
    expect(sessionAt(crypto, at("2026-06-02T01:00:00Z"))).toEqual({
      open: false,
      reason: "before the open (13:00 UTC)",
      opensAt: at("2026-06-02T13:00:00Z"),
    });
    expect(sessionAt(crypto, at("2026-06-02T12:59:59Z")).open).toBe(false);
    expect(sessionAt(crypto, at("2026-06-02T13:00:00Z")).open).toBe(true);
    expect(sessionAt(crypto, at("2026-06-02T17:00:00Z")).reason).toBe(
      "between sessions (closed 17:00-20:00 UTC)",
    );
    expect(sessionAt(crypto, at("2026-06-02T19:59:59Z")).open).toBe(false);
  });

  test("a holiday cancels the windows opening that day but not last night's window", () => {
    const withHoliday = {
      ...crypto,
      holidays: [{ date: "2026-06-02", name: "venue maintenance" }],
    };
    expect(sessionAt(withHoliday, at("2026-06-02T00:30:00Z")).open).toBe(true);
    expect(sessionAt(withHoliday, at("2026-06-02T14:00:00Z"))).toEqual({
      open: false,
      reason: "holiday: venue maintenance",
      opensAt: at("2026-06-03T13:00:00Z"),
    });
  });
});

describe("marketCalendarSchema", () => {
  test("accepts the built-in calendars unchanged", () => {
    expect(marketCalendarSchema.parse(NYSE_REGULAR_2026_2027)).toEqual(NYSE_REGULAR_2026_2027);
    expect(marketCalendarSchema.parse(CRYPTO_PEAK_WINDOWS_EXAMPLE)).toEqual(
      CRYPTO_PEAK_WINDOWS_EXAMPLE,
    );
  });

  test("fills omitted holidays, early closes and freeze windows with empty lists", () => {
    const minimal = {
      name: "LSE",
      timeZone: "Europe/London",
      sessions: { mon: [{ open: "08:00", close: "16:30" }] },
    };
    expect(marketCalendarSchema.parse(minimal)).toEqual({
      ...minimal,
      holidays: [],
      earlyCloses: [],
      freezeWindows: [],
    });
  });

  test("rejects a bad time zone, naming the value", () => {
    expect(issuesOf(withChanges({ timeZone: "Mars/Olympus" }))).toEqual([
      'timeZone: expected IANA time zone, e.g. "America/New_York", got "Mars/Olympus"',
    ]);
  });

  test("rejects a bad time, naming the value", () => {
    const sessions = { mon: [{ open: "9:30am", close: "16:00" }] };
    expect(issuesOf(withChanges({ sessions }))).toEqual([
      'sessions.mon.0.open: expected "HH:MM" 24-hour time, got "9:30am"',
    ]);
    const earlyCloses = [{ date: "2026-11-27", close: "24:00", name: "x" }];
    expect(issuesOf(withChanges({ earlyCloses }))).toEqual([
      'earlyCloses.0.close: expected "HH:MM" 24-hour time, got "24:00"',
    ]);
  });

  test("rejects a bad date, naming the value", () => {
    expect(issuesOf(withChanges({ holidays: [{ date: "2026-02-30", name: "x" }] }))).toEqual([
      'holidays.0.date: expected ISO date "YYYY-MM-DD", got "2026-02-30"',
    ]);
    expect(issuesOf(withChanges({ holidays: [{ date: "12/25/2026", name: "x" }] }))).toEqual([
      'holidays.0.date: expected ISO date "YYYY-MM-DD", got "12/25/2026"',
    ]);
  });

  test("rejects a freeze window without an offset or ending before it starts", () => {
    const noOffset = { start: "2026-12-28T00:00:00", end: "2027-01-04T00:00:00Z", reason: "x" };
    const backwards = { start: "2027-01-04T00:00:00Z", end: "2026-12-28T00:00:00Z", reason: "x" };
    expect(issuesOf(withChanges({ freezeWindows: [noOffset] }))).toEqual([
      'freezeWindows.0.start: expected ISO date-time with offset, e.g. "2026-12-24T13:00:00-05:00", got "2026-12-28T00:00:00"',
    ]);
    expect(issuesOf(withChanges({ freezeWindows: [backwards] }))).toEqual([
      `freezeWindows.0.end: expected end after start, got ${JSON.stringify(backwards)}`,
    ]);
  });

  test("rejects an empty name, naming the value", () => {
    expect(issuesOf(withChanges({ name: " " }))).toEqual([
      'name: expected non-empty text, got " "',
    ]);
  });

  test("rejects an unknown weekday, an empty window and an early close on a holiday", () => {
    expect(
      issuesOf(withChanges({ sessions: { monday: [] } as MarketCalendar["sessions"] })),
    ).toEqual([
      'sessions: expected weekday keys (mon, tue, wed, thu, fri, sat, sun), got "monday"',
    ]);
    expect(
      issuesOf(withChanges({ sessions: { mon: [{ open: "09:30", close: "09:30" }] } }))[0],
    ).toMatch(/^sessions\.mon\.0: expected open and close to differ/);
    const onThanksgiving = [{ date: "2026-11-26", close: "13:00", name: "x" }];
    expect(issuesOf(withChanges({ earlyCloses: onThanksgiving }))).toEqual([
      'earlyCloses.0.date: expected an early close on a trading day, got "2026-11-26", which is the holiday "Thanksgiving Day"',
    ]);
  });

  test("parseMarketCalendar reports every problem with its path", () => {
    const bad = {
      ...NYSE_REGULAR_2026_2027,
      timeZone: "EST5EDT-ish",
      sessions: { tue: [{ open: "25:00", close: "16:00" }] },
    };
    expect(() => parseMarketCalendar(bad, "marketHours")).toThrow(
      'invalid marketHours:\n  marketHours.timeZone: expected IANA time zone, e.g. "America/New_York", got "EST5EDT-ish"\n' +
        '  marketHours.sessions.tue.0.open: expected "HH:MM" 24-hour time, got "25:00"',
    );
  });
});

describe("describeCalendar", () => {
  test("summarises a calendar on one line", () => {
    expect(describeCalendar(NYSE_REGULAR_2026_2027)).toBe(
      "NYSE regular session [America/New_York]: mon-fri 09:30-16:00; 20 holidays (2026-01-01..2027-12-24), 3 early closes, 0 freeze windows",
    );
    expect(describeCalendar(CRYPTO_PEAK_WINDOWS_EXAMPLE)).toBe(
      "Crypto peak windows [UTC]: mon-sun 13:00-17:00, 20:00-01:00; 0 holidays, 0 early closes, 0 freeze windows",
    );
    expect(describeCalendar(withChanges({ sessions: {}, holidays: [], earlyCloses: [] }))).toBe(
      "NYSE regular session [America/New_York]: no sessions; 0 holidays, 0 early closes, 0 freeze windows",
    );
  });
});

describe("properties", () => {
  const firstDay = Date.parse("2025-12-20T00:00:00Z");
  const anyInstant = fc.date({
    min: new Date(firstDay),
    max: new Date("2028-01-10T00:00:00Z"),
    noInvalidDate: true,
  });
  // 13:00-21:30 UTC covers New York's session in both offsets and the crypto afternoon window.
  const nearSessionEdges = fc
    .tuple(fc.integer({ min: 0, max: 750 }), fc.integer({ min: 13 * 3600, max: 21.5 * 3600 }))
    .map(([day, second]) => new Date(firstDay + day * 86_400_000 + second * 1000));
  const instants = fc.oneof(anyInstant, nearSessionEdges);
  const calendars = fc.constantFrom(NYSE_REGULAR_2026_2027, CRYPTO_PEAK_WINDOWS_EXAMPLE);

  test("open implies the instant lies within [opensAt, closesAt)", () => {
    fc.assert(
      fc.property(calendars, instants, (calendar, instant) => {
        const { open, opensAt, closesAt } = sessionAt(calendar, instant);
        const t = instant.getTime();
        const within =
          opensAt !== undefined &&
          closesAt !== undefined &&
          opensAt.getTime() <= t &&
          t < closesAt.getTime();
        return !open || within;
      }),
      { numRuns: 1000 },
    );
  });

  test("closed implies the next open is later and the venue is open then", () => {
    fc.assert(
      fc.property(calendars, instants, (calendar, instant) => {
        const { open, opensAt, closesAt } = sessionAt(calendar, instant);
        const nextIsOpen =
          opensAt !== undefined &&
          opensAt.getTime() > instant.getTime() &&
          sessionAt(calendar, opensAt).open;
        return open || (nextIsOpen && closesAt === undefined);
      }),
      { numRuns: 1000 },
    );
  });

  test("NYSE is open exactly on listed trading days between 09:30 and the (early) close, local time", () => {
    const holidays = new Set(NYSE_REGULAR_2026_2027.holidays.map((holiday) => holiday.date));
    const earlyCloses = new Set(
      NYSE_REGULAR_2026_2027.earlyCloses.map((earlyClose) => earlyClose.date),
    );
    const inYears = fc.date({
      min: new Date("2026-01-01T05:00:00Z"),
      max: new Date("2027-12-31T23:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(inYears, (instant) => {
        const local = DateTime.fromJSDate(instant, { zone: NEW_YORK });
        const date = local.toISODate() ?? "";
        const minuteOfDay = local.hour * 60 + local.minute;
        const closeMinute = earlyCloses.has(date) ? 13 * 60 : 16 * 60;
        const expected =
          local.weekday <= 5 &&
          !holidays.has(date) &&
          minuteOfDay >= 9 * 60 + 30 &&
          minuteOfDay < closeMinute;
        return sessionAt(NYSE_REGULAR_2026_2027, instant).open === expected;
      }),
      { numRuns: 3000 },
    );
  });
});
