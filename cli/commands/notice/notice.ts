import {
  describeResults,
  rankFailures,
  type HealthResult,
} from "../../../components/health/checks";
import type { ParsedStackConfig } from "../../../config/schema";
import { triggerById } from "../../../domain/change";
import { otherColor } from "../../../domain/colors";
import { resolveRestorePoint } from "../../../domain/restore";
import { ENGINE_NAMES, engineRestorePoint, type EngineKey } from "../../../domain/influxRestore";
import { resolveServiceSettings } from "../../../domain/deployment";
import { SERVICE_NAMES, type ServiceName } from "../../../domain/services";
import type { Plan } from "../../engine/plan";
import {
  botReports,
  claimsLive,
  describeBot,
  twoLiveBots,
  type BotReport,
} from "../verify/observations";
import { previousLive } from "../../shared/releaseHistory";
import { commandLine } from "../../../domain/quote";
import { isoInstant } from "../../shared/time";
import { emergencyExpiryAdvice } from "./emergencyAdvice";
import { restoreSwitchArgs } from "../../shared/restoreSwitch";

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
  /** Results of `aitb verify`, when it ran: the only source of the status (services, trading, data). */
  verification?: HealthResult[];
  /** The check of a declared database restore (row counts, latest trades), when one ran. */
  restoreCheck?: { ok: boolean; detail: string };
  teamLead?: string;
  /** When the notice is written: the emergency's advice depends on the session open then. */
  now?: Date;
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

function verifyCommands(stack: string): string {
  return `${commandLine(["aitb", "notice", "--stack", stack, "--verify"])} (or ${commandLine(["aitb", "verify", "--stack", stack])})`;
}

/** How a bot that is not live reported itself, in the template's words. */
function notLive(bot: BotReport): string {
  if (!bot.observed) return `${bot.name} ${describeBot(bot)}`;
  const mode = bot.observed.tradingMode;
  if (mode === "paper") return `${bot.name} in PAPER_MODE`;
  if (mode === "suspended") return `${bot.name} SUSPENDED`;
  return `${bot.name} reports trading mode ${mode ?? "(none)"}`;
}

/** Trading, from what the bots reported; the config's intent is never a status. */
function tradingStatus(input: NoticeInput): string {
  const { plan, verification } = input;
  if (!verification) return `UNVERIFIED: no bot was observed; run ${verifyCommands(plan.stack)}`;
  const alarm = twoLiveBots(verification, plan.activeColor);
  if (alarm) return `ACTIVE: ${alarm.subject}: ${alarm.nextAction}`;
  const bots = botReports(verification);
  const live = bots.find((bot) => bot.observed && claimsLive(bot.observed));
  if (live?.observed) {
    const how =
      live.observed.tradingMode === "live"
        ? `trades live${live.observed.release ? ` on ${live.observed.release}` : ""}`
        : `holds the trading lease in mode ${live.observed.tradingMode ?? "(none)"}`;
    const stray =
      live.color === plan.activeColor
        ? ""
        : ` although the switch record names ${plan.activeColor}`;
    const others = bots.filter((bot) => bot !== live).map(notLive);
    return `ACTIVE: ${live.name} ${how}${stray}; ${others.join("; ")}`;
  }
  const seen = bots.map(notLive).join(", ");
  return bots.every((bot) => bot.observed)
    ? `SUSPENDED: no bot trades live (${seen})`
    : `UNVERIFIED: no bot was seen trading live, but not every bot was observed (${seen})`;
}

function restoreDescription(
  plan: Plan,
  config: ParsedStackConfig,
  restore: NonNullable<ParsedStackConfig["database"]["restore"]>,
): string {
  const restored = (plan.outputs.databases as Record<string, unknown> | undefined)?.restored;
  const target =
    typeof restored === "string"
      ? restored
      : resolveRestorePoint(config.database, restore, config.releaseHistory).target;
  const from = restore.pointInTime
    ? `the state at ${restore.pointInTime}`
    : `the snapshot of release ${restore.fromRelease}`;
  return `restore of ${restore.color}'s database into ${target} from ${from}`;
}

/**
 * The engine restores this change is about: one not performed yet, or one of this change's
 * incident. A restore an earlier incident completed stays declared (its database is live now)
 * and is no news to the notice.
 */
function engineRestoresOf(config: ParsedStackConfig) {
  return (Object.keys(ENGINE_NAMES) as EngineKey[]).flatMap((key) => {
    const engine = config[key];
    const restore = engine?.restore;
    const current =
      restore && (!restore.performedAt || restore.incident === config.change.incident);
    return engine && restore && current ? [{ key, engine, restore }] : [];
  });
}

/**
 * What each declared engine restore does, in words. `aitb verify` checks only the PostgreSQL
 * restore against its manifest; an engine's restore is compared by hand (`aitb drill influxdb`
 * shows the point counts per measurement), so it keeps the notice at CHECKING until then.
 */
function engineRestoreDescriptions(plan: Plan, config: ParsedStackConfig): string[] {
  const deployed = (
    plan.outputs.deployed as { engineRestores?: Record<string, string> } | undefined
  )?.engineRestores;
  return engineRestoresOf(config).map(({ key, engine, restore }) => {
    const recorded = deployed?.[key]?.split(":", 2)[1];
    const target = recorded ?? engineRestorePoint(engine, restore, config.releaseHistory).target;
    const from = restore.pointInTime
      ? `the newest backup at or before ${restore.pointInTime}`
      : `the backup of release ${restore.fromRelease}`;
    return `${ENGINE_NAMES[key]} restore of ${restore.color} into ${target} from ${from} (not checked by aitb verify: compare it with the live database's counts)`;
  });
}

