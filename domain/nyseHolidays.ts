/**
 * NYSE full-day holidays and 13:00 early closes of any year, computed by the exchange's rules, and
 * the committed table of special (unscheduled) closures. Pure: no Pulumi imports.
 *
 * Sources (the rules, and the published calendars the tests reproduce):
 * - NYSE Rule 7.2 (Holidays): the ten holidays; "when any holiday observed by the Exchange falls
 *   on a Saturday, the Exchange will not be open for business on the preceding Friday and when any
 *   holiday observed by the Exchange falls on a Sunday, the Exchange will not be open for business
 *   on the succeeding Monday, unless unusual business conditions exist, such as the ending of a
 *   monthly or the yearly accounting period". That exception is why New Year's Day on a Saturday
 *   is not observed on Friday December 31. Rule text quoted from the NYSE rule book in
 *   https://stat.ethz.ch/pipermail/r-sig-finance/attachments/20070210/5a77566d/attachment.html
 * - Juneteenth was added to Rule 7.2 in 2021, effective 2022 (the NYSE traded on Friday
 *   2021-06-18): https://www.thecorporatecounsel.net/blog/2021/10/nyse-makes-juneteenth-a-new-market-holiday.html
 * - NYSE Group holiday and early-closings calendars (press releases, nyse.com/markets/hours-calendars):
 *   2022-2024 (2021-12-27; "New Year's Day 2022: — No holiday observed, pursuant to NYSE Rule 7.2"):
 *   https://mondovisione.com/media-and-resources/news/nyse-group-announces-2022-2023-and-2024-holiday-and-early-closings-calendar/
 *   2023-2025 (2022-12-21):
 *   https://www.businesswire.com/news/home/20221221005578/en/NYSE-Group-Announces-2023-2024-and-2025-Holiday-and-Early-Closings-Calendar
 *   2025-2027 (2024-11-08):
 *   https://mondovisione.com/media-and-resources/news/nyse-group-announces-2025-2026-and-2027-holiday-and-early-closings-calendar/
 *   2026-2028 (2025-12-23; "Because the holiday falls on Saturday, January 1, 2028, no New Year's
 *   Day holiday is observed"):
 *   https://mondovisione.com/media-and-resources/news/nyse-group-announces-2026-2027-and-2028-holiday-and-early-closings-calendar-20251223/
 * - Early closes ("each market will close early at 1:00 p.m."), as those calendars apply them:
 *   July 3 when it is a trading day (Mon 2023, Wed 2024, Thu 2025, Mon 2028; none in 2026, when
 *   July 4 is a Saturday and Friday July 3 is the observed holiday, Thursday July 2 trading a full
 *   day; none in 2027, when July 3 is a Saturday); the day after Thanksgiving every year;
 *   December 24 when it is a trading day (Tue 2024, Wed 2025, Thu 2026; none in 2027, when Friday
 *   December 24 is the observed Christmas, nor in 2022, 2023 and 2028, when it is a weekend day).
 *   A trading day here is a weekday that is not itself a holiday, so both rules fall on Monday to
 *   Thursday only; pandas_market_calendars encodes the same
 *   (rsheftel/pandas_market_calendars, pandas_market_calendars/holidays/nyse.py:
 *   MonTuesThursBeforeIndependenceDay, WednesdayBeforeIndependenceDayPost2013,
 *   ChristmasEvePost1999Early1pmClose).
 * - Special closures: `nyseSpecialClosures.json`, each with its source; the same dates are in
 *   pandas_market_calendars' nyse.py.
 *
 * These are the rules in force now (Juneteenth from 2022); for 2013-2035 they give exactly the
 * closures and early closes of pandas_market_calendars 5.5.0's NYSE calendar. Earlier years'
 * differences (before 2013 a Thursday July 4 moved the early close to Friday July 5) are not
 * modelled: the calendar judges changes made now and later.
 */
import { DateTime } from "luxon";
import type { EarlyClose, Holiday } from "./calendar";
import SPECIAL_CLOSURES_TABLE from "./nyseSpecialClosures.json";

export interface SpecialClosure extends Holiday {
  /** Where the closure was announced or reported. */
  source: string;
}

/** The local time of every NYSE early close. */
export const NYSE_EARLY_CLOSE_TIME = "13:00";

/** The first year the NYSE closed for Juneteenth National Independence Day. */
export const JUNETEENTH_FIRST_YEAR = 2022;

const MONDAY = 1;
const THURSDAY = 4;
const FRIDAY = 5;
const SATURDAY = 6;
const SUNDAY = 7;

const ISO_DAY = /^(\d{4})-\d{2}-\d{2}$/;

function validSpecialClosures(table: readonly SpecialClosure[]): readonly SpecialClosure[] {
  for (const [index, entry] of table.entries()) {
    const day = DateTime.fromISO(entry.date, { zone: "utc" });
    if (!ISO_DAY.test(entry.date) || !day.isValid || day.weekday > FRIDAY) {
      throw new Error(
        `nyseSpecialClosures.json[${index}].date: expected a weekday as "YYYY-MM-DD", got ${JSON.stringify(entry.date)}`,
      );
    }
    if (entry.name.trim() === "" || !/^https?:\/\//.test(entry.source)) {
      throw new Error(
        `nyseSpecialClosures.json[${index}]: expected a name and an http(s) source, got ${JSON.stringify(entry)}`,
      );
    }
  }
  return table;
}

/** Unscheduled full-day closures, oldest first. */
export const NYSE_SPECIAL_CLOSURES: readonly SpecialClosure[] =
  validSpecialClosures(SPECIAL_CLOSURES_TABLE);

