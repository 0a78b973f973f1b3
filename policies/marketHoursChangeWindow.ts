/**
 * market-hours-change-window: a change that touches trading waits for the market to close, unless
 * it is urgent and says why; freeze windows let only rollbacks to a known-good release through.
 * What counts is the content of the change, not the keys it is written with: routing, a release
 * pin, a bot, the database (identity, restore, sku, tier, storage, retention, geo-backup, ...), the
 * proxy image, the health gate, and the pack's own rules. Updates that change none of these are
 * never blocked.
 *
 * The calendar is the pack's (policies/config.json `marketCalendars`, by the environment the
 * stack's name maps to), never the stack file's.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { freezeAt, sessionAt, type FreezeWindow, type MarketCalendar } from "../domain/calendar";
import { changeBetween, type DeployedState, type DeploymentChange } from "../domain/deployed";
import type { ChangeRecord } from "../config/schema";
import { findChangeRecord, type ChangeRecordView } from "./changeRecord";
import {
  rulesOf,
  settingsOf,
  type ClockArgs,
  type PolicyFactoryArgs,
  type RulesArgs,
} from "./factory";
import { stackOfUrn } from "../contract/resources";
import { calendarOf, judgedEnvironment, RULES_FILE } from "./rules";

export const MARKET_HOURS_CHANGE_WINDOW = "market-hours-change-window";

export interface MarketHoursSettings {
  /** Environment -> calendar: a name ("nyse") or a calendar object. No entry: no sessions. */
  marketCalendars: Record<string, unknown>;
  /** Freeze windows added to every calendar: [{start, end, reason}]. */
  freezeWindows: FreezeWindow[];
}

const DEFAULTS: MarketHoursSettings = { marketCalendars: { prod: "nyse" }, freezeWindows: [] };

function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** What the change touches, for messages: "routing (green -> blue), the blue pin (a -> b)". */
export function describeChange(
  change: DeploymentChange,
  deployed: DeployedState | undefined,
  desired: DeployedState,
): string {
  if (!deployed) return "a new stack (routing, both pins and the database)";
  const parts: string[] = [];
  if (change.routing) parts.push(`routing (${deployed.activeColor} -> ${desired.activeColor})`);
  for (const color of change.repinned) {
    parts.push(`the ${color} pin (${deployed.releases[color]} -> ${desired.releases[color]})`);
  }
  for (const color of change.bots) parts.push(`the ${color} bot`);
  if (change.database) parts.push("the database");
  for (const key of change.databaseSettings) {
    const from = deployed.databaseSettings?.[key];
    const to = desired.databaseSettings?.[key];
    parts.push(
      `the database ${key} (${from === undefined ? "unset" : shown(from)} -> ${to === undefined ? "unset" : shown(to)})`,
    );
  }
  if (change.proxyImage) {
    parts.push(`the proxy image (${deployed.proxyImage} -> ${desired.proxyImage})`);
  }
  if (change.healthGate) parts.push("the health gate");
  if (change.rules) parts.push(`the policy pack's rules (${RULES_FILE})`);
  return parts.join(", ");
}

/** An instant as ISO-8601 without the milliseconds the clock rarely has. */
function iso(instant: Date): string {
  return instant.toISOString().replace(".000Z", "Z");
}

function urgentProblems(change: ChangeRecord, now: Date): string[] {
  const problems: string[] = [];
  if (!change.reason?.trim()) problems.push("aitb:change.reason (why it cannot wait)");
  if (!change.incident?.trim()) problems.push("aitb:change.incident (the incident id)");
  if (change.class === "emergency") {
    if (!change.expires) {
      problems.push("aitb:change.expires (when the emergency authorisation ends)");
    } else if (new Date(change.expires).getTime() <= now.getTime()) {
      problems.push(`a new aitb:change.expires: ${change.expires} has passed (now ${iso(now)})`);
    }
  }
  return problems;
}

