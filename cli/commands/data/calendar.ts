import {
  NYSE_REGULAR,
  nextSessionOpen,
  sessionAt,
  type MarketCalendar,
} from "../../../domain/calendar";
import { calendarOf, fileSettings, judgedEnvironment, packRules } from "../../../policies/rules";
import { DateTime } from "luxon";

/**
 * The venue calendar a stack's trading days follow: the market calendar the policy pack's rules
 * name for the stack's environment (policies/config.json), else NYSE's, which the product trades.
 */
export function tradingCalendar(stack: string): MarketCalendar {
  const rules = packRules();
  const settings = fileSettings(rules.config, "market-hours-change-window");
  const calendars = (settings.marketCalendars ?? {}) as Record<string, unknown>;
  const ref = calendars[judgedEnvironment(rules, stack)];
  return ref === undefined ? NYSE_REGULAR : calendarOf(ref, [], "market-hours-change-window");
}

/** The last trading day whose every session had closed by `now`, as YYYY-MM-DD in the venue's zone. */
export function lastClosedTradingDay(calendar: MarketCalendar, now: Date): string {
  let day = DateTime.fromJSDate(now, { zone: calendar.timeZone }).startOf("day");
  for (let back = 0; back < 30; back++, day = day.minus({ days: 1 })) {
    const opens = nextSessionOpen(calendar, new Date(day.toMillis() - 1));
    if (!opens || opens.getTime() >= day.plus({ days: 1 }).toMillis()) continue;
    const closes = sessionAt(calendar, opens).closesAt as Date;
    if (closes.getTime() <= now.getTime()) return day.toISODate() as string;
  }
  throw new Error(`no trading day of ${calendar.name} in the 30 days before ${now.toISOString()}`);
}
