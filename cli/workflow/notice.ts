import { describeResults, rankFailures, type HealthResult } from "../../components/health/checks";
import type { ParsedStackConfig } from "../../config/schema";
import { triggerById } from "../../domain/change";
import { otherColor } from "../../domain/colors";
import { resolveRestorePoint } from "../../domain/restore";
import { tradingModeFor } from "../../domain/deployment";
import type { Plan } from "../plan/plan";
import { previousLive } from "./releaseHistory";
import { commandLine } from "../../domain/quote";
import { isoInstant } from "./time";

/** The seed runbook's team-communication template, filled in. */
export interface RollbackNotice {
  subject: string;
  details: {
    rollbackTime: string;
    triggerReason: string;
    environment: string;
    rollbackType: string;
    previousVersion: string;
    currentVersion: string;
  };
  status: {
    services: string;
    trading: string;
    dataIntegrity: string;
  };
  nextSteps: string[];
  teamLead: string;
  incident: string;
  stakeholders: { when: string; by?: string; who: string }[];
}

const ENVIRONMENT_NAMES: Record<string, string> = {
  prod: "PRODUCTION",
  staging: "STAGING",
  dev: "DEVELOPMENT",
};

const HOUR_MS = 3_600_000;

export interface NoticeInput {
  plan: Plan;
  config: ParsedStackConfig;
  /** What the stack had live before, when the base config is known (`--base`). */
  previous?: { color: string; release: string };
  /** Results of `aitb verify`, when it ran. */
  verification?: HealthResult[];
  teamLead?: string;
}

function servicesStatus(input: NoticeInput): string {
  const { plan, verification } = input;
  const where = `inference, bot, webapp, dashboard, notifier on ${plan.activeColor} @ ${plan.releases[plan.activeColor]}`;
  if (!verification) {
    return `UNVERIFIED: ${where}; run ${commandLine(["aitb", "verify", "--stack", plan.stack])}`;
  }
  const { failures, warnings } = rankFailures(verification);
  if (failures.length === 0 && warnings.length === 0) {
    return `RUNNING: ${where}; all ${verification.length} checks passed`;
  }
  if (failures.length === 0) {
    return `RUNNING: ${where}; standby not healthy: ${describeResults(warnings, ", ")}`;
  }
  const state = failures.length === verification.length ? "DOWN" : "DEGRADED";
  return `${state}: ${where}; failed: ${describeResults(failures, ", ")}`;
}

function tradingStatus(plan: Plan, config: ParsedStackConfig): string {
  const standby = otherColor(plan.activeColor);
  const standbyMode = tradingModeFor(config, standby);
  return `ACTIVE: bot-${plan.activeColor} trades live on ${plan.releases[plan.activeColor]}; bot-${standby} ${standbyMode === "paper" ? "in PAPER_MODE" : "SUSPENDED"}`;
}

function dataIntegrity(plan: Plan, config: ParsedStackConfig): string {
  const restore = config.database.restore;
  if (!restore) {
    const snapshots = (plan.outputs.backupLocations as Record<string, unknown> | undefined)
      ?.databaseSnapshots;
    return `UNCHANGED: this rollback changes no database${typeof snapshots === "string" ? `; pre-switch snapshot kept at ${snapshots}` : ""}`;
  }
  const restored = (plan.outputs.databases as Record<string, unknown> | undefined)?.restored;
  const target =
    typeof restored === "string"
      ? restored
      : resolveRestorePoint(config.database, restore, config.releaseHistory).target;
  const from = restore.pointInTime
    ? `the state at ${restore.pointInTime}`
    : `the snapshot of release ${restore.fromRelease}`;
  return `CHECKING: ${restore.color}'s database restored into ${target} from ${from}; a forensic copy of the live database was taken first`;
}

