import * as pulumi from "@pulumi/pulumi";
import type { ChangeRecord as ChangeRecordConfig } from "../config/schema";
import { localCommand } from "./platform/localCommand";
import type { Platform } from "./platform/types";
import type { DeployedState } from "../domain/deployed";

export { RECORD_ENV } from "../domain/changeRecord";
import { RECORD_ENV } from "../domain/changeRecord";

export interface ChangeRecordArgs {
  /** Writes the record: a local command, or the target's own runner. */
  platform: Platform;
  change: ChangeRecordConfig;
  environment: string;
  /** What the stack had deployed before this update (its own last outputs); undefined on a new stack. */
  deployed: pulumi.Input<DeployedState | undefined>;
  desired: DeployedState;
}

/**
 * Why this update happens and what it changes, as a resource the policy pack can see: the change
 * class, reason and incident, and both sides of the change (deployed and desired). Applying it
 * prints the record into the update log. It carries no rules: the calendar and the environment
 * the policies judge by are the pack's (policies/config.json).
 */
export class ChangeRecord extends pulumi.ComponentResource {
  readonly record: pulumi.Resource;

  constructor(name: string, args: ChangeRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:ChangeRecord", name, {}, opts);
    const change = JSON.stringify(args.change);
    this.record = localCommand(
      args.platform,
      {
        name: `${name}-entry`,
        create: `echo "aitb change record: $${RECORD_ENV.change}"`,
        environment: {
          [RECORD_ENV.change]: change,
          [RECORD_ENV.deployed]: pulumi
            .output(args.deployed)
            .apply((deployed) => JSON.stringify(deployed ?? null)),
          [RECORD_ENV.desired]: JSON.stringify(args.desired),
          [RECORD_ENV.environment]: args.environment,
          AITB_ROLE: "change-record",
        },
        triggers: [change, JSON.stringify(args.desired)],
      },
      this,
    );
    this.registerOutputs({ change: args.change });
  }
}
