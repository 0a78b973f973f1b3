/**
 * Market calendar: when a venue trades, in the venue's own time zone, so that the policy pack can
 * block planned changes during a trading session. Pure: no Pulumi imports. All time-zone and
 * daylight-saving arithmetic is luxon's.
 *
 * Semantics:
 * - A session window belongs to the trading day on which it opens; a window whose close is earlier
 *   than its open crosses midnight and closes on the next calendar day.
 * - A holiday cancels the windows that open on that date.
 * - `holidayRules` adds a venue's rule-computed holidays and early closes for whatever year is
 *   judged (today: `"nyse"`, see `nyseHolidays.ts`) to the listed ones; a listed holiday or early
 *   close on the same date wins.
 * - An early close on a date cuts the windows of that trading day at the given local time; windows
 *   opening at or after it are cancelled.
 * - Windows and freeze windows are half-open: [opensAt, closesAt), [start, end).
 * - A wall-clock time that does not exist (spring-forward gap) or exists twice (fall-back overlap)
 *   resolves the way luxon resolves it; a time in the gap moves forward by the gap's length.
 */
import { DateTime, IANAZone } from "luxon";
import { z } from "zod";
import { NYSE_SPECIAL_CLOSURES, nyseEarlyCloseOn, nyseHolidayOn } from "./nyseHolidays";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface SessionWindow {
  open: string;
  close: string;
}

export interface Holiday {
  date: string;
  name: string;
}

export interface EarlyClose {
  date: string;
  close: string;
  name: string;
}

export interface FreezeWindow {
  start: string;
  end: string;
  reason: string;
}

/** Venues whose holidays and early closes are computed by rule for any year. */
export const HOLIDAY_RULES = ["nyse"] as const;
export type HolidayRules = (typeof HOLIDAY_RULES)[number];

export interface MarketCalendar {
  name: string;
  timeZone: string;
  sessions: Partial<Record<Weekday, SessionWindow[]>>;
  /** Rule-computed holidays and early closes, in addition to the listed ones. */
  holidayRules?: HolidayRules;
  holidays: Holiday[];
  earlyCloses: EarlyClose[];
  freezeWindows: FreezeWindow[];
}

export interface SessionState {
  open: boolean;
  reason: string;
  /** When open: the open of the current window. When closed: the next open within the horizon. */
  opensAt?: Date;
  /** When open: the (possibly early) close of the current window. */
  closesAt?: Date;
}

/** How far ahead `nextSessionOpen` looks. */
export const NEXT_OPEN_HORIZON_DAYS = 14;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

const WALL_CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isWallClockTime(value: string): boolean {
  return WALL_CLOCK_TIME.test(value);
}

export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && DateTime.fromISO(value).isValid;
}

export function isIsoDateTimeWithOffset(value: string): boolean {
  return ISO_DATE_TIME_WITH_OFFSET.test(value) && DateTime.fromISO(value).isValid;
}

export function isTimeZone(value: string): boolean {
  return IANAZone.isValidZone(value);
}

function stringThat(isValid: (value: string) => boolean, expected: string) {
  return z.string().refine(isValid, {
    error: (issue) => `expected ${expected}, got ${JSON.stringify(issue.input)}`,
  });
}

const wallClockTimeSchema = stringThat(isWallClockTime, '"HH:MM" 24-hour time');
const isoDateSchema = stringThat(isIsoDate, 'ISO date "YYYY-MM-DD"');
const isoDateTimeSchema = stringThat(
  isIsoDateTimeWithOffset,
  'ISO date-time with offset, e.g. "2026-12-24T13:00:00-05:00"',
);
const timeZoneSchema = stringThat(isTimeZone, 'IANA time zone, e.g. "America/New_York"');
const nonEmptyText = stringThat((value) => value.trim() !== "", "non-empty text");

const sessionWindowSchema = z
  .object({ open: wallClockTimeSchema, close: wallClockTimeSchema })
  .refine((window) => window.open !== window.close, {
    error: (issue) =>
      `expected open and close to differ (close before open crosses midnight), got ${JSON.stringify(issue.input)}`,
  });

const daySessionsSchema = z.array(sessionWindowSchema).optional();

const sessionsSchema = z.strictObject(
  {
    mon: daySessionsSchema,
    tue: daySessionsSchema,
    wed: daySessionsSchema,
    thu: daySessionsSchema,
    fri: daySessionsSchema,
    sat: daySessionsSchema,
    sun: daySessionsSchema,
  } satisfies Record<Weekday, typeof daySessionsSchema>,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `expected weekday keys (${WEEKDAYS.join(", ")}), got ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}`
        : undefined,
  },
);

