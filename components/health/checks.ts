import type { Color } from "../../domain/colors";
import type { TradingMode } from "../../domain/services";
import type { TradingProbeKind } from "../../contract/tradingChecks";

/** What a check probes: a service's health, one of the trading probes, or a public route. */
export type CheckKind = "health" | TradingProbeKind | "route";

/** One check of a color, as data: the runbook's endpoint health, bot heartbeat and trading checks. */
export interface HealthCheck {
  name: string;
  url: string;
  /** Default "health": GET the URL and compare the fields in `expect`. */
  kind?: CheckKind;
  /** The color the check is about (its services, or the color the public routes should reach). */
  color?: Color;
  /** The service that answers. */
  service?: string;
  /** Fields the health JSON must report (see docs/service-contract.md). */
  expect: {
    service?: string;
    color?: string;
    release?: string;
    tradingMode?: TradingMode;
  };
  /** For the bot: the oldest acceptable `lastHeartbeat`, in seconds. */
  heartbeatMaxAgeSeconds?: number;
  /** market-data: the oldest acceptable last tick, in seconds. */
  maxAgeSeconds?: number;
  /** inference: the slowest acceptable answer, in milliseconds. */
  budgetMs?: number;
  /**
   * "critical" (the default): a failure fails the gate and `aitb verify`. "warning": reported, but
   * the update stands; the standby color's checks, so a revert away from a broken color is not
   * blocked by the color it leaves. A standby bot that says it trades live is critical anyway.
   */
  severity?: CheckSeverity;
  /** What the on-call does when it fails. */
  nextAction?: string;
}

export type CheckSeverity = "critical" | "warning";

/** What a service said, as far as a check read it: the facts verify and the notice report. */
export interface Observation {
  service?: string;
  color?: string;
  release?: string;
  status?: string;
  tradingMode?: string;
  /** Bot: whether it holds the trading lease, and who holds it as far as it knows. */
  leaseHeld?: boolean;
  leaseHolder?: string;
  heartbeatAgeSeconds?: number;
  /** market-data: age of the last tick. */
  tickAgeSeconds?: number;
  /** HTTP status of the answer. */
  httpStatus?: number;
}