function previousVersion(input: NoticeInput): { color: string; release: string } {
  if (input.previous) return input.previous;
  const { plan, config } = input;
  const history = config.releaseHistory;
  const latest = history[history.length - 1];
  const live = { color: plan.activeColor, release: plan.releases[plan.activeColor] };
  if (!latest || latest.release !== live.release || latest.color !== live.color) return live;
  const before = previousLive(history);
  return before ? { color: before.color, release: before.release } : live;
}

function titleCase(word: string): string {
  return word.charAt(0) + word.slice(1).toLowerCase();
}

function at(base: Date | undefined, hours: number): string | undefined {
  return base ? isoInstant(new Date(base.getTime() + hours * HOUR_MS)) : undefined;
}

/** Fill the runbook's notice from the change record (aitb:change) and the plan of the stack. */
export function buildNotice(input: NoticeInput): RollbackNotice {
  const { plan, config } = input;
  const change = config.change;
  const changedAt = change.at ? new Date(change.at) : undefined;
  const environment = ENVIRONMENT_NAMES[config.environment] ?? config.environment.toUpperCase();
  const previous = previousVersion(input);
  const current = { color: plan.activeColor, release: plan.releases[plan.activeColor] };
  const switched = previous.color !== current.color;
  const trigger = change.trigger ? triggerById(change.trigger) : undefined;
  const restore = config.database.restore;
  const incident = change.incident ?? "(none recorded in aitb:change.incident)";

  const type = [
    change.class.toUpperCase(),
    switched ? `blue/green switch ${previous.color} → ${current.color}` : "no switch",
    previous.release !== current.release ? `release ${previous.release} → ${current.release}` : "",
    restore ? `database restore on ${restore.color}` : "",
  ].filter(Boolean);

  const nextSteps = [
    input.verification
      ? `Post-rollback verification ran: ${input.verification.filter((r) => r.ok).length}/${input.verification.length} checks passed; re-run ${commandLine(["aitb", "verify", "--stack", plan.stack])} after any further change`
      : `Run the post-rollback verification: ${commandLine(["aitb", "verify", "--stack", plan.stack])}`,
    restore && restore.color !== plan.activeColor
      ? `Check the restored database of ${restore.color} (row counts, latest trades and orders), then switch to it: ${commandLine(["aitb", "rollback", "--stack", plan.stack, "--class", change.class, "--reason", change.reason, "--incident", incident, "--to", restore.color])}`
      : `Keep ${otherColor(plan.activeColor)} @ ${plan.releases[otherColor(plan.activeColor)]} deployed as the warm standby for forensics; do not re-pin it until the root cause is known`,
    `Full incident report with root cause analysis for ${incident}${changedAt ? ` by ${at(changedAt, 4)}` : " within 4 hours"}`,
  ];
  if (change.class === "emergency" && change.expires) {
    nextSteps.push(
      `The emergency change expires at ${change.expires}; replace it with a planned change before then`,
    );
  }
  return {
    subject: `${change.class === "planned" ? "[PLANNED]" : "[URGENT]"} AITB ${titleCase(environment)} Rollback Executed`,
    details: {
      rollbackTime: change.at ?? "not recorded (aitb:change.at is empty)",
      triggerReason: trigger ? `${change.reason} (trigger: ${trigger.description})` : change.reason,
      environment: `${environment} (stack ${plan.stack}, ${plan.target})`,
      rollbackType: type.join(", "),
      previousVersion: `${previous.release} (${previous.color})`,
      currentVersion: `${current.release} (${current.color})`,
    },
    status: {
      services: servicesStatus(input),
      trading: tradingStatus(plan, config),
      dataIntegrity: dataIntegrity(plan, config),
    },
    nextSteps,
    teamLead: input.teamLead ?? change.requestedBy,
    incident,
    stakeholders: [
      { when: "Immediately", by: at(changedAt, 0), who: "Trading team, DevOps team, Management" },
      {
        when: "Within 1 hour",
        by: at(changedAt, 1),
        who: "Compliance, Risk management, External partners",
      },
      {
        when: "Within 4 hours",
        by: at(changedAt, 4),
        who: "Full incident report with root cause analysis",
      },
    ],
  };
}