const holidaySchema = z.object({ date: isoDateSchema, name: nonEmptyText });

const holidayRulesSchema = z.enum(HOLIDAY_RULES, {
  error: (issue) =>
    `expected holiday rules ${HOLIDAY_RULES.map((rules) => JSON.stringify(rules)).join(" or ")}, got ${JSON.stringify(issue.input)}`,
});

const earlyCloseSchema = z.object({
  date: isoDateSchema,
  close: wallClockTimeSchema,
  name: nonEmptyText,
});

const freezeWindowSchema = z
  .object({ start: isoDateTimeSchema, end: isoDateTimeSchema, reason: nonEmptyText })
  .refine((window) => !endsBeforeItStarts(window), {
    error: (issue) => `expected end after start, got ${JSON.stringify(issue.input)}`,
    path: ["end"],
  });

function endsBeforeItStarts(window: { start: string; end: string }): boolean {
  if (!isIsoDateTimeWithOffset(window.start) || !isIsoDateTimeWithOffset(window.end)) {
    return false; // the field-level checks report these
  }
  return instantMillis(window.end) <= instantMillis(window.start);
}

export const marketCalendarSchema = z
  .object({
    name: nonEmptyText,
    timeZone: timeZoneSchema,
    sessions: sessionsSchema,
    holidayRules: holidayRulesSchema.optional(),
    holidays: z.array(holidaySchema).default([]),
    earlyCloses: z.array(earlyCloseSchema).default([]),
    freezeWindows: z.array(freezeWindowSchema).default([]),
  })
  .superRefine((calendar, context) => {
    calendar.earlyCloses.forEach((earlyClose, index) => {
      const holiday = holidayOnDate(calendar, earlyClose.date);
      if (holiday) {
        context.addIssue({
          code: "custom",
          path: ["earlyCloses", index, "date"],
          message: `expected an early close on a trading day, got ${JSON.stringify(earlyClose.date)}, which is the holiday ${JSON.stringify(holiday.name)}`,
        });
      }
    });
  }) satisfies z.ZodType<MarketCalendar>;

