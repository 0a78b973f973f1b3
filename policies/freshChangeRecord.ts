/**
 * fresh-change-record: an update that changes what the change-aware rules judge carries a change
 * record written for it. Its `at` is recent (not older than `maxAgeHours`, not more than
 * `maxFutureMinutes` ahead of the clock); it is not the record the stack was last deployed with
 * (same time, reason and incident); and an emergency's authorisation ends after `at` and within
 * `maxEmergencyHours` of it. The record's shape (one-line free text, a trigger of its class, an
 * expiry after `at`) is checked where it is read, config/schema.ts `changeSchema`.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { changeBetween } from "../domain/deployed";
import { findChangeRecord, type ChangeRecordView } from "./changeRecord";
import {
  rulesOf,
  settingsOf,
  type ClockArgs,
  type PolicyFactoryArgs,
  type RulesArgs,
} from "./factory";

export const FRESH_CHANGE_RECORD = "fresh-change-record";

export interface FreshChangeRecordSettings {
  /** How old `aitb:change.at` may be when the change is applied. */
  maxAgeHours: number;
  /** How far ahead of the clock `aitb:change.at` may be (clock skew between machines). */
  maxFutureMinutes: number;
  /** Longest emergency authorisation: `expires` at most this long after `at`. */
  maxEmergencyHours: number;
}

const DEFAULTS: FreshChangeRecordSettings = {
  maxAgeHours: 24,
  maxFutureMinutes: 5,
  maxEmergencyHours: 8,
};

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

function iso(instant: Date): string {
  return instant.toISOString().replace(".000Z", "Z");
}

/** Every way the record fails the settings, as of `now`. */
export function recordProblems(
  record: ChangeRecordView,
  settings: FreshChangeRecordSettings,
  now: Date,
  rulesDigest?: string,
): string[] {
  const problems: string[] = [];
  const { change } = record;
  const at = Date.parse(change.at);
  if (change.class === "emergency" && change.expires !== undefined) {
    const expires = Date.parse(change.expires);
    const longest = settings.maxEmergencyHours * HOUR_MS;
    // An expiry before `at` is refused where the record is read (changeSchema).
    if (expires - at > longest) {
      problems.push(
        `aitb:change.expires (${change.expires}) is more than ${settings.maxEmergencyHours} h after aitb:change.at (${change.at}); an emergency is time-boxed: set an expiry within ${settings.maxEmergencyHours} h and renew it with a new record if it must go on`,
      );
    }
  }
  const judged = changeBetween(record.deployed, record.desired, { rulesDigest });
  if (judged.none) return problems;
  const oldest = now.getTime() - settings.maxAgeHours * HOUR_MS;
  const newest = now.getTime() + settings.maxFutureMinutes * MINUTE_MS;
  if (at < oldest) {
    problems.push(
      `aitb:change.at (${change.at}) is more than ${settings.maxAgeHours} h before now (${iso(now)}); this change needs a record written for it: set aitb:change.at to the time you write it (aitb rollback does) with its reason`,
    );
  } else if (at > newest) {
    problems.push(
      `aitb:change.at (${change.at}) is more than ${settings.maxFutureMinutes} min after now (${iso(now)}); a record is written when the change is decided, not ahead of it`,
    );
  }
  const last = record.deployed?.change;
  if (
    last &&
    last.at === change.at &&
    last.reason === change.reason &&
    (last.incident ?? "") === (change.incident ?? "")
  ) {
    problems.push(
      `aitb:change is the record the stack was last deployed with (at ${change.at}, "${change.reason}"); a new change needs a new record: set aitb:change with this change's reason, incident and time`,
    );
  }
  return problems;
}

export function freshChangeRecord(
  args: PolicyFactoryArgs & ClockArgs & RulesArgs & Partial<FreshChangeRecordSettings> = {},
): StackValidationPolicy {
  const now = args.now ?? (() => new Date());
  const rules = rulesOf(args);
  // The factory's arguments are the policy's defaults; the pack config (getConfig) wins.
  const base = settingsOf(
    DEFAULTS,
    {
      maxAgeHours: args.maxAgeHours,
      maxFutureMinutes: args.maxFutureMinutes,
      maxEmergencyHours: args.maxEmergencyHours,
    },
    {},
  );
  return {
    name: FRESH_CHANGE_RECORD,
    description:
      "An update that changes routing, pins, bots, the database, the proxy image, the health gate or the rules carries a record written for it: recent, not the last deployed one, and an emergency expiry within bounds after its time.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        maxAgeHours: {
          type: "number",
          minimum: 0,
          default: base.maxAgeHours,
          description: "How old aitb:change.at may be.",
        },
        maxFutureMinutes: {
          type: "number",
          minimum: 0,
          default: base.maxFutureMinutes,
          description: "How far ahead of the clock aitb:change.at may be.",
        },
        maxEmergencyHours: {
          type: "number",
          exclusiveMinimum: 0,
          default: base.maxEmergencyHours,
          description: "Longest emergency: expires at most this long after at.",
        },
      },
    },
    validateStack: (stack, reportViolation) => {
      const lookup = findChangeRecord(stack.resources);
      // An unreadable or missing record is denied by market-hours-change-window already.
      if (!lookup.found) return;
      const settings = settingsOf(base, {}, stack.getConfig<Partial<FreshChangeRecordSettings>>());
      for (const problem of recordProblems(lookup.record, settings, now(), rules.digest)) {
        reportViolation(problem, lookup.record.urn);
      }
    },
  };
}
