import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HEALTH_CHECK_SCRIPT, type HealthCheck } from "./health/checks";

export interface HealthGateArgs {
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
  readonly gate: command.local.Command;

  constructor(name: string, args: HealthGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:HealthGate", name, {}, opts);
    this.gate = new command.local.Command(
      `${name}-checks`,
      {
        interpreter: ["node", "-e"],
        create: HEALTH_CHECK_SCRIPT,
        environment: {
          AITB_HEALTH_CHECKS: pulumi.output(args.checks).apply((checks) => JSON.stringify(checks)),
          AITB_HEALTH_TIMEOUT_SECONDS: String(args.timeoutSeconds),
          AITB_ROLE: "health-gate",
        },
        triggers: [args.switchKey],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
