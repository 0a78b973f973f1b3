import * as pulumi from "@pulumi/pulumi";
import {
  ANALYSIS_SCRIPT,
  postPromotionEnvironment,
  type PostPromotionInputs,
} from "./health/analysis";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";

export interface HealthGateArgs extends PostPromotionInputs {
  /** Runs the analysis: a local command, or the target's own runner. */
  platform: Platform;
  /** Changes whenever routing or pins change, so the gate runs again after every switch. */
  switchKey: string;
  dependsOn: pulumi.Resource[];
}

/**
 * The post-promotion analysis, the last step of `pulumi up`: after the switch, a window of
 * measurements (aitb:healthGate.postPromotion) of every service's health, the bots' modes and
 * heartbeats, the trading checks and the traffic through the proxy against the pre-switch
 * baseline. It fails the update when more measurements fail than the failure limit allows;
 * `aitb up` then reverts an urgent switch.
 */
export class HealthGate extends pulumi.ComponentResource {
  readonly gate: pulumi.Resource;

  constructor(name: string, args: HealthGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:HealthGate", name, {}, opts);
    this.gate = localCommand(
      args.platform,
      {
        name: `${name}-checks`,
        interpreter: ["node", "-e"],
        create: ANALYSIS_SCRIPT,
        environment: postPromotionEnvironment(args),
        triggers: [args.switchKey],
        dependsOn: args.dependsOn,
      },
      this,
    );
    this.registerOutputs({});
  }
}
