/**
 * db-restore-guard: the runbook's preconditions for a database restore, checked on what the
 * update declares. A forensic copy of the current database comes first; the restore point is in
 * the past and within the backup retention; the affected color's bots do not trade live; the
 * restore creates a new database or server and never overwrites the live one; and it says why.
 * The same for every engine (PostgreSQL, InfluxDB, SQL Server), each restore with a forensic copy
 * of its own engine's database.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { ClockArgs, PolicyFactoryArgs } from "./factory";
import { engineOf, hasRole, shortUrn, waitsFor, type DatabaseEngine } from "../contract/resources";
import { restoresOf, type RestoreFacts } from "./restores";
import { findSwitchRecord, tradingModeOf } from "./switchRecord";
import { servicesOf } from "./services";
import { findChangeRecord } from "./changeRecord";

export const DB_RESTORE_GUARD = "db-restore-guard";

const DAY_MS = 86_400_000;

function pointProblem(facts: RestoreFacts, now: Date): string | undefined {
  const key = facts.configKey;
  if (!facts.point) {
    return `declares no restore point; set ${key}.restore.pointInTime, or a fromRelease whose deactivation is recorded in aitb:releaseHistory`;
  }
  const point = new Date(facts.point);
  if (Number.isNaN(point.getTime())) {
    return `has a restore point "${facts.point}" that is not a time; use ISO-8601 with an offset`;
  }
  if (point.getTime() > now.getTime()) {
    return `restores to ${facts.point}, which is in the future (now ${now.toISOString()}); choose a past instant`;
  }
  const days = facts.retentionDays;
  if (days === undefined) {
    return `declares no backup retention, so the restore point cannot be checked; set ${key}.backupRetentionDays`;
  }
  const oldest = new Date(now.getTime() - days * DAY_MS);
  if (point.getTime() < oldest.getTime()) {
    return `restores to ${facts.point}, older than the backup retention of ${days} days (oldest restorable ${oldest.toISOString()}); choose a later instant`;
  }
  return undefined;
}

export function restoreProblemsOf(
  facts: RestoreFacts<PolicyResource>,
  resources: readonly PolicyResource[],
  now: Date,
): string[] {
  const problems: string[] = [];
  const key = facts.configKey;
  // A forensic copy of another engine's database saves nothing of this one.
  const copies = resources.filter(
    (resource) => hasRole(resource, "forensic-copy") && engineOf(resource) === facts.engine,
  );
  if (copies.length === 0) {
    problems.push(
      `has no forensic copy of the current database declared before it; declare one (the program does with every ${key}.restore)`,
    );
  } else if (!copies.some((copy) => waitsFor(facts.resource, copy))) {
    problems.push(
      `is not ordered after the forensic copy (${copies.map((copy) => shortUrn(copy.urn)).join(", ")}); make it depend on the copy so the current state is saved first`,
    );
  }
  const point = pointProblem(facts, now);
  if (point) problems.push(point);
  if (!facts.color) {
    problems.push(`names no color to repoint; set ${key}.restore.color`);
  } else {
    const record = findSwitchRecord(resources);
    const liveBots = servicesOf(resources).filter(
      (view) =>
        view.service === "bot" &&
        view.color === facts.color &&
        tradingModeOf(view, record) === "live",
    );
    for (const bot of liveBots) {
      problems.push(
        `affects the ${facts.color} color, whose bot ${bot.label} trades live; restore into the standby color (${key}.restore.color), whose bot trades paper or is suspended`,
      );
    }
  }
  if (!facts.target || !facts.live) {
    problems.push(
      "does not say both its target and the live database, so an in-place restore cannot be ruled out",
    );
  } else if (facts.target === facts.live) {
    problems.push(
      `targets the live database ${facts.live} in place; restore into a new database or server (${key}.restore.target) and repoint the services`,
    );
  }
  if (!facts.reason) problems.push(`carries no reason; set ${key}.restore.reason`);
  if (!facts.incident) problems.push(`carries no incident id; set ${key}.restore.incident`);
  return problems;
}

export function dbRestoreGuard(args: PolicyFactoryArgs & ClockArgs = {}): StackValidationPolicy {
  const now = args.now ?? (() => new Date());
  return {
    name: DB_RESTORE_GUARD,
    description:
      "A database restore needs a forensic copy first, a restore point within the backup retention, no live bot on the affected color, a new target, a reason and an incident.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    validateStack: (stack, reportViolation) => {
      const at = now();
      // A restore the stack has already performed is not run again: its preconditions were
      // judged when it ran, and the restored color may since have become the live one.
      const lookup = findChangeRecord(stack.resources);
      const performed = (engine: DatabaseEngine): boolean => {
        if (!lookup.found || !lookup.record.deployed) return false;
        const [deployed, desired] = [lookup.record.deployed, lookup.record.desired].map((state) =>
          engine === "postgresql" ? state.restore : state.engineRestores?.[engine],
        );
        return Boolean(deployed) && deployed === desired;
      };
      for (const facts of restoresOf(stack.resources)) {
        if (performed(facts.engine)) continue;
        const target = facts.target ? ` into ${facts.target}` : "";
        for (const problem of restoreProblemsOf(facts, stack.resources, at)) {
          reportViolation(`the restore${target} ${problem}`, facts.resource.urn);
        }
      }
    },
  };
}
