import * as pulumi from "@pulumi/pulumi";
import { ANALYSIS_STAGE_ENV, HEALTH_CHECKS_ENV } from "../contract/resources";
import {
  ANALYSIS_ENV,
  ANALYSIS_KEY_ENV,
  ANALYSIS_SCRIPT,
  TRAFFIC_URLS_ENV,
  type AnalysisSpec,
} from "./health/analysis";
import type { HealthCheck } from "./health/checks";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";

export interface HealthGateArgs {
  /** Runs the analysis: a local command, or the target's own runner. */
  platform: Platform;
  checks: pulumi.Input<HealthCheck[]>;
  analysis: AnalysisSpec;
  /** The public routes whose error rate and p99 latency are measured against the baseline. */
  trafficUrls: pulumi.Input<string[]>;
  /** Changes whenever routing or pins change, so the gate runs again after every switch. */
  switchKey: string;
  /** The same key the pre-promotion analysis left its baseline under. */
  analysisKey: string;
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
        environment: {
          [HEALTH_CHECKS_ENV]: pulumi.output(args.checks).apply((checks) => JSON.stringify(checks)),
          [ANALYSIS_ENV]: JSON.stringify(args.analysis),
          [TRAFFIC_URLS_ENV]: pulumi.output(args.trafficUrls).apply((urls) => JSON.stringify(urls)),
          [ANALYSIS_KEY_ENV]: args.analysisKey,
          [ANALYSIS_STAGE_ENV]: "post-promotion",
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