export interface HealthResult {
  name: string;
  url: string;
  ok: boolean;
  detail: string;
  ms: number;
  /** The severity of a failure: a warning check's failure is critical when a standby bot trades live. */
  severity: CheckSeverity;
  kind?: CheckKind;
  color?: Color;
  service?: string;
  /** What the on-call does about a failure. */
  nextAction?: string;
  observed?: Observation;
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
 * The functions the check runner and the post-promotion analysis share, as script text:
 * `judge(check)` runs one check and returns a HealthResult; `measureTraffic(urls, requests)` sends
 * requests through the proxy and returns `{requests, errors, errorRate, p99Ms}`.
 */
export const CHECK_FUNCTIONS = String.raw`
const perCheckMs = Number(process.env.AITB_HEALTH_CHECK_TIMEOUT_MS || "5000");
const now = () => Date.now();
// Where the pre-promotion analysis leaves its traffic baseline for the post-promotion analysis of
// the same switch: both run where pulumi up runs, keyed by stack and switch (AITB_ANALYSIS_KEY).
function baselineFile() {
  const key = process.env.AITB_ANALYSIS_KEY;
  if (!key) return undefined;
  const digest = require("crypto").createHash("sha256").update(key).digest("hex").slice(0, 24);
  return require("path").join(require("os").tmpdir(), "aitb-analysis", digest + ".json");
}
const ageSeconds = (iso) => { const at = Date.parse(iso); return Number.isNaN(at) ? undefined : Math.round((now() - at) / 1000); };
const probeBodies = {
  inference: () => ({ symbol: "BTC-USD", features: [0.12, -0.03, 0.41, 0.07] }),
  "paper-order": () => ({ clientOrderId: "aitb-check-" + now().toString(36) + "-" + Math.random().toString(36).slice(2, 8), symbol: "BTC-USD", side: "buy", quantity: 1 }),
  notify: () => ({ id: "aitb-check-" + now().toString(36) + "-" + Math.random().toString(36).slice(2, 8), message: "AITB verification: notifier test message" }),
};
function observe(body, status) {
  const observed = { httpStatus: status };
  if (!body || typeof body !== "object") return observed;
  for (const field of ["service", "color", "release", "status", "tradingMode"]) if (typeof body[field] === "string") observed[field] = body[field];
  const lease = body.trading && body.trading.lease;
  if (lease && typeof lease.held === "boolean") observed.leaseHeld = lease.held;
  if (lease && typeof lease.holder === "string") observed.leaseHolder = lease.holder;
  if (typeof body.lastHeartbeat === "string") observed.heartbeatAgeSeconds = ageSeconds(body.lastHeartbeat);
  if (typeof body.lastTickAt === "string") observed.tickAgeSeconds = ageSeconds(body.lastTickAt);
  return observed;
}
function shapeProblem(kind, body, sent) {
  if (!body || typeof body !== "object") return "answer is not a JSON object";
  if (kind === "inference") {
    if (typeof body.prediction !== "number" || !Number.isFinite(body.prediction)) return "no numeric prediction";
    if (typeof body.confidence !== "number" || body.confidence < 0 || body.confidence > 1) return "confidence not in [0, 1]";
    if (typeof body.model !== "string" || !body.model) return "no model named";
  }
  if (kind === "paper-order") {
    if (body.status !== "filled") return "paper order " + (body.status ? JSON.stringify(body.status) : "not filled") + (body.reason ? ": " + body.reason : "");
    if (body.clientOrderId !== sent.clientOrderId) return "answer names another order";
    if (body.filledQuantity !== sent.quantity) return "filled " + body.filledQuantity + " of " + sent.quantity;
    if (!(typeof body.price === "number" && body.price > 0)) return "no fill price";
    if (body.mode !== "paper") return "order mode is " + JSON.stringify(body.mode) + ", expected \"paper\"";
  }
  if (kind === "notify") {
    if (body.delivered !== true) return "test message not delivered";
    if (body.id !== sent.id) return "answer names another message";
  }
  return undefined;
}
async function judge(check) {
  const started = now();
  const kind = check.kind || "health";
  let observed;
  const result = (ok, detail, critical) => ({
    name: check.name, url: check.url, ok, detail, ms: now() - started,
    severity: critical || check.severity !== "warning" ? "critical" : "warning",
    kind, ...(check.color ? { color: check.color } : {}), ...(check.service ? { service: check.service } : {}),
    ...(check.nextAction ? { nextAction: check.nextAction } : {}), ...(observed ? { observed } : {}),
  });
  const makeBody = probeBodies[kind];
  const sent = makeBody ? makeBody() : undefined;
  let response;
  try {
    response = await fetch(check.url, {
      method: sent ? "POST" : "GET",
      signal: AbortSignal.timeout(perCheckMs),
      headers: sent ? { accept: "application/json", "content-type": "application/json" } : { accept: "application/json" },
      ...(sent ? { body: JSON.stringify(sent) } : {}),
    });
  } catch (error) {
    const timedOut = error && (error.name === "TimeoutError" || error.name === "AbortError");
    return result(false, timedOut ? "timed out after " + perCheckMs + " ms" : "unreachable: " + ((error && error.cause && error.cause.code) || (error && error.message) || error));
  }
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch {}
  observed = observe(body, response.status);
  if (response.status !== 200) return result(false, "HTTP " + response.status + (body && body.error ? ": " + String(body.error).slice(0, 120) : ""));
  if (body === undefined) return result(false, "answer is not JSON");
  if (kind === "health" || kind === "route") {
    if (body.status !== "ok") return result(false, "status " + JSON.stringify(body.status));
    for (const [field, wanted] of Object.entries(check.expect || {})) {
      if (body[field] !== wanted) return result(false, field + " is " + JSON.stringify(body[field]) + ", expected " + JSON.stringify(wanted), field === "tradingMode" && body[field] === "live");
    }
    if (check.heartbeatMaxAgeSeconds !== undefined) {
      const age = observed.heartbeatAgeSeconds;
      if (age === undefined) return result(false, "no lastHeartbeat reported");
      if (age > check.heartbeatMaxAgeSeconds) return result(false, "heartbeat stale: " + age + " s old (limit " + check.heartbeatMaxAgeSeconds + " s)");
      return result(true, "heartbeat " + age + " s old");
    }
    return result(true, "ok");
  }
  if (kind === "market-data") {
    const age = observed.tickAgeSeconds;
    if (age === undefined) return result(false, "no lastTickAt reported");
    if (check.maxAgeSeconds !== undefined && age > check.maxAgeSeconds) return result(false, "market data stale: last tick " + age + " s old (limit " + check.maxAgeSeconds + " s)");
    return result(true, "last tick " + age + " s old");
  }
  const problem = shapeProblem(kind, body, sent);
  if (problem) return result(false, problem);
  const ms = now() - started;
  if (check.budgetMs !== undefined && ms > check.budgetMs) return result(false, "answered in " + ms + " ms (budget " + check.budgetMs + " ms)");
  return result(true, kind === "inference" ? "answered in " + ms + " ms" : kind === "paper-order" ? "paper order filled" : "test message delivered to " + body.sink);
}
// With AITB_SINGLE_LIVE_BOT=1: more than one bot saying it trades live (or holds the lease) is a
// critical result of its own, whatever each bot's check expected.
function liveBotsResult(results) {
  if (process.env.AITB_SINGLE_LIVE_BOT !== "1") return undefined;
  const live = results.filter((r) => r.service === "bot" && r.observed && (r.observed.tradingMode === "live" || r.observed.leaseHeld === true));
  if (live.length < 2) return undefined;
  return { name: "two live bots", url: live.map((r) => r.url).join(" "), ok: false, ms: 0, severity: "critical", kind: "health", service: "bot",
    detail: live.map((r) => r.name).join(" and ") + " both report live trading",
    nextAction: "stop the bot the switch record does not name now; the switch was refused" };
}
async function measureTraffic(urls, requests) {
  const latencies = [];
  let errors = 0;
  const started = now();
  const one = async (url) => {
    const begin = performance.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(perCheckMs) });
      await response.arrayBuffer();
      if (response.status >= 500) errors++;
    } catch { errors++; }
    latencies.push(performance.now() - begin);
  };
  // One unmeasured request per route first: a new process's first fetch pays for its setup.
  await Promise.all(urls.map((url) => fetch(url, { signal: AbortSignal.timeout(perCheckMs) }).then((r) => r.arrayBuffer(), () => undefined)));
  const queue = [];
  for (let i = 0; i < requests; i++) for (const url of urls) queue.push(url);
  const workers = Array.from({ length: Math.min(4, queue.length) }, async () => { while (queue.length) await one(queue.shift()); });
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  const p99 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] : 0;
  const total = latencies.length;
  return { requests: total, errors, errorRate: total ? errors / total : 0, p99Ms: Math.round(p99 * 10) / 10, seconds: (now() - started) / 1000 };
}
function judgeTraffic(traffic, baseline, condition) {
  const problems = [];
  // An absolute limit: a baseline taken on a failing color must not excuse the new one's errors.
  if (traffic.errorRate > condition.maxErrorRate) problems.push(traffic.errors + " of " + traffic.requests + " requests failed (" + (100 * traffic.errorRate).toFixed(1) + " %, limit " + (100 * condition.maxErrorRate).toFixed(1) + " %)");
  if (baseline && baseline.p99Ms >= 0) {
    const degradation = baseline.p99Ms > 0 ? (traffic.p99Ms - baseline.p99Ms) / baseline.p99Ms : Infinity;
    if (degradation * 100 > condition.maxLatencyDegradationPercent && traffic.p99Ms - baseline.p99Ms > condition.minLatencyIncreaseMs) {
      problems.push("p99 latency " + traffic.p99Ms + " ms vs " + baseline.p99Ms + " ms before the switch (+" + Math.round(degradation * 100) + " %, limit +" + condition.maxLatencyDegradationPercent + " %)");
    }
  }
  return problems;
}
`;

/**
 * The check runner, as a self-contained script for `node -e`: the pre-promotion analysis runs it
 * during `pulumi up` and `aitb verify` runs it from the command line, so both judge health the
 * same way. Input (environment): AITB_HEALTH_CHECKS (JSON HealthCheck[]),
 * AITB_HEALTH_TIMEOUT_SECONDS (keep retrying failed rounds until then; 0 = one round),
 * AITB_HEALTH_CHECK_TIMEOUT_MS, and optionally AITB_BASELINE_URLS (JSON string[]: routes through
 * the proxy measured once the checks pass, the baseline of the post-promotion analysis) with
 * AITB_BASELINE_REQUESTS and AITB_ANALYSIS_KEY (where the baseline is left for it), and
 * AITB_TARGET_TRAFFIC (JSON {color, urls, successCondition}: the target's routes called directly,
 * judged against that baseline), AITB_SINGLE_LIVE_BOT=1 (two bots reporting live fail the round).
 * Output: one JSON HealthResult per line as each check of the last round
 * completes, then `{"baseline": ...}` when measured; exit 1 if any critical check failed.
 */
export const HEALTH_CHECK_SCRIPT = String.raw`
${CHECK_FUNCTIONS}
const checks = JSON.parse(process.env.AITB_HEALTH_CHECKS || "[]");
const deadline = Date.now() + 1000 * Number(process.env.AITB_HEALTH_TIMEOUT_SECONDS || "0");
const baselineUrls = JSON.parse(process.env.AITB_BASELINE_URLS || "[]");
const target = JSON.parse(process.env.AITB_TARGET_TRAFFIC || "null");
const requests = Number(process.env.AITB_BASELINE_REQUESTS || "50");
async function round(print) {
  const results = await Promise.all(checks.map((check) => judge(check).then((r) => { if (print) console.log(JSON.stringify(r)); return r; })));
  const twoLive = liveBotsResult(results);
  if (twoLive && print) console.log(JSON.stringify(twoLive));
  return !twoLive && results.every((r) => r.ok || r.severity !== "critical");
}
(async () => {
  while (now() < deadline) {
    if (await round(false)) break;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  let passed = await round(true);
  if (passed && baselineUrls.length) {
    const measured = await measureTraffic(baselineUrls, requests);
    // No baseline when the proxy does not answer yet (a new stack): the analysis then judges error rates alone.
    const baseline = measured.errors === measured.requests ? null : measured;
    console.log(JSON.stringify({ baseline }));
    // The target's own routes, reached directly (no user request goes there yet), judged by the
    // post-promotion analysis's success condition against the traffic the proxy serves now.
    if (target && target.urls.length) {
      const started = now();
      const traffic = await measureTraffic(target.urls, requests);
      const problems = judgeTraffic(traffic, baseline, target.successCondition);
      const ok = problems.length === 0;
      console.log(JSON.stringify({
        name: "routes-" + target.color, url: target.urls.join(" "), ok,
        detail: ok ? traffic.requests + " requests, p99 " + traffic.p99Ms + " ms" : problems.join("; "),
        ms: now() - started, severity: "critical", kind: "route", color: target.color,
        nextAction: "the switch to " + target.color + " was refused: its routes fail or are slow when called directly; look at the routed services' logs",
      }));
      passed = passed && ok;
    }
    const file = baselineFile();
    if (file) {
      const fs = require("fs");
      fs.mkdirSync(require("path").dirname(file), { recursive: true });
      fs.writeFileSync(file + ".tmp", JSON.stringify({ baseline }));
      fs.renameSync(file + ".tmp", file);
    }
  }
  process.exitCode = passed ? 0 : 1;
})();
`;
