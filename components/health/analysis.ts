import * as pulumi from "@pulumi/pulumi";
import { ANALYSIS_STAGE_ENV, HEALTH_CHECKS_ENV } from "../../contract/resources";
import { CHECK_FUNCTIONS, type HealthCheck } from "./checks";

/**
 * The post-promotion analysis, in the spirit of Argo Rollouts' AnalysisTemplate: after the switch,
 * `count` measurements `intervalSeconds` apart (the first after `initialDelaySeconds`); the
 * analysis fails as soon as more than `failureLimit` measurements failed. A measurement fails when
 * a critical check fails (the new active color's health, heartbeat and trading checks, the public
 * routes) or the traffic through the proxy misses the success condition against the pre-switch
 * baseline.
 */
export interface AnalysisSpec {
  initialDelaySeconds: number;
  intervalSeconds: number;
  count: number;
  failureLimit: number;
  /** Requests per public route and measurement. */
  requests: number;
  successCondition: SuccessCondition;
}

export interface SuccessCondition {
  /** Share of requests answered 5xx or not at all. */
  maxErrorRate: number;
  /**
   * p99 latency through the proxy may exceed the baseline's by this much (the decision matrix's
   * "performance degradation > 75 %")...
   */
  maxLatencyDegradationPercent: number;
  /** ...and only counts once it is also this many milliseconds slower (loopback p99s are ~1 ms). */
  minLatencyIncreaseMs: number;
}

/** The variables that carry the analysis settings and the routes it measures. */
export const ANALYSIS_ENV = "AITB_ANALYSIS";
export const TRAFFIC_URLS_ENV = "AITB_TRAFFIC_URLS";
/** Names the switch both analyses belong to: the pre-promotion one leaves its baseline under it. */
export const ANALYSIS_KEY_ENV = "AITB_ANALYSIS_KEY";

/**
 * The analysis as a self-contained `node -e` script. Input: AITB_HEALTH_CHECKS, AITB_ANALYSIS
 * (AnalysisSpec), AITB_TRAFFIC_URLS (JSON string[]), AITB_ANALYSIS_KEY (the pre-promotion
 * analysis's baseline for this switch is read from where it left it; none: error rates alone). Output, one JSON line each:
 * every result of the last measurement and the failures of every other, `{"measurement": n, ...}`, and last
 * `{"analysis": "passed" | "failed", ...}`; exit 1 when it failed.
 */
export const ANALYSIS_SCRIPT = String.raw`
${CHECK_FUNCTIONS}
const checks = JSON.parse(process.env.AITB_HEALTH_CHECKS || "[]");
const spec = JSON.parse(process.env.${ANALYSIS_ENV} || "{}");
const urls = JSON.parse(process.env.${TRAFFIC_URLS_ENV} || "[]");
let baseline = null;
try { baseline = JSON.parse(require("fs").readFileSync(baselineFile(), "utf8")).baseline; } catch {}
const condition = spec.successCondition || {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  const started = now();
  let failures = 0;
  let failedMeasurement;
  await sleep(1000 * (spec.initialDelaySeconds || 0));
  for (let n = 1; n <= spec.count; n++) {
    if (n > 1) await sleep(1000 * spec.intervalSeconds);
    const [results, traffic] = await Promise.all([Promise.all(checks.map(judge)), urls.length ? measureTraffic(urls, spec.requests) : Promise.resolve(undefined)]);
    const failed = results.filter((r) => !r.ok && r.severity === "critical");
    // Every result of the last measurement (what was checked), the failures of every one.
    const last = n === spec.count;
    for (const r of results.filter((r) => last || !r.ok)) console.log(JSON.stringify(r));
    const trafficProblems = traffic ? judgeTraffic(traffic, baseline, condition) : [];
    const ok = failed.length === 0 && trafficProblems.length === 0;
    const problems = [...failed.map((r) => r.name + " (" + r.detail + ")"), ...trafficProblems.map((p) => "traffic: " + p)];
    console.log(JSON.stringify({ measurement: n, of: spec.count, ok, checks: results.length, failedChecks: failed.length, problems, traffic, seconds: (now() - started) / 1000 }));
    if (!ok) {
      failures++;
      failedMeasurement = { n, problems };
      process.stderr.write("post-promotion analysis: measurement " + n + " of " + spec.count + " failed: " + problems.join("; ") + "\n");
    }
    if (failures > spec.failureLimit) break;
  }
  const failed = failures > spec.failureLimit;
  console.log(JSON.stringify({ analysis: failed ? "failed" : "passed", failures, failureLimit: spec.failureLimit, baseline, seconds: (now() - started) / 1000, ...(failed ? { problems: failedMeasurement.problems } : {}) }));
  if (failed) process.stderr.write("post-promotion analysis failed: " + failures + " failed measurement(s), limit " + spec.failureLimit + ": " + failedMeasurement.problems.join("; ") + "\n");
  process.exitCode = failed ? 1 : 0;
})();
`;

