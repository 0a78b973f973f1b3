import {
  sessionAt,
  type MarketCalendar,
  type SessionState,
  type FreezeWindow,
} from "../../../domain/calendar";
import { commandLine } from "../../../domain/quote";
import {
  calendarOf,
  fileSettings,
  judgedEnvironment,
  packRules,
  type PackRules,
} from "../../../policies/rules";
import { MARKET_HOURS_CHANGE_WINDOW } from "../../../policies/marketHoursChangeWindow";
import { isoInstant } from "../../shared/time";

/** How long a renewal asks for: well inside the pack's longest emergency (fresh-change-record). */
export const RENEWAL = "2h";

export interface EmergencyAdviceOptions {
  stack: string;
  expires: string;
  now: Date;
  /** The stack file, when it is not Pulumi.<stack>.yaml. */
  config?: string;
  rules?: PackRules;
}

/** The stack's market calendar under the pack's rules; undefined when its environment has none. */
export function stackCalendar(
  stack: string,
  rules: PackRules = packRules(),
): MarketCalendar | undefined {
  const settings = fileSettings(rules.config, MARKET_HOURS_CHANGE_WINDOW) as {
    marketCalendars?: Record<string, unknown>;
    freezeWindows?: FreezeWindow[];
  };
  const environment = judgedEnvironment(rules, stack);
  const ref = (settings.marketCalendars ?? { prod: "nyse" })[environment];
  if (ref === undefined || ref === null) return undefined;
  return calendarOf(
    ref,
    settings.freezeWindows ?? [],
    `${MARKET_HOURS_CHANGE_WINDOW}.marketCalendars.${environment}`,
  );
}

/** The command that renews the emergency of a stack. */
export function extendCommand(stack: string, config?: string): string {
  return commandLine([
    "aitb",
    "rollback",
    "--stack",
    stack,
    "--extend",
    RENEWAL,
    ...(config ? ["--config", config] : []),
  ]);
}

/**
 * What to do about an emergency before it expires, as something the policies allow then: a
 * planned change is denied while a session is open, so while one is open at the expiry the
 * advice is to renew the emergency; otherwise to replace it with a planned change, after the
 * close when a session is open now.
 */
export function emergencyExpiryAdvice(options: EmergencyAdviceOptions): string {
  const expires = new Date(options.expires);
  const calendar = stackCalendar(options.stack, options.rules);
  const closed: SessionState = { open: false, reason: "no market calendar" };
  const atExpiry = calendar ? sessionAt(calendar, expires) : closed;
  const renew = extendCommand(options.stack, options.config);
  if (atExpiry.open) {
    const closes = atExpiry.closesAt ? ` (closes ${isoInstant(atExpiry.closesAt)})` : "";
    return `The emergency change expires at ${options.expires}, during a trading session${closes} when a planned change is denied; renew it before then with ${renew}`;
  }
  const now = calendar ? sessionAt(calendar, options.now) : closed;
  if (now.open && now.closesAt && now.closesAt.getTime() < expires.getTime()) {
    return `The emergency change expires at ${options.expires}; replace it with a planned change after the close (${isoInstant(now.closesAt)}) and before then, or renew it with ${renew}`;
  }
  return `The emergency change expires at ${options.expires}; replace it with a planned change before then`;
}
