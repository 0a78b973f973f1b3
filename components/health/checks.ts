import type { TradingMode } from "../../domain/services";

/** One post-switch check: the runbook's endpoint health and bot heartbeat, as data. */
export interface HealthCheck {
  name: string;
  url: string;
  /** Fields the health JSON must report (see docs/service-contract.md). */
  expect: {
    service?: string;
    color?: string;
    release?: string;
    tradingMode?: TradingMode;
  };
  /** For the bot: the oldest acceptable `lastHeartbeat`, in seconds. */
  heartbeatMaxAgeSeconds?: number;
  /**
   * "critical" (the default): a failure fails the gate and `aitb verify`. "warning": reported, but
   * the update stands; the standby color's checks, so a revert away from a broken color is not
   * blocked by the color it leaves. A standby bot that says it trades live is critical anyway.
   */
  severity?: CheckSeverity;
}

export type CheckSeverity = "critical" | "warning";

export interface HealthResult {
  name: string;
  url: string;
  ok: boolean;
  detail: string;
  ms: number;
  /** The severity of a failure: a warning check's failure is critical when a standby bot trades live. */
  severity: CheckSeverity;
}

/** A result that fails the gate and `aitb verify`. */
export function isCriticalFailure(result: HealthResult): boolean {
  return !result.ok && result.severity === "critical";
}

/** The failed checks, ranked: failures (critical) first, then warnings (the standby color). */
export function rankFailures(results: readonly HealthResult[]): {
  failures: HealthResult[];
  warnings: HealthResult[];
} {
  return {
    failures: results.filter(isCriticalFailure),
    warnings: results.filter((result) => !result.ok && !isCriticalFailure(result)),
  };
}

/** `name (detail)` of each result, for one line of a report. */
export function describeResults(results: readonly HealthResult[], separator = "; "): string {
  return results.map((result) => `${result.name} (${result.detail})`).join(separator);
}

/**
 * The check runner, as a self-contained script for `node -e`: the health gate runs it during
 * `pulumi up` and `aitb verify` runs it from the command line, so both judge health the same way.
 * Input (environment): AITB_HEALTH_CHECKS (JSON HealthCheck[]), AITB_HEALTH_TIMEOUT_SECONDS
 * (keep retrying failed rounds until then; 0 = one round), AITB_HEALTH_CHECK_TIMEOUT_MS.
 * Output: one JSON HealthResult per line as each check of the last round completes; exit 1 if any
 * critical check failed (warnings are printed and do not fail the gate).
 */
export const HEALTH_CHECK_SCRIPT = String.raw`
const checks = JSON.parse(process.env.AITB_HEALTH_CHECKS || "[]");
const deadline = Date.now() + 1000 * Number(process.env.AITB_HEALTH_TIMEOUT_SECONDS || "0");
const perCheckMs = Number(process.env.AITB_HEALTH_CHECK_TIMEOUT_MS || "5000");
const now = () => Date.now();
async function judge(check) {
  const started = now();
  const result = (ok, detail, critical) => ({ name: check.name, url: check.url, ok, detail, ms: now() - started, severity: critical || check.severity !== "warning" ? "critical" : "warning" });
  let response;
  try {
    response = await fetch(check.url, { signal: AbortSignal.timeout(perCheckMs), headers: { accept: "application/json" } });
  } catch (error) {
    const timedOut = error && (error.name === "TimeoutError" || error.name === "AbortError");
    return result(false, timedOut ? "timed out after " + perCheckMs + " ms" : "unreachable: " + ((error && error.cause && error.cause.code) || (error && error.message) || error));
  }
  const text = await response.text();
  if (response.status !== 200) return result(false, "HTTP " + response.status);
  let body;
  try { body = JSON.parse(text); } catch { return result(false, "health answer is not JSON"); }
  if (body.status !== "ok") return result(false, "status " + JSON.stringify(body.status));
  for (const [field, wanted] of Object.entries(check.expect || {})) {
    if (body[field] !== wanted) return result(false, field + " is " + JSON.stringify(body[field]) + ", expected " + JSON.stringify(wanted), field === "tradingMode" && body[field] === "live");
  }
  if (check.heartbeatMaxAgeSeconds !== undefined) {
    const beat = Date.parse(body.lastHeartbeat);
    if (Number.isNaN(beat)) return result(false, "no lastHeartbeat reported");
    const age = Math.round((now() - beat) / 1000);
    if (age > check.heartbeatMaxAgeSeconds) return result(false, "heartbeat stale: " + age + " s old (limit " + check.heartbeatMaxAgeSeconds + " s)");
    return result(true, "heartbeat " + age + " s old");
  }
  return result(true, "ok");
}
async function round(print) {
  const results = await Promise.all(checks.map((check) => judge(check).then((r) => { if (print) console.log(JSON.stringify(r)); return r; })));
  return results.every((r) => r.ok || r.severity !== "critical");
}
(async () => {
  while (now() < deadline) {
    if (await round(false)) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  process.exitCode = (await round(true)) ? 0 : 1;
})();
`;
