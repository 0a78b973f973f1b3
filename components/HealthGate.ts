import * as pulumi from "@pulumi/pulumi";
import { HEALTH_CHECKS_ENV } from "../contract/resources";
import { HEALTH_CHECK_SCRIPT, type HealthCheck } from "./health/checks";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";

export interface HealthGateArgs {
  /** Runs the checks: a local command, or the target's own runner. */
  platform: Platform;
  checks: pulumi.Input<HealthCheck[]>;
  timeoutSeconds: number;
  /** Changes whenever routing or pins change, so the gate runs again after every switch. */
  switchKey: string;
  dependsOn: pulumi.Resource[];
}

/**
 * The runbook's post-rollback checks as a step of `pulumi up`: runs after the router and fails
 * the update when a service is unhealthy, reports the wrong color or release, or the bot's
 * heartbeat is stale.
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
        create: HEALTH_CHECK_SCRIPT,
        environment: {
          [HEALTH_CHECKS_ENV]: pulumi.output(args.checks).apply((checks) => JSON.stringify(checks)),
          AITB_HEALTH_TIMEOUT_SECONDS: String(args.timeoutSeconds),
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
