/**
 * market-hours-change-window: a change to routing, to a color's release pin or to the database
 * waits for the market to close, unless it is urgent and says why; freeze windows let only
 * rollbacks to a known-good release through. Updates that change none of these are never blocked.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { freezeAt, sessionAt, type MarketCalendar } from "../domain/calendar";
import { changeBetween, type DeployedState, type DeploymentChange } from "../domain/deployed";
import type { ChangeRecord } from "../config/schema";
import { findChangeRecord, type ChangeRecordView } from "./changeRecord";
import type { ClockArgs, PolicyFactoryArgs } from "./factory";

export const MARKET_HOURS_CHANGE_WINDOW = "market-hours-change-window";

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
  if (change.database) parts.push("the database");
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
): string | undefined {
  const change = changeBetween(record.deployed, record.desired);
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
  args: PolicyFactoryArgs & ClockArgs = {},
): StackValidationPolicy {
  const now = args.now ?? (() => new Date());
  return {
    name: MARKET_HOURS_CHANGE_WINDOW,
    description:
      "Routing, release-pin and database changes wait for the market to close unless they are urgent, with a reason and an incident (and an unexpired expiry for emergencies); freeze windows admit only rollbacks to a known-good release.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
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
      if (!record.calendar) return;
      const denial = changeWindowDenial(record, record.calendar, now());
      if (denial) reportViolation(denial, record.urn);
    },
  };
}