/** Why the change may not proceed now, or undefined when it may. */
export function changeWindowDenial(
  record: ChangeRecordView,
  calendar: MarketCalendar,
  now: Date,
  rulesDigest?: string,
): string | undefined {
  const change = changeBetween(record.deployed, record.desired, { rulesDigest });
  if (change.none) return undefined;
  const what = describeChange(change, record.deployed, record.desired);
  const freeze = freezeAt(calendar, now);
  if (freeze && !change.toKnownGood) {
    return (
      `${what} during the freeze window "${freeze.reason}" (${freeze.start} to ${freeze.end}); ` +
      `only a rollback to a release that was live before may proceed: pin a known-good release ` +
      `(aitb:releaseHistory) or wait until ${freeze.end}`
    );
  }
  const session = sessionAt(calendar, now);
  if (!session.open) return undefined;
  const closes = session.closesAt ? `, closes ${iso(session.closesAt)}` : "";
  const during = `during a trading session (${session.reason}${closes})`;
  const klass = record.change.class;
  if (klass === "planned") {
    return (
      `a planned change to ${what} ${during}; schedule it after the ` +
      `close, or if it cannot wait set aitb:change.class to "immediate" (or "emergency" with ` +
      `aitb:change.expires) with a reason and aitb:change.incident`
    );
  }
  const problems = urgentProblems(record.change, now);
  if (problems.length === 0) return undefined;
  return `an ${klass} change to ${what} ${during} needs ${problems.join(", ")}`;
}

export function marketHoursChangeWindow(
  args: PolicyFactoryArgs & ClockArgs & RulesArgs & Partial<MarketHoursSettings> = {},
): StackValidationPolicy {
  const now = args.now ?? (() => new Date());
  const rules = rulesOf(args);
  // The factory's arguments are the policy's defaults; the pack config (getConfig) wins.
  const base = settingsOf(
    DEFAULTS,
    { marketCalendars: args.marketCalendars, freezeWindows: args.freezeWindows },
    {},
  );
  return {
    name: MARKET_HOURS_CHANGE_WINDOW,
    description:
      "Changes to routing, release pins, bots, the database, the proxy image, the health gate or the pack's rules wait for the market to close unless they are urgent, with a reason and an incident (and an unexpired expiry for emergencies); freeze windows admit only rollbacks to a known-good release.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        marketCalendars: {
          type: "object",
          description:
            'Environment -> calendar: a calendar name ("nyse") or a calendar object {name, timeZone, sessions, holidays, earlyCloses, freezeWindows}. An environment without one has no sessions.',
          additionalProperties: { type: ["string", "object"] },
          default: base.marketCalendars,
        },
        freezeWindows: {
          type: "array",
          description: "Freeze windows added to every calendar: [{start, end, reason}].",
          items: {
            type: "object",
            properties: {
              start: { type: "string" },
              end: { type: "string" },
              reason: { type: "string" },
            },
            required: ["start", "end", "reason"],
          },
          default: base.freezeWindows,
        },
      },
    },
    validateStack: (stack, reportViolation) => {
      const lookup = findChangeRecord(stack.resources);
      if (!lookup.found) {
        reportViolation(
          lookup.problem
            ? `the change record cannot be read: ${lookup.problem}; fix aitb:change in the stack config`
            : "no change record is declared, so the change cannot be judged; deploy with the aitb program, which declares one from aitb:change",
          lookup.urn,
        );
        return;
      }
      const { record } = lookup;
      const settings = settingsOf(base, {}, stack.getConfig<Partial<MarketHoursSettings>>());
      const environment = judgedEnvironment(rules, stackOfUrn(record.urn));
      const ref = settings.marketCalendars[environment];
      if (ref === undefined || ref === null) return;
      const calendar = calendarOf(
        ref,
        settings.freezeWindows,
        `${MARKET_HOURS_CHANGE_WINDOW}.marketCalendars.${environment}`,
      );
      const denial = changeWindowDenial(record, calendar, now(), rules.digest);
      if (denial) reportViolation(denial, record.urn);
    },
  };
}