function usesDatabase(config: ParsedStackConfig, service: string | undefined): boolean {
  return (
    (SERVICE_NAMES as readonly string[]).includes(service ?? "") &&
    resolveServiceSettings(config, service as ServiceName).usesDatabase
  );
}

/**
 * Data integrity, from observation only: VERIFIED when every check of a database-using service
 * of the active color passed and a declared restore was checked; COMPROMISED when one failed.
 */
function dataIntegrity(input: NoticeInput): string {
  const { plan, config, verification, restoreCheck } = input;
  const restore = config.database.restore;
  const snapshots = (plan.outputs.backupLocations as Record<string, unknown> | undefined)
    ?.databaseSnapshots;
  const engines = engineRestoreDescriptions(plan, config);
  const change = [
    restore
      ? restoreDescription(plan, config, restore)
      : engines.length === 0
        ? `this rollback changes no database${typeof snapshots === "string" ? `; pre-switch snapshot kept at ${snapshots}` : ""}`
        : "",
    ...engines,
  ]
    .filter(Boolean)
    .join("; ");
  const databaseChecks = (verification ?? []).filter(
    (result) =>
      result.color === plan.activeColor &&
      result.kind !== "route" &&
      usesDatabase(config, result.service),
  );
  const failed = databaseChecks.filter((result) => !result.ok);
  const restoreFailed = restore !== undefined && restoreCheck !== undefined && !restoreCheck.ok;
  if (failed.length > 0 || restoreFailed) {
    const problems = [
      ...(failed.length > 0
        ? [`failed on ${plan.activeColor}: ${describeResults(failed, ", ")}`]
        : []),
      ...(restoreFailed ? [`the restore check failed: ${restoreCheck.detail}`] : []),
    ];
    return `COMPROMISED: ${problems.join("; ")}; ${change}`;
  }
  if (!verification) return `CHECKING: not verified; run ${verifyCommands(plan.stack)}; ${change}`;
  if (databaseChecks.length === 0) {
    return `CHECKING: no check of a service that uses the database ran on ${plan.activeColor}; ${change}`;
  }
  const passed = `every check of the services that use the database on ${plan.activeColor} passed (${databaseChecks.length})`;
  if (restore && !restoreCheck) return `CHECKING: ${change} not checked yet; ${passed}`;
  if (engines.length > 0) return `CHECKING: ${change}; ${passed}`;
  return `VERIFIED: ${passed}${restore && restoreCheck ? `; restore checked: ${restoreCheck.detail}` : ""}; ${change}`;
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

/**
 * Fill the runbook's notice from the change record (aitb:change) and the plan of the stack; the
 * status (services, trading, data integrity) only from what the verification observed.
 */
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
  const engineRestores = engineRestoresOf(config);
  const incident = change.incident ?? "(none recorded in aitb:change.incident)";

  const type = [
    change.class.toUpperCase(),
    switched ? `blue/green switch ${previous.color} → ${current.color}` : "no switch",
    previous.release !== current.release ? `release ${previous.release} → ${current.release}` : "",
    restore ? `database restore on ${restore.color}` : "",
    ...engineRestores.map(
      ({ key, restore: declared }) => `${ENGINE_NAMES[key]} restore on ${declared.color}`,
    ),
  ].filter(Boolean);
  const pending = [restore, ...engineRestores.map((engine) => engine.restore)].find(
    (declared) => declared !== undefined && declared.color !== plan.activeColor,
  );

  const alarm = input.verification && twoLiveBots(input.verification, plan.activeColor);
  const nextSteps = [
    ...(alarm ? [`${alarm.subject}: ${alarm.nextAction}`] : []),
    input.verification
      ? `Post-rollback verification ran: ${input.verification.filter((r) => r.ok).length}/${input.verification.length} checks passed; re-run ${commandLine(["aitb", "verify", "--stack", plan.stack])} after any further change`
      : `Run the post-rollback verification: ${commandLine(["aitb", "verify", "--stack", plan.stack])}`,
    pending
      ? `Check the restored database${(restore ? 1 : 0) + engineRestores.length > 1 ? "s" : ""} of ${pending.color} (${restore ? "aitb verify reports PostgreSQL's against its snapshot's manifest" : "compare the counts with the live database"}), then switch to it: ${commandLine(restoreSwitchArgs({ stack: plan.stack, color: pending.color, change }))}`
      : `Keep ${otherColor(plan.activeColor)} @ ${plan.releases[otherColor(plan.activeColor)]} deployed as the warm standby for forensics; do not re-pin it until the root cause is known`,
    `Full incident report with root cause analysis for ${incident}${changedAt ? ` by ${at(changedAt, 4)}` : " within 4 hours"}`,
  ];
  if (change.class === "emergency" && change.expires) {
    nextSteps.push(
      emergencyExpiryAdvice({
        stack: plan.stack,
        expires: change.expires,
        now: input.now ?? new Date(),
      }),
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
      trading: tradingStatus(input),
      dataIntegrity: dataIntegrity(input),
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
