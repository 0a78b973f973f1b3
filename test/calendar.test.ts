import fc from "fast-check";
import { DateTime } from "luxon";
import {
  CRYPTO_PEAK_WINDOWS_EXAMPLE,
  MarketCalendar,
  NYSE_REGULAR,
  describeCalendar,
  freezeAt,
  marketCalendarSchema,
  nextSessionOpen,
  parseMarketCalendar,
  sessionAt,
} from "../domain/calendar";
import {
  NYSE_SPECIAL_CLOSURES,
  easterSunday,
  nyseEarlyCloses,
  nyseHolidays,
} from "../domain/nyseHolidays";

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
  return { ...NYSE_REGULAR, ...changes };
}

function datesOf(entries: { date: string }[]): string[] {
  return entries.map((entry) => entry.date);
}

// --- Known NYSE dates ---------------------------------------------------------------------------

interface KnownYear {
  holidays: string[];
  earlyCloses: string[];
}

/**
 * The NYSE Group's published holiday and early-closings calendars, copied from the press releases:
 * 2022-2024 (2021-12-27), 2023-2025 (2022-12-21), 2025-2027 (2024-11-08), 2026-2028 (2025-12-23);
 * the addresses are in domain/nyseHolidays.ts. 2025 adds the special closure of 2025-01-09
 * (National Day of Mourning for President Carter), announced after that year's calendar.
 */
const PUBLISHED: Record<number, KnownYear> = {
  2022: {
    holidays: [
      "2022-01-17", // "New Year's Day: — No holiday observed, pursuant to NYSE Rule 7.2"
      "2022-02-21",
      "2022-04-15",
      "2022-05-30",
      "2022-06-20",
      "2022-07-04",
      "2022-09-05",
      "2022-11-24",
      "2022-12-26",
    ],
    earlyCloses: ["2022-11-25"],
  },
  2023: {
    holidays: [
      "2023-01-02",
      "2023-01-16",
      "2023-02-20",
      "2023-04-07",
      "2023-05-29",
      "2023-06-19",
      "2023-07-04",
      "2023-09-04",
      "2023-11-23",
      "2023-12-25",
    ],
    earlyCloses: ["2023-07-03", "2023-11-24"],
  },
  2024: {
    holidays: [
      "2024-01-01",
      "2024-01-15",
      "2024-02-19",
      "2024-03-29",
      "2024-05-27",
      "2024-06-19",
      "2024-07-04",
      "2024-09-02",
      "2024-11-28",
      "2024-12-25",
    ],
    earlyCloses: ["2024-07-03", "2024-11-29", "2024-12-24"],
  },
  2025: {
    holidays: [
      "2025-01-01",
      "2025-01-09",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ],
    earlyCloses: ["2025-07-03", "2025-11-28", "2025-12-24"],
  },
  2026: {
    holidays: [
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-04-03",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-09-07",
      "2026-11-26",
      "2026-12-25",
    ],
    earlyCloses: ["2026-11-27", "2026-12-24"],
  },
  2027: {
    holidays: [
      "2027-01-01",
      "2027-01-18",
      "2027-02-15",
      "2027-03-26",
      "2027-05-31",
      "2027-06-18",
      "2027-07-05",
      "2027-09-06",
      "2027-11-25",
      "2027-12-24",
    ],
    earlyCloses: ["2027-11-26"],
  },
  2028: {
    holidays: [
      "2028-01-17", // "Because the holiday falls on Saturday, January 1, 2028, no New Year's Day holiday is observed."
      "2028-02-21",
      "2028-04-14",
      "2028-05-29",
      "2028-06-19",
      "2028-07-04",
      "2028-09-04",
      "2028-11-23",
      "2028-12-25",
    ],
    earlyCloses: ["2028-07-03", "2028-11-24"],
  },
};

/**
 * Years the NYSE has not published yet, written out by hand from Rule 7.2 and the early-close
 * practice (domain/nyseHolidays.ts), and checked against pandas_market_calendars 5.5.0's NYSE
 * calendar, an independent implementation.
 */