/** Parses an untrusted value; the error lists every problem as `path: message`. */
export function parseMarketCalendar(input: unknown, label = "market calendar"): MarketCalendar {
  const result = marketCalendarSchema.safeParse(input);
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map(
    (issue) => `${[label, ...issue.path.map(String)].join(".")}: ${issue.message}`,
  );
  throw new Error(`invalid ${label}:\n  ${problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------
// Session arithmetic
// ---------------------------------------------------------------------------------------------

/** One concrete window of one trading day, after holidays and early closes are applied. */
interface SessionInterval {
  opensAt: DateTime;
  closesAt: DateTime;
  open: string;
  close: string;
  earlyCloseName?: string;
}

function instantMillis(isoWithOffset: string): number {
  return DateTime.fromISO(isoWithOffset).toMillis();
}

function weekdayOf(day: DateTime): Weekday {
  return WEEKDAYS[day.weekday - 1];
}

function atWallClock(day: DateTime, time: string): DateTime {
  const [hour, minute] = time.split(":").map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

function crossesMidnight(window: SessionWindow): boolean {
  return window.close < window.open;
}

function scheduledIntervals(calendar: MarketCalendar, day: DateTime): SessionInterval[] {
  const windows = calendar.sessions[weekdayOf(day)] ?? [];
  return windows.map((window) => ({
    opensAt: atWallClock(day, window.open),
    closesAt: atWallClock(crossesMidnight(window) ? day.plus({ days: 1 }) : day, window.close),
    open: window.open,
    close: window.close,
  }));
}

interface RuleSet {
  holidayOn(isoDate: string): Holiday | undefined;
  earlyCloseOn(isoDate: string): EarlyClose | undefined;
  /** For `describeCalendar`. */
  summary: string;
}

const RULE_SETS: Record<HolidayRules, RuleSet> = {
  nyse: {
    holidayOn: nyseHolidayOn,
    earlyCloseOn: nyseEarlyCloseOn,
    summary: `NYSE rules (holidays, 13:00 early closes, ${NYSE_SPECIAL_CLOSURES.length} special closures)`,
  },
};

function holidayOnDate(
  calendar: Pick<MarketCalendar, "holidays" | "holidayRules">,
  date: string,
): Holiday | undefined {
  const listed = calendar.holidays.find((holiday) => holiday.date === date);
  if (listed || !calendar.holidayRules) return listed;
  return RULE_SETS[calendar.holidayRules].holidayOn(date);
}

function holidayOn(calendar: MarketCalendar, day: DateTime): Holiday | undefined {
  const date = day.toISODate();
  return date === null ? undefined : holidayOnDate(calendar, date);
}

function earlyCloseOn(calendar: MarketCalendar, day: DateTime): EarlyClose | undefined {
  const date = day.toISODate();
  if (date === null) return undefined;
  const listed = calendar.earlyCloses.find((earlyClose) => earlyClose.date === date);
  if (listed || !calendar.holidayRules) return listed;
  return RULE_SETS[calendar.holidayRules].earlyCloseOn(date);
}

function cutAtEarlyClose(
  intervals: SessionInterval[],
  earlyClose: EarlyClose,
  day: DateTime,
): SessionInterval[] {
  const cutoff = atWallClock(day, earlyClose.close);
  return intervals
    .filter((interval) => interval.opensAt < cutoff)
    .map((interval) =>
      interval.closesAt > cutoff
        ? {
            ...interval,
            closesAt: cutoff,
            close: earlyClose.close,
            earlyCloseName: earlyClose.name,
          }
        : interval,
    );
}

/** The windows that open on `day` (a start of day in the calendar's zone). */
function tradingDayIntervals(calendar: MarketCalendar, day: DateTime): SessionInterval[] {
  if (holidayOn(calendar, day)) {
    return [];
  }
  const scheduled = scheduledIntervals(calendar, day);
  const earlyClose = earlyCloseOn(calendar, day);
  const intervals = earlyClose ? cutAtEarlyClose(scheduled, earlyClose, day) : scheduled;
  return intervals
    .filter((interval) => interval.closesAt > interval.opensAt)
    .sort((a, b) => a.opensAt.toMillis() - b.opensAt.toMillis());
}

function contains(interval: SessionInterval, moment: DateTime): boolean {
  return interval.opensAt <= moment && moment < interval.closesAt;
}

function localMoment(calendar: MarketCalendar, instant: Date): DateTime {
  return DateTime.fromJSDate(instant, { zone: calendar.timeZone });
}

function openState(calendar: MarketCalendar, interval: SessionInterval): SessionState {
  const earlyCloseNote = interval.earlyCloseName
    ? ` (early close: ${interval.earlyCloseName})`
    : "";
  return {
    open: true,
    reason: `${calendar.name} open ${interval.open}-${interval.close} ${calendar.timeZone}${earlyCloseNote}`,
    opensAt: interval.opensAt.toJSDate(),
    closesAt: interval.closesAt.toJSDate(),
  };
}

function isWeekend(weekday: Weekday): boolean {
  return weekday === "sat" || weekday === "sun";
}

function closedReason(calendar: MarketCalendar, moment: DateTime): string {
  const today = moment.startOf("day");
  const holiday = holidayOn(calendar, today);
  if (holiday) {
    return `holiday: ${holiday.name}`;
  }
  const earlyClose = earlyCloseOn(calendar, today);
  if (earlyClose && moment >= atWallClock(today, earlyClose.close)) {
    return `after the early close (${earlyClose.close}) of ${earlyClose.name}`;
  }
  const weekday = weekdayOf(today);
  const todays = tradingDayIntervals(calendar, today);
  if (todays.length === 0) {
    return isWeekend(weekday) ? "weekend" : `no session on ${weekday}`;
  }
  return positionAmongIntervals(calendar, todays, moment);
}

function positionAmongIntervals(
  calendar: MarketCalendar,
  todays: SessionInterval[],
  moment: DateTime,
): string {
  const zone = calendar.timeZone;
  const next = todays.find((interval) => interval.opensAt > moment);
  const previous = todays.filter((interval) => interval.closesAt <= moment).at(-1);
  if (!previous && next) {
    return `before the open (${next.open} ${zone})`;
  }
  if (previous && next) {
    return `between sessions (closed ${previous.close}-${next.open} ${zone})`;
  }
  return `after the close (${todays[todays.length - 1].close} ${zone})`;
}

/** Whether the venue is in session at `instant`, and why (or why not). */
export function sessionAt(calendar: MarketCalendar, instant: Date): SessionState {
  const moment = localMoment(calendar, instant);
  const today = moment.startOf("day");
  // A window that crossed midnight yesterday may still be open today.
  const current = [today.minus({ days: 1 }), today]
    .flatMap((day) => tradingDayIntervals(calendar, day))
    .find((interval) => contains(interval, moment));
  if (current) {
    return openState(calendar, current);
  }
  return {
    open: false,
    reason: closedReason(calendar, moment),
    opensAt: nextSessionOpen(calendar, instant),
  };
}

/** The first session open strictly after `instant`, within `NEXT_OPEN_HORIZON_DAYS`. */
export function nextSessionOpen(calendar: MarketCalendar, instant: Date): Date | undefined {
  const moment = localMoment(calendar, instant);
  const horizon = moment.plus({ days: NEXT_OPEN_HORIZON_DAYS });
  const firstDay = moment.startOf("day");
  for (let offset = 0; offset <= NEXT_OPEN_HORIZON_DAYS; offset++) {
    const day = firstDay.plus({ days: offset });
    const next = tradingDayIntervals(calendar, day).find(
      (interval) => interval.opensAt > moment && interval.opensAt <= horizon,
    );
    if (next) {
      return next.opensAt.toJSDate();
    }
  }
  return undefined;
}

/** The freeze window that contains `instant`, if any. */
export function freezeAt(calendar: MarketCalendar, instant: Date): FreezeWindow | undefined {
  const at = instant.getTime();
  return calendar.freezeWindows.find(
    (window) => instantMillis(window.start) <= at && at < instantMillis(window.end),
  );
}

// ---------------------------------------------------------------------------------------------
// Description
// ---------------------------------------------------------------------------------------------

function windowsLabel(windows: SessionWindow[] | undefined): string {
  return (windows ?? []).map((window) => `${window.open}-${window.close}`).join(", ");
}

/** Consecutive weekdays with the same windows, e.g. "mon-fri 09:30-16:00". */
function weeklySummary(calendar: MarketCalendar): string {
  const runs: { first: Weekday; last: Weekday; label: string }[] = [];
  for (const weekday of WEEKDAYS) {
    const label = windowsLabel(calendar.sessions[weekday]);
    const run = runs.at(-1);
    if (run && run.label === label) {
      run.last = weekday;
    } else {
      runs.push({ first: weekday, last: weekday, label });
    }
  }
  const trading = runs.filter((run) => run.label !== "");
  if (trading.length === 0) {
    return "no sessions";
  }
  return trading
    .map((run) => `${run.first === run.last ? run.first : `${run.first}-${run.last}`} ${run.label}`)
    .join("; ");
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** One line for command-line output. */
export function describeCalendar(calendar: MarketCalendar): string {
  const dates = calendar.holidays.map((holiday) => holiday.date).sort();
  const holidaySpan = dates.length > 0 ? ` (${dates[0]}..${dates[dates.length - 1]})` : "";
  const rules = calendar.holidayRules ? `${RULE_SETS[calendar.holidayRules].summary}; ` : "";
  return (
    `${calendar.name} [${calendar.timeZone}]: ${weeklySummary(calendar)}; ${rules}` +
    `${countOf(calendar.holidays.length, "holiday")}${holidaySpan}, ` +
    `${countOf(calendar.earlyCloses.length, "early close")}, ` +
    `${countOf(calendar.freezeWindows.length, "freeze window")}`
  );
}

// ---------------------------------------------------------------------------------------------
// Calendars
// ---------------------------------------------------------------------------------------------

const NYSE_CORE_SESSION: SessionWindow[] = [{ open: "09:30", close: "16:00" }];

/**
 * NYSE core session, 09:30-16:00 America/New_York, with the exchange's holidays, 13:00 early
 * closes and special closures for any year, computed by rule (`nyseHolidays.ts`, which cites
 * NYSE Rule 7.2 and the NYSE Group holiday calendars it reproduces).
 */
export const NYSE_REGULAR: MarketCalendar = {
  name: "NYSE regular session",
  timeZone: "America/New_York",
  sessions: {
    mon: NYSE_CORE_SESSION,
    tue: NYSE_CORE_SESSION,
    wed: NYSE_CORE_SESSION,
    thu: NYSE_CORE_SESSION,
    fri: NYSE_CORE_SESSION,
  },
  holidayRules: "nyse",
  holidays: [],
  earlyCloses: [],
  freezeWindows: [],
};

const CRYPTO_PEAK_WINDOWS: SessionWindow[] = [
  { open: "13:00", close: "17:00" },
  { open: "20:00", close: "01:00" },
];

/** A 24/7 venue whose busiest hours (UTC) are treated as sessions; the evening one crosses midnight. */
export const CRYPTO_PEAK_WINDOWS_EXAMPLE: MarketCalendar = {
  name: "Crypto peak windows",
  timeZone: "UTC",
  sessions: Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, CRYPTO_PEAK_WINDOWS])),
  holidays: [],
  earlyCloses: [],
  freezeWindows: [],
};
