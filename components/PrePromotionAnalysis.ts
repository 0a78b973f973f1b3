import * as pulumi from "@pulumi/pulumi";
import { ANALYSIS_STAGE_ENV, HEALTH_CHECKS_ENV } from "../contract/resources";
import { ANALYSIS_KEY_ENV, type SuccessCondition } from "./health/analysis";
import { HEALTH_CHECK_SCRIPT, type HealthCheck } from "./health/checks";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";

export interface PrePromotionAnalysisArgs {
  platform: Platform;
  /** The target color's checks (components/health/gateChecks.ts prePromotionChecks). */
  checks: pulumi.Input<HealthCheck[]>;
  /** How long the target may take to become healthy (a re-pinned color has just started). */
  timeoutSeconds: number;
  /** The public routes, measured through the proxy before the switch: the analysis's baseline. */
  baselineUrls: pulumi.Input<string[]>;
  baselineRequests: number;
  /** The target's routes called directly, judged by this condition against the baseline. */
  targetRoutes: pulumi.Input<string[]>;
  successCondition: SuccessCondition;
  targetColor: string;
  /** Changes whenever routing or pins change, so the analysis runs before every switch. */
  switchKey: string;
  analysisKey: string;
  /** The target color's services. */
  dependsOn: pulumi.Resource[];
}

/**
 * The first step of a switch: the color about to take traffic and the live trading lease is
 * checked directly (every service healthy, the bot's heartbeat fresh, the trading checks passing)
 * before the switch record moves. Then it measures the public routes through the proxy, still on
 * the old color: the baseline the post-promotion analysis (HealthGate) compares against, and the
 * target's own routes, called directly, against that baseline (errors, latency degraded by more
 * than the success condition allows). When any of it fails, `pulumi up` fails with traffic and
 * the live bot where they were.
 */
export class PrePromotionAnalysis extends pulumi.ComponentResource {
  readonly step: pulumi.Resource;

  constructor(
    name: string,
    args: PrePromotionAnalysisArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("aitb:deploy:PrePromotionAnalysis", name, {}, opts);
    this.step = localCommand(
      args.platform,
      {
        name: `${name}-checks`,
        interpreter: ["node", "-e"],
        create: HEALTH_CHECK_SCRIPT,
        environment: {
          [HEALTH_CHECKS_ENV]: pulumi.output(args.checks).apply((checks) => JSON.stringify(checks)),
          AITB_HEALTH_TIMEOUT_SECONDS: String(args.timeoutSeconds),
          AITB_BASELINE_URLS: pulumi
            .output(args.baselineUrls)
            .apply((urls) => JSON.stringify(urls)),
          AITB_BASELINE_REQUESTS: String(args.baselineRequests),
          AITB_TARGET_TRAFFIC: pulumi.output(args.targetRoutes).apply((urls) =>
            JSON.stringify({
              color: args.targetColor,
              urls,
              successCondition: args.successCondition,
            }),
          ),
          [ANALYSIS_KEY_ENV]: args.analysisKey,
          [ANALYSIS_STAGE_ENV]: "pre-promotion",
          AITB_ROLE: "health-gate",
        },
        triggers: [args.switchKey],
        dependsOn: args.dependsOn,
      },
      this,
    );
    this.registerOutputs({});
  }
}