function civilDate(year: number, month: number, day: number): DateTime {
  return DateTime.utc(year, month, day);
}

function isoDate(day: DateTime): string {
  const text = day.toISODate();
  if (text === null) throw new Error(`invalid date: ${day.invalidExplanation ?? "unknown"}`);
  return text;
}

function nthWeekdayOf(year: number, month: number, weekday: number, nth: number): DateTime {
  const first = civilDate(year, month, 1);
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + 7 * (nth - 1) });
}

function lastWeekdayOf(year: number, month: number, weekday: number): DateTime {
  const last = civilDate(year, month, 1).endOf("month").startOf("day");
  return last.minus({ days: (last.weekday - weekday + 7) % 7 });
}

/** Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): DateTime {
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
  return civilDate(year, month, day);
}

/** Rule 7.2: a Saturday holiday closes the Friday before, a Sunday one the Monday after. */
function observed(name: string, day: DateTime): Holiday {
  const shift = day.weekday === SATURDAY ? -1 : day.weekday === SUNDAY ? 1 : 0;
  if (shift === 0) return { date: isoDate(day), name };
  return { date: isoDate(day.plus({ days: shift })), name: `${name} (observed)` };
}

/**
 * Rule 7.2's exception: on a Saturday, New Year's Day is not observed (December 31 ends the year).
 * So every closure lies in the year it belongs to, and a date is looked up in its own year only.
 */
function newYearsDay(year: number): Holiday | undefined {
  const day = civilDate(year, 1, 1);
  return day.weekday === SATURDAY ? undefined : observed("New Year's Day", day);
}

function ruleHolidays(year: number): Holiday[] {
  const holidays: (Holiday | undefined)[] = [
    newYearsDay(year),
    { date: isoDate(nthWeekdayOf(year, 1, MONDAY, 3)), name: "Martin Luther King, Jr. Day" },
    { date: isoDate(nthWeekdayOf(year, 2, MONDAY, 3)), name: "Washington's Birthday" },
    { date: isoDate(easterSunday(year).minus({ days: 2 })), name: "Good Friday" },
    { date: isoDate(lastWeekdayOf(year, 5, MONDAY)), name: "Memorial Day" },
    year >= JUNETEENTH_FIRST_YEAR
      ? observed("Juneteenth National Independence Day", civilDate(year, 6, 19))
      : undefined,
    observed("Independence Day", civilDate(year, 7, 4)),
    { date: isoDate(nthWeekdayOf(year, 9, MONDAY, 1)), name: "Labor Day" },
    { date: isoDate(nthWeekdayOf(year, 11, THURSDAY, 4)), name: "Thanksgiving Day" },
    observed("Christmas Day", civilDate(year, 12, 25)),
  ];
  return holidays.filter((holiday): holiday is Holiday => holiday !== undefined);
}

interface NyseYear {
  holidays: Holiday[];
  earlyCloses: EarlyClose[];
}

function computeYear(year: number): NyseYear {
  const specials = NYSE_SPECIAL_CLOSURES.filter((closure) =>
    closure.date.startsWith(`${year}-`),
  ).map(({ date, name }) => ({ date, name }));
  const holidays = [...ruleHolidays(year), ...specials].sort((a, b) =>
    a.date.localeCompare(b.date),
  );
  const closed = new Set(holidays.map((holiday) => holiday.date));
  const isTradingDay = (day: DateTime) => day.weekday <= FRIDAY && !closed.has(isoDate(day));
  const candidates: [DateTime, string][] = [
    [civilDate(year, 7, 3), "the day before Independence Day"],
    [nthWeekdayOf(year, 11, THURSDAY, 4).plus({ days: 1 }), "the day after Thanksgiving"],
    [civilDate(year, 12, 24), "Christmas Eve"],
  ];
  const earlyCloses = candidates
    .filter(([day]) => isTradingDay(day))
    .map(([day, name]) => ({ date: isoDate(day), close: NYSE_EARLY_CLOSE_TIME, name }));
  return {
    holidays: holidays.map((holiday) => Object.freeze(holiday)),
    earlyCloses: earlyCloses.map((earlyClose) => Object.freeze(earlyClose)),
  };
}

const computedYears = new Map<number, NyseYear>();

function nyseYear(year: number): NyseYear {
  let computed = computedYears.get(year);
  if (!computed) {
    computed = computeYear(year);
    computedYears.set(year, computed);
  }
  return computed;
}

/** The NYSE's full-day closures of `year`, by date: rule holidays and special closures. */
export function nyseHolidays(year: number): Holiday[] {
  return nyseYear(year).holidays.map((holiday) => ({ ...holiday }));
}

/** The NYSE's 13:00 early closes of `year`, by date. */
export function nyseEarlyCloses(year: number): EarlyClose[] {
  return nyseYear(year).earlyCloses.map((earlyClose) => ({ ...earlyClose }));
}

function yearOf(isoDay: string): number | undefined {
  const match = ISO_DAY.exec(isoDay);
  return match ? Number(match[1]) : undefined;
}

/** The NYSE closure on an ISO date ("YYYY-MM-DD"), if any. */
export function nyseHolidayOn(isoDay: string): Holiday | undefined {
  const year = yearOf(isoDay);
  if (year === undefined) return undefined;
  return nyseYear(year).holidays.find((holiday) => holiday.date === isoDay);
}

/** The NYSE early close on an ISO date ("YYYY-MM-DD"), if any. */
export function nyseEarlyCloseOn(isoDay: string): EarlyClose | undefined {
  const year = yearOf(isoDay);
  if (year === undefined) return undefined;
  return nyseYear(year).earlyCloses.find((earlyClose) => earlyClose.date === isoDay);
}
