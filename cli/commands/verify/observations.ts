/**
 * What the services said about themselves, as the checks read it, and the findings ranked from
 * it: the facts `aitb verify` prints and the notice's status is written from. Nothing here reads
 * the config: a bot's mode is what it reported, never what the stack intends.
 */
import {
  rankFailures,
  type CheckSeverity,
  type HealthResult,
  type Observation,
} from "../../../components/health/checks";
import { TRADING_PROBES, type TradingProbe } from "../../../contract/tradingChecks";
import { COLORS, type Color } from "../../../domain/colors";

/** A color's bot as its health check read it, or why nothing was read. */
export interface BotReport {
  color: Color;
  /** `bot-<color>`. */
  name: string;
  observed?: Observation;
  /** Why nothing was observed, when `observed` is absent. */
  why?: string;
}

/** Something the on-call must know, most severe first (see rankFindings). */
export interface Finding {
  severity: CheckSeverity;
  /** What is wrong: a check's name, or `TWO LIVE BOTS (bot-blue, bot-green)`. */
  subject: string;
  detail: string;
  nextAction: string;
}

function isHealthCheck(result: HealthResult): boolean {
  return (result.kind ?? "health") === "health";
}

function reportsTrading(observed: Observation): boolean {
  return (
    observed.tradingMode !== undefined ||
    observed.leaseHeld !== undefined ||
    observed.heartbeatAgeSeconds !== undefined
  );
}

/** Each color's bot, from its health check's observation. */
export function botReports(results: readonly HealthResult[]): BotReport[] {
  return COLORS.map((color): BotReport => {
    const name = `bot-${color}`;
    const result = results.find(
      (candidate) =>
        candidate.service === "bot" && candidate.color === color && isHealthCheck(candidate),
    );
    if (!result) return { color, name, why: `no health check of ${name} ran` };
    if (result.observed && reportsTrading(result.observed)) {
      return { color, name, observed: result.observed };
    }
    return {
      color,
      name,
      why: result.ok ? "the check runner reported nothing the bot said" : result.detail,
    };
  });
}

/** Whether a bot says it trades live or holds the trading lease. */
export function claimsLive(observed: Observation): boolean {
  return observed.tradingMode === "live" || observed.leaseHeld === true;
}

/** The bots that say they trade live or hold the lease. */
export function liveBots(results: readonly HealthResult[]): BotReport[] {
  return botReports(results).filter((bot) => bot.observed && claimsLive(bot.observed));
}

/** `mode live on 2026.11.4, lease held (holder bot-blue-7), heartbeat 3 s old`, or why not observed. */
export function describeBot(bot: BotReport): string {
  const observed = bot.observed;
  if (!observed) return `not observed: ${bot.why ?? "no observation"}`;
  const mode = `mode ${observed.tradingMode ?? "not reported"}${observed.release ? ` on ${observed.release}` : ""}`;
  const holder = observed.leaseHolder ? `holder ${observed.leaseHolder}` : "holder not reported";
  const lease =
    observed.leaseHeld === undefined
      ? "lease not reported"
      : `lease ${observed.leaseHeld ? "held" : "not held"} (${holder})`;
  const heartbeat =
    observed.heartbeatAgeSeconds === undefined
      ? "heartbeat not reported"
      : `heartbeat ${observed.heartbeatAgeSeconds} s old`;
  return `${mode}, ${lease}, ${heartbeat}`;
}

/** More than one bot says it is live: critical whatever the checks' own verdicts. */
export function twoLiveBots(
  results: readonly HealthResult[],
  activeColor: Color,
): Finding | undefined {
  const live = liveBots(results);
  if (live.length < 2) return undefined;
  const strays = live.filter((bot) => bot.color !== activeColor).map((bot) => bot.name);
  return {
    severity: "critical",
    subject: `TWO LIVE BOTS (${live.map((bot) => bot.name).join(", ")})`,
    detail: live.map((bot) => `${bot.name}: ${describeBot(bot)}`).join("; "),
    nextAction: `stop ${strays.join(" and ")} now, the switch record names ${activeColor}; then find out why it went live`,
  };
}

function probeOf(kind: string): TradingProbe | undefined {
  return (TRADING_PROBES as Partial<Record<string, TradingProbe>>)[kind];
}

/** The check's own next action, else the default for its kind. */
export function nextActionOf(result: HealthResult, activeColor: Color): string {
  const who = result.service && result.color ? `${result.service}-${result.color}` : result.name;
  if (
    result.service === "bot" &&
    result.color !== undefined &&
    result.color !== activeColor &&
    result.observed?.tradingMode === "live"
  ) {
    return `stop ${who} now: it trades live but the switch record names ${activeColor}`;
  }
  if (result.nextAction) return result.nextAction;
  const kind = result.kind ?? "health";
  if (kind === "route") {
    return `check the public endpoint and the proxy's route for ${result.name} (it must reach ${result.color ?? activeColor}); roll back with aitb rollback if users cannot reach it`;
  }
  return (
    probeOf(kind)?.nextAction ??
    `look at ${who}'s log; roll back with aitb rollback if it stays down`
  );
}

/**
 * The findings, most severe first: two live bots, then the critical failures, then the warnings
 * (the standby color), each in the order the checks ran.
 */
export function rankFindings(results: readonly HealthResult[], activeColor: Color): Finding[] {
  const alarm = twoLiveBots(results, activeColor);
  const { failures, warnings } = rankFailures(results);
  const finding = (result: HealthResult): Finding => ({
    severity: result.severity,
    subject: result.name,
    detail: result.detail,
    nextAction: nextActionOf(result, activeColor),
  });
  return [...(alarm ? [alarm] : []), ...failures.map(finding), ...warnings.map(finding)];
}

export function hasCriticalFinding(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === "critical");
}

/** One line of a report: `✗ CRITICAL webapp-blue: status "down"; next: look at ...`. */
export function findingLine(finding: Finding): string {
  const mark = finding.severity === "critical" ? "✗ CRITICAL" : "⚠ WARNING";
  return `${mark} ${finding.subject}: ${finding.detail}; next: ${finding.nextAction}`;
}