function json<T>(value: pulumi.Input<T>): pulumi.Output<string> {
  return pulumi.output(value).apply((known) => JSON.stringify(known));
}

export interface PrePromotionInputs {
  /** The target color's checks (gateChecks.ts prePromotionChecks). */
  checks: pulumi.Input<HealthCheck[]>;
  /** How long the target may take to become healthy (a re-pinned color has just started). */
  timeoutSeconds: number;
  /** The public routes, measured through the proxy before the switch: the baseline. */
  baselineUrls: pulumi.Input<string[]>;
  requests: number;
  /** The target's routes called directly, judged by this condition against the baseline. */
  target: { color: string; urls: pulumi.Input<string[]>; successCondition: SuccessCondition };
  analysisKey: string;
}

/** The environment of the pre-promotion step (HEALTH_CHECK_SCRIPT), as the component and the drill run it. */
export function prePromotionEnvironment(
  inputs: PrePromotionInputs,
): Record<string, pulumi.Input<string>> {
  return {
    [HEALTH_CHECKS_ENV]: json(inputs.checks),
    AITB_HEALTH_TIMEOUT_SECONDS: String(inputs.timeoutSeconds),
    AITB_BASELINE_URLS: json(inputs.baselineUrls),
    AITB_BASELINE_REQUESTS: String(inputs.requests),
    AITB_TARGET_TRAFFIC: json(
      pulumi.output(inputs.target.urls).apply((urls) => ({ ...inputs.target, urls })),
    ),
    AITB_SINGLE_LIVE_BOT: "1",
    [ANALYSIS_KEY_ENV]: inputs.analysisKey,
    [ANALYSIS_STAGE_ENV]: "pre-promotion",
    AITB_ROLE: "health-gate",
  };
}

export interface PostPromotionInputs {
  checks: pulumi.Input<HealthCheck[]>;
  analysis: AnalysisSpec;
  /** The public routes whose error rate and p99 latency are measured against the baseline. */
  trafficUrls: pulumi.Input<string[]>;
  /** The key the pre-promotion analysis left its baseline under. */
  analysisKey: string;
}

/** The environment of the post-promotion step (ANALYSIS_SCRIPT), as the component and the drill run it. */
export function postPromotionEnvironment(
  inputs: PostPromotionInputs,
): Record<string, pulumi.Input<string>> {
  return {
    [HEALTH_CHECKS_ENV]: json(inputs.checks),
    [ANALYSIS_ENV]: JSON.stringify(inputs.analysis),
    [TRAFFIC_URLS_ENV]: json(inputs.trafficUrls),
    [ANALYSIS_KEY_ENV]: inputs.analysisKey,
    [ANALYSIS_STAGE_ENV]: "post-promotion",
    AITB_ROLE: "health-gate",
  };
}