const BY_RULE: Record<number, KnownYear> = {
  2029: {
    holidays: [
      "2029-01-01",
      "2029-01-15",
      "2029-02-19",
      "2029-03-30",
      "2029-05-28",
      "2029-06-19",
      "2029-07-04",
      "2029-09-03",
      "2029-11-22",
      "2029-12-25",
    ],
    earlyCloses: ["2029-07-03", "2029-11-23", "2029-12-24"], // July 3 and Dec 24 on a Tuesday, a Monday
  },
  2030: {
    holidays: [
      "2030-01-01",
      "2030-01-21",
      "2030-02-18",
      "2030-04-19",
      "2030-05-27",
      "2030-06-19",
      "2030-07-04",
      "2030-09-02",
      "2030-11-28",
      "2030-12-25",
    ],
    earlyCloses: ["2030-07-03", "2030-11-29", "2030-12-24"],
  },
  2031: {
    holidays: [
      "2031-01-01",
      "2031-01-20",
      "2031-02-17",
      "2031-04-11",
      "2031-05-26",
      "2031-06-19",
      "2031-07-04",
      "2031-09-01",
      "2031-11-27",
      "2031-12-25",
    ],
    earlyCloses: ["2031-07-03", "2031-11-28", "2031-12-24"],
  },
  2032: {
    holidays: [
      "2032-01-01",
      "2032-01-19",
      "2032-02-16",
      "2032-03-26",
      "2032-05-31",
      "2032-06-18", // June 19 is a Saturday
      "2032-07-05", // July 4 is a Sunday
      "2032-09-06",
      "2032-11-25",
      "2032-12-24", // December 25 is a Saturday
    ],
    earlyCloses: ["2032-11-26"],
  },
  2033: {
    holidays: [
      // January 1 is a Saturday: Friday 2032-12-31 trades.
      "2033-01-17",
      "2033-02-21",
      "2033-04-15",
      "2033-05-30",
      "2033-06-20", // June 19 is a Sunday
      "2033-07-04",
      "2033-09-05",
      "2033-11-24",
      "2033-12-26", // December 25 is a Sunday
    ],
    earlyCloses: ["2033-11-25"],
  },
  2034: {
    holidays: [
      "2034-01-02", // January 1 is a Sunday
      "2034-01-16",
      "2034-02-20",
      "2034-04-07",
      "2034-05-29",
      "2034-06-19",
      "2034-07-04",
      "2034-09-04",
      "2034-11-23",
      "2034-12-25",
    ],
    earlyCloses: ["2034-07-03", "2034-11-24"],
  },
  2035: {
    holidays: [
      "2035-01-01",
      "2035-01-15",
      "2035-02-19",
      "2035-03-23",
      "2035-05-28",
      "2035-06-19",
      "2035-07-04",
      "2035-09-03",
      "2035-11-22",
      "2035-12-25",
    ],
    earlyCloses: ["2035-07-03", "2035-11-23", "2035-12-24"],
  },
};

const KNOWN: Record<number, KnownYear> = { ...PUBLISHED, ...BY_RULE };
const KNOWN_YEARS = Object.keys(KNOWN).map(Number);

/**
 * Easter Sunday by a second algorithm, the Astronomical Society of South Australia's Easter Dating
 * Method (https://www.assa.org.au/edm), valid 1583-4099; the domain uses Meeus/Jones/Butcher.
 */
function assaEasterSunday(year: number): string {
  const mod = (a: number, n: number) => ((a % n) + n) % n;
  const firstDigits = Math.floor(year / 100);
  const remain19 = year % 19;
  let temp = Math.floor((firstDigits - 15) / 2) + 202 - 11 * remain19;
  if ([21, 24, 25, 27, 28, 29, 30, 31, 32, 34, 35, 38].includes(firstDigits)) temp -= 1;
  else if ([33, 36, 37, 39, 40].includes(firstDigits)) temp -= 2;
  temp = mod(temp, 30);
  let tA = temp + 21;
  if (temp === 29) tA -= 1;
  if (temp === 28 && remain19 > 10) tA -= 1;
  const tB = mod(tA - 19, 7);
  let tC = mod(40 - firstDigits, 4);
  if (tC === 3) tC += 1;
  if (tC > 1) tC += 1;
  const yy = year % 100;
  const tD = mod(yy + Math.floor(yy / 4), 7);
  const tE = mod(20 - tB - tC - tD, 7) + 1;
  const day = tA + tE;
  return DateTime.utc(year, day > 31 ? 4 : 3, day > 31 ? day - 31 : day).toISODate() ?? "";
}

