import * as pulumi from "@pulumi/pulumi";
import { prePromotionEnvironment, type PrePromotionInputs } from "./health/analysis";
import { HEALTH_CHECK_SCRIPT } from "./health/checks";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";

export interface PrePromotionAnalysisArgs extends PrePromotionInputs {
  platform: Platform;
  /** Changes whenever routing or pins change, so the analysis runs before every switch. */
  switchKey: string;
  /** The target color's services. */
  dependsOn: pulumi.Resource[];
}

/**
 * The first step of a switch: the color about to take traffic and the live trading lease is
 * checked directly (every service healthy, the bot's heartbeat fresh, the trading checks passing,
 * no second bot live) before the switch record moves. Then it measures the public routes through
 * the proxy, still on the old color: the baseline the post-promotion analysis (HealthGate)
 * compares against, and the target's own routes, called directly, against that baseline (errors,
 * latency degraded by more than the success condition allows). When any of it fails, `pulumi up`
 * fails with traffic and the live bot where they were.
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
        environment: prePromotionEnvironment(args),
        triggers: [args.switchKey],
        dependsOn: args.dependsOn,
      },
      this,
    );
    this.registerOutputs({});
  }
}
