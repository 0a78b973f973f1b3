import { DateTime } from "luxon";
import { isIsoDate, nextSessionOpen, sessionAt, type MarketCalendar } from "../calendar";

/** A session of the day, in epoch microseconds: [opensUs, closesUs). */
export interface SessionSpan {
  opensUs: number;
  closesUs: number;
}

/** One trading day by a market calendar: its bounds and its sessions, in epoch microseconds. */
export interface TradingDayFrame {
  day: string;
  timeZone: string;
  calendar: string;
  /** Local midnight of the day in the calendar's zone. */
  startUs: number;
  /** The next local midnight, or the last session's close when a session crosses it. */
  endUs: number;
  sessions: SessionSpan[];
}

const US_PER_MS = 1000;

/**
 * The sessions that open on `day` (YYYY-MM-DD in the calendar's zone), holidays and early closes
 * included, found through the calendar's own `nextSessionOpen` and `sessionAt`.
 */
export function tradingDayFrame(calendar: MarketCalendar, day: string): TradingDayFrame {
  if (!isIsoDate(day)) throw new Error(`expected a day "YYYY-MM-DD", got "${day}"`);
  const start = DateTime.fromISO(day, { zone: calendar.timeZone }).startOf("day");
  const end = start.plus({ days: 1 });
  const sessions: SessionSpan[] = [];
  let cursor = new Date(start.toMillis() - 1);
  for (;;) {
    const opens = nextSessionOpen(calendar, cursor);
    if (!opens || opens.getTime() >= end.toMillis()) break;
    const state = sessionAt(calendar, opens);
    const closes = state.closesAt as Date;
    sessions.push({ opensUs: opens.getTime() * US_PER_MS, closesUs: closes.getTime() * US_PER_MS });
    cursor = new Date(closes.getTime() - 1);
  }
  const lastClose = sessions.at(-1)?.closesUs ?? 0;
  return {
    day,
    timeZone: calendar.timeZone,
    calendar: calendar.name,
    startUs: start.toMillis() * US_PER_MS,
    endUs: Math.max(end.toMillis() * US_PER_MS, lastClose),
    sessions,
  };
}

/** Every interval start the sessions of the day hold, for candles of `minutes` minutes. */
export function intervalStarts(frame: TradingDayFrame, minutes: number): number[] {
  const step = minutes * 60_000_000;
  const starts: number[] = [];
  for (const session of frame.sessions) {
    const first = Math.ceil(session.opensUs / step) * step;
    for (let at = first; at + step <= session.closesUs; at += step) starts.push(at);
  }
  return starts;
}

/** An epoch-microsecond instant as ISO-8601 UTC, microseconds kept. */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / US_PER_MS);
  const rest = us - ms * US_PER_MS;
  const iso = new Date(ms).toISOString();
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, "0")}Z`;
}