// -----------------------------------------------------------------------------------------------

describe("NYSE holidays and early closes by rule", () => {
  test.each(Object.keys(PUBLISHED).map(Number))(
    "%i reproduces the NYSE's published calendar exactly",
    (year) => {
      expect(datesOf(nyseHolidays(year))).toEqual(PUBLISHED[year].holidays);
      expect(datesOf(nyseEarlyCloses(year))).toEqual(PUBLISHED[year].earlyCloses);
    },
  );

  test.each(Object.keys(BY_RULE).map(Number))(
    "%i (not yet published) follows Rule 7.2 and the early-close practice",
    (year) => {
      expect(datesOf(nyseHolidays(year))).toEqual(BY_RULE[year].holidays);
      expect(datesOf(nyseEarlyCloses(year))).toEqual(BY_RULE[year].earlyCloses);
    },
  );

  test("names follow the NYSE's, with observed days marked", () => {
    expect(nyseHolidays(2027)).toEqual([
      { date: "2027-01-01", name: "New Year's Day" },
      { date: "2027-01-18", name: "Martin Luther King, Jr. Day" },
      { date: "2027-02-15", name: "Washington's Birthday" },
      { date: "2027-03-26", name: "Good Friday" },
      { date: "2027-05-31", name: "Memorial Day" },
      { date: "2027-06-18", name: "Juneteenth National Independence Day (observed)" },
      { date: "2027-07-05", name: "Independence Day (observed)" },
      { date: "2027-09-06", name: "Labor Day" },
      { date: "2027-11-25", name: "Thanksgiving Day" },
      { date: "2027-12-24", name: "Christmas Day (observed)" },
    ]);
    expect(nyseEarlyCloses(2025)).toEqual([
      { date: "2025-07-03", close: "13:00", name: "the day before Independence Day" },
      { date: "2025-11-28", close: "13:00", name: "the day after Thanksgiving" },
      { date: "2025-12-24", close: "13:00", name: "Christmas Eve" },
    ]);
  });

  test.each(KNOWN_YEARS)("%i: every holiday closes the session at noon local", (year) => {
    for (const date of KNOWN[year].holidays) {
      const state = sessionAt(NYSE_REGULAR, newYorkLocal(date, "12:00"));
      expect({ date, open: state.open, reason: state.reason.slice(0, 9) }).toEqual({
        date,
        open: false,
        reason: "holiday: ",
      });
    }
  });

  test("a returned list is a copy: changing it does not change the rules", () => {
    nyseHolidays(2026).pop();
    nyseEarlyCloses(2026)[0].close = "10:00";
    expect(nyseHolidays(2026)).toHaveLength(10);
    expect(nyseEarlyCloses(2026)[0].close).toBe("13:00");
  });
});

describe("Good Friday from the Gregorian computus", () => {
  // Easter Sundays 2022-2035 as published in Easter tables; Good Friday is two days earlier.
  const easter: [number, string, string][] = [
    [2022, "2022-04-17", "2022-04-15"],
    [2023, "2023-04-09", "2023-04-07"],
    [2024, "2024-03-31", "2024-03-29"],
    [2025, "2025-04-20", "2025-04-18"],
    [2026, "2026-04-05", "2026-04-03"],
    [2027, "2027-03-28", "2027-03-26"],
    [2028, "2028-04-16", "2028-04-14"],
    [2029, "2029-04-01", "2029-03-30"],
    [2030, "2030-04-21", "2030-04-19"],
    [2031, "2031-04-13", "2031-04-11"],
    [2032, "2032-03-28", "2032-03-26"],
    [2033, "2033-04-17", "2033-04-15"],
    [2034, "2034-04-09", "2034-04-07"],
    [2035, "2035-03-25", "2035-03-23"],
  ];

  test.each(easter)("%i: Easter %s, Good Friday %s closed", (year, sunday, friday) => {
    expect(easterSunday(year).toISODate()).toBe(sunday);
    expect(nyseHolidays(year)).toContainEqual({ date: friday, name: "Good Friday" });
    expect(sessionAt(NYSE_REGULAR, newYorkLocal(friday, "11:00")).reason).toBe(
      "holiday: Good Friday",
    );
  });

  test("the extremes of the computus: March 22 (1818, 2285) and April 25 (1943, 2038)", () => {
    expect(
      ["1818", "2285", "1943", "2038"].map((y) => easterSunday(Number(y)).toISODate()),
    ).toEqual(["1818-03-22", "2285-03-22", "1943-04-25", "2038-04-25"]);
  });

  test("agrees with a second algorithm (ASSA) for every year 1583-4099", () => {
    const disagreements: string[] = [];
    for (let year = 1583; year <= 4099; year++) {
      const domain = easterSunday(year).toISODate();
      const assa = assaEasterSunday(year);
      if (domain !== assa) disagreements.push(`${year}: ${domain} vs ${assa}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe("the Saturday and Sunday rules", () => {
  test("Juneteenth: no holiday in 2021 (Friday June 18 traded), closed from 2022", () => {
    expect(nyseHolidays(2021).map((holiday) => holiday.name)).not.toContain(
      "Juneteenth National Independence Day (observed)",
    );
    expect(datesOf(nyseHolidays(2021))).not.toContain("2021-06-18");
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2021-06-18", "15:59")).open).toBe(true);
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2022-06-20", "12:00")).reason).toBe(
      "holiday: Juneteenth National Independence Day (observed)",
    );
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2023-06-19", "12:00")).reason).toBe(
      "holiday: Juneteenth National Independence Day",
    );
  });

  test.each([
    { friday: "2021-12-31", saturday: "2022-01-01", monday: "2022-01-03" },
    { friday: "2027-12-31", saturday: "2028-01-01", monday: "2028-01-03" },
    { friday: "2032-12-31", saturday: "2033-01-01", monday: "2033-01-03" },
  ])(
    "New Year's Day on Saturday $saturday: Friday $friday trades a full day, Monday too",
    ({ friday, monday }) => {
      expect(sessionAt(NYSE_REGULAR, newYorkLocal(friday, "09:31")).open).toBe(true);
      expect(sessionAt(NYSE_REGULAR, newYorkLocal(friday, "15:59"))).toMatchObject({
        open: true,
        reason: "NYSE regular session open 09:30-16:00 America/New_York",
      });
      expect(sessionAt(NYSE_REGULAR, newYorkLocal(monday, "10:00")).open).toBe(true);
    },
  );

  test("New Year's Day on Sunday closes the Monday after (2023-01-02, 2034-01-02)", () => {
    for (const monday of ["2023-01-02", "2034-01-02"]) {
      expect(sessionAt(NYSE_REGULAR, newYorkLocal(monday, "12:00")).reason).toBe(
        "holiday: New Year's Day (observed)",
      );
    }
  });

  test("Thanksgiving 2028 (Thursday November 23) is closed, the Friday closes at 13:00", () => {
    const thursday = sessionAt(NYSE_REGULAR, at("2028-11-23T17:00:00Z"));
    expect(thursday).toEqual({
      open: false,
      reason: "holiday: Thanksgiving Day",
      opensAt: at("2028-11-24T14:30:00Z"),
    });
    expect(sessionAt(NYSE_REGULAR, at("2028-11-24T17:59:00Z")).closesAt).toEqual(
      at("2028-11-24T18:00:00Z"),
    );
  });
});

describe("early closes at 13:00 New York", () => {
  test.each([
    { date: "2026-11-27", name: "the day after Thanksgiving", cutoff: "2026-11-27T18:00:00Z" },
    { date: "2026-12-24", name: "Christmas Eve", cutoff: "2026-12-24T18:00:00Z" },
    { date: "2027-11-26", name: "the day after Thanksgiving", cutoff: "2027-11-26T18:00:00Z" },
    { date: "2028-07-03", name: "the day before Independence Day", cutoff: "2028-07-03T17:00:00Z" },
    { date: "2029-07-03", name: "the day before Independence Day", cutoff: "2029-07-03T17:00:00Z" },
    { date: "2029-12-24", name: "Christmas Eve", cutoff: "2029-12-24T18:00:00Z" },
  ])("$date ($name) is open at 12:59 and closed at 13:01", ({ name, cutoff }) => {
    const beforeCutoff = sessionAt(NYSE_REGULAR, plusMinutes(cutoff, -1));
    const afterCutoff = sessionAt(NYSE_REGULAR, plusMinutes(cutoff, 1));

    expect(beforeCutoff.open).toBe(true);
    expect(beforeCutoff.reason).toBe(
      `NYSE regular session open 09:30-13:00 America/New_York (early close: ${name})`,
    );
    expect(beforeCutoff.closesAt).toEqual(at(cutoff));
    expect(afterCutoff.open).toBe(false);
    expect(afterCutoff.reason).toBe(`after the early close (13:00) of ${name}`);
  });

  test.each([
    ["2023-07-03", "Monday"],
    ["2024-07-03", "Wednesday"],
    ["2025-07-03", "Thursday"],
    ["2029-07-03", "Tuesday"],
  ])("July 3 %s (a %s) closes early", (date) => {
    expect(sessionAt(NYSE_REGULAR, newYorkLocal(date, "12:59")).open).toBe(true);
    expect(sessionAt(NYSE_REGULAR, newYorkLocal(date, "13:00")).open).toBe(false);
  });

  test("July 4 on a Saturday (2026): Friday July 3 is the holiday, Thursday July 2 a full day", () => {
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2026-07-03", "12:00")).reason).toBe(
      "holiday: Independence Day (observed)",
    );
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2026-07-02", "15:59")).open).toBe(true);
  });

  test.each([
    ["2022-12-23", "Christmas on a Sunday: the Friday before is a full day"],
    ["2027-07-02", "July 4 on a Sunday: Friday July 2 is a full day"],
    ["2027-12-23", "Christmas on a Saturday: Thursday December 23 is a full day"],
    ["2028-12-22", "Christmas Eve on a Sunday: the Friday before is a full day"],
  ])("%s trades until 16:00 (%s)", (date) => {
    expect(sessionAt(NYSE_REGULAR, newYorkLocal(date, "15:59")).open).toBe(true);
    expect(sessionAt(NYSE_REGULAR, newYorkLocal(date, "16:00")).open).toBe(false);
  });
});

describe("special closures (domain/nyseSpecialClosures.json)", () => {
  test("Hurricane Sandy closed two days; the next open was Wednesday 2012-10-31 09:30 EDT", () => {
    const monday = sessionAt(NYSE_REGULAR, newYorkLocal("2012-10-29", "10:00"));
    expect(monday).toEqual({
      open: false,
      reason: "holiday: Hurricane Sandy",
      opensAt: at("2012-10-31T13:30:00Z"),
    });
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2012-10-30", "10:00")).open).toBe(false);
  });

  test("the National Day of Mourning for President Carter (2025-01-09) is closed", () => {
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2025-01-09", "11:00")).reason).toBe(
      "holiday: National Day of Mourning for President Jimmy Carter",
    );
    expect(sessionAt(NYSE_REGULAR, newYorkLocal("2025-01-10", "11:00")).open).toBe(true);
  });

  test("every entry is a weekday that no rule closes, with a source; oldest first", () => {
    const dates = datesOf([...NYSE_SPECIAL_CLOSURES]);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(dates.length);
    expect(dates).toEqual(expect.arrayContaining(["2012-10-29", "2012-10-30", "2018-12-05"]));
    for (const closure of NYSE_SPECIAL_CLOSURES) {
      const day = DateTime.fromISO(closure.date, { zone: "utc" });
      const year = day.year;
      const ruleNames = nyseHolidays(year)
        .filter((holiday) => holiday.date === closure.date)
        .map((holiday) => holiday.name);
      expect({ date: closure.date, weekday: day.weekday <= 5, ruleNames }).toEqual({
        date: closure.date,
        weekday: true,
        ruleNames: [closure.name],
      });
      expect(closure.source).toMatch(/^https?:\/\/\S+$/);
    }
  });

  test("a listed holiday adds to the rules, a listed early close takes precedence", () => {
    const calendar = withChanges({
      holidays: [{ date: "2026-06-17", name: "venue outage" }],
      earlyCloses: [{ date: "2026-11-27", close: "12:00", name: "a shorter Black Friday" }],
    });
    expect(sessionAt(calendar, newYorkLocal("2026-06-17", "12:00")).reason).toBe(
      "holiday: venue outage",
    );
    expect(sessionAt(calendar, newYorkLocal("2026-11-26", "12:00")).reason).toBe(
      "holiday: Thanksgiving Day",
    );
    expect(sessionAt(calendar, newYorkLocal("2026-11-27", "12:30")).reason).toBe(
      "after the early close (12:00) of a shorter Black Friday",
    );
  });

  test("without holiday rules the same sessions know no holidays", () => {
    const unruled: MarketCalendar = { ...NYSE_REGULAR, holidayRules: undefined };
    expect(sessionAt(unruled, newYorkLocal("2028-11-23", "12:00")).open).toBe(true);
  });
});

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
    {
      change: "2031-03-09",
      day: "Fri 2031-03-07 EST",
      opens: "2031-03-07T14:30:00Z",
      closes: "2031-03-07T21:00:00Z",
    },
    {
      change: "2031-03-09",
      day: "Mon 2031-03-10 EDT",
      opens: "2031-03-10T13:30:00Z",
      closes: "2031-03-10T20:00:00Z",
    },
    {
      change: "2031-11-02",
      day: "Fri 2031-10-31 EDT",
      opens: "2031-10-31T13:30:00Z",
      closes: "2031-10-31T20:00:00Z",
    },
    {
      change: "2031-11-02",
      day: "Mon 2031-11-03 EST",
      opens: "2031-11-03T14:30:00Z",
      closes: "2031-11-03T21:00:00Z",
    },
  ];

  test.each(days)(
    "$day (change $change): 09:29 closed, 09:31 open, 15:59 open, 16:01 closed",
    ({ opens, closes }) => {
      const before = sessionAt(NYSE_REGULAR, plusMinutes(opens, -1));
      const afterOpen = sessionAt(NYSE_REGULAR, plusMinutes(opens, 1));
      const beforeClose = sessionAt(NYSE_REGULAR, plusMinutes(closes, -1));
      const after = sessionAt(NYSE_REGULAR, plusMinutes(closes, 1));

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

  test.each(["2026-03-08", "2026-11-01", "2027-03-14", "2027-11-07", "2031-03-09", "2031-11-02"])(
    "the Sunday of the change (%s) is closed and the next open is Monday 09:30 in the new offset",
    (sunday) => {
      const state = sessionAt(NYSE_REGULAR, newYorkLocal(sunday, "12:00"));
      const monday = days.find((entry) => entry.change === sunday && entry.day.startsWith("Mon"));

      expect(state.open).toBe(false);
      expect(state.reason).toBe("weekend");
      expect(state.opensAt).toEqual(at(monday?.opens ?? "missing"));
    },
  );
});

describe("closed states", () => {
  test("a weekend is closed and points at Monday's open", () => {
    const saturdayNoon = at("2026-06-13T16:00:00Z");
    expect(sessionAt(NYSE_REGULAR, saturdayNoon)).toEqual({
      open: false,
      reason: "weekend",
      opensAt: at("2026-06-15T13:30:00Z"),
    });
  });

  test("a Friday evening is after the close, a Monday morning before the open", () => {
    expect(sessionAt(NYSE_REGULAR, at("2026-06-12T22:00:00Z")).reason).toBe(
      "after the close (16:00 America/New_York)",
    );
    expect(sessionAt(NYSE_REGULAR, at("2026-06-15T12:00:00Z")).reason).toBe(
      "before the open (09:30 America/New_York)",
    );
  });

  test("a weekday without sessions is named as such", () => {
    const noWednesday = withChanges({ sessions: { mon: [{ open: "09:30", close: "16:00" }] } });
    expect(sessionAt(noWednesday, at("2026-06-17T16:00:00Z")).reason).toBe("no session on wed");
  });

  test("the next open skips a long weekend and a holiday", () => {
    // Thanksgiving 2026 (Thu) closed, Fri half day: from Thursday noon the next open is Friday 09:30 EST.
    expect(nextSessionOpen(NYSE_REGULAR, at("2026-11-26T17:00:00Z"))).toEqual(
      at("2026-11-27T14:30:00Z"),
    );
    // Good Friday 2027 (Mar 26): from Thursday's close the next open is Monday 09:30 EDT.
    expect(nextSessionOpen(NYSE_REGULAR, at("2027-03-25T20:00:00Z"))).toEqual(
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
    expect(freezeAt(NYSE_REGULAR, at("2026-12-31T15:00:00Z"))).toBeUndefined();
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
  test("accepts the built-in calendars unchanged, also after a JSON round trip", () => {
    expect(marketCalendarSchema.parse(NYSE_REGULAR)).toEqual(NYSE_REGULAR);
    expect(parseMarketCalendar(JSON.parse(JSON.stringify(NYSE_REGULAR)))).toEqual(NYSE_REGULAR);
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

  test("accepts holiday rules on a configured calendar, and they apply", () => {
    const configured = parseMarketCalendar({
      name: "NYSE (config)",
      timeZone: "America/New_York",
      sessions: { mon: [{ open: "09:30", close: "16:00" }] },
      holidayRules: "nyse",
    });
    expect(configured.holidayRules).toBe("nyse");
    // Memorial Day 2030 is Monday May 27.
    expect(sessionAt(configured, newYorkLocal("2030-05-27", "12:00")).reason).toBe(
      "holiday: Memorial Day",
    );
  });

  test("rejects unknown holiday rules, naming the value and the choices", () => {
    expect(
      issuesOf(withChanges({ holidayRules: "lse" as MarketCalendar["holidayRules"] })),
    ).toEqual(['holidayRules: expected holiday rules "nyse", got "lse"']);
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
    // Thanksgiving 2031 comes from the rules, the listed holiday from the list.
    const onHolidays = [
      { date: "2031-11-27", close: "13:00", name: "x" },
      { date: "2026-06-17", close: "13:00", name: "y" },
    ];
    const listed = [{ date: "2026-06-17", name: "venue outage" }];
    expect(issuesOf(withChanges({ holidays: listed, earlyCloses: onHolidays }))).toEqual([
      'earlyCloses.0.date: expected an early close on a trading day, got "2031-11-27", which is the holiday "Thanksgiving Day"',
      'earlyCloses.1.date: expected an early close on a trading day, got "2026-06-17", which is the holiday "venue outage"',
    ]);
  });

  test("parseMarketCalendar reports every problem with its path", () => {
    const bad = {
      ...NYSE_REGULAR,
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
    expect(describeCalendar(NYSE_REGULAR)).toBe(
      "NYSE regular session [America/New_York]: mon-fri 09:30-16:00; NYSE rules (holidays, 13:00 early closes, 10 special closures); 0 holidays, 0 early closes, 0 freeze windows",
    );
    expect(
      describeCalendar(withChanges({ holidays: [{ date: "2026-06-17", name: "venue outage" }] })),
    ).toContain("; 1 holiday (2026-06-17..2026-06-17), 0 early closes");
    expect(describeCalendar(CRYPTO_PEAK_WINDOWS_EXAMPLE)).toBe(
      "Crypto peak windows [UTC]: mon-sun 13:00-17:00, 20:00-01:00; 0 holidays, 0 early closes, 0 freeze windows",
    );
    expect(describeCalendar(withChanges({ sessions: {}, holidayRules: undefined }))).toBe(
      "NYSE regular session [America/New_York]: no sessions; 0 holidays, 0 early closes, 0 freeze windows",
    );
  });
});

describe("properties", () => {
  const firstDay = Date.parse("2025-12-20T00:00:00Z");
  const anyInstant = fc.date({
    min: new Date(firstDay),
    max: new Date("2035-12-31T00:00:00Z"),
    noInvalidDate: true,
  });
  // 13:00-21:30 UTC covers New York's session in both offsets and the crypto afternoon window.
  const nearSessionEdges = fc
    .tuple(fc.integer({ min: 0, max: 3650 }), fc.integer({ min: 13 * 3600, max: 21.5 * 3600 }))
    .map(([day, second]) => new Date(firstDay + day * 86_400_000 + second * 1000));
  const instants = fc.oneof(anyInstant, nearSessionEdges);
  const calendars = fc.constantFrom(NYSE_REGULAR, CRYPTO_PEAK_WINDOWS_EXAMPLE);

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

  test("NYSE is open exactly on the known trading days 2022-2035 between 09:30 and the (early) close", () => {
    const holidays = new Set(KNOWN_YEARS.flatMap((year) => KNOWN[year].holidays));
    const earlyCloses = new Set(KNOWN_YEARS.flatMap((year) => KNOWN[year].earlyCloses));
    const inYears = fc.date({
      min: new Date("2022-01-01T05:00:00Z"),
      max: new Date("2036-01-01T04:59:59Z"),
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
        return sessionAt(NYSE_REGULAR, instant).open === expected;
      }),
      { numRuns: 5000 },
    );
  });
});
