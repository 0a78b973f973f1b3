import * as pulumi from "@pulumi/pulumi";
import { COLORS, type Color } from "../domain/colors";
import type { DeployedState } from "../domain/deployed";
import type { DeploymentSpec } from "../domain/deployment";
import type { LogStoreHandle, Platform } from "./platform/types";

/**
 * What the last update's forensic copy of the logs was filed under, for which pins (`epoch`: the
 * copy's triggers, joined): part of the stack's `deployed` output, read back by the next update
 * through its stack reference.
 */
export type LogCopyRecord = NonNullable<DeployedState["logCopy"]>;

/**
 * The key the copy step carries: the deployed one while the pins are those it was taken for, so
 * that an update that replaces nothing (a switch under a new incident) changes nothing of the
 * step; the new change's key once a color is re-pinned or repointed, when the copy runs again.
 */
export function keyInForce(
  epoch: string,
  fresh: string,
  deployed: LogCopyRecord | undefined,
): string {
  return deployed && deployed.epoch === epoch && deployed.key ? deployed.key : fresh;
}

export interface LogRetentionArgs {
  spec: DeploymentSpec;
  platform: Platform;
  /** What the forensic copy is filed under (contract/logs.ts forensicKey). */
  key: string;
  /** The declared restore's repoint, "<color>:<target>", or "" when none. */
  repoint: string;
  /** The stack's last `deployed.logCopy`. */
  deployed?: pulumi.Input<LogCopyRecord | undefined>;
}

/**
 * Every color's logs on retained storage, and the runbook's "forensic copy before rollback" of
 * them. The copy runs again exactly when a color's services are about to be replaced: a re-pin of
 * either color's release or a restore that repoints one. A plain switch changes neither, so it
 * copies nothing (it replaces nothing either). The services wait for the copy (`after`).
 */
export class LogRetention extends pulumi.ComponentResource {
  readonly stores: Record<Color, LogStoreHandle>;
  /** What each color's first service waits for: its log store and the forensic copy. */
  readonly after: Record<Color, pulumi.Resource[]>;
  readonly copyLocation: pulumi.Output<string>;
  /** Exported in the stack output `deployed` (its `logCopy`). */
  readonly record: pulumi.Output<LogCopyRecord>;

  constructor(name: string, args: LogRetentionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:LogRetention", name, {}, opts);
    const { platform, spec } = args;
    this.stores = Object.fromEntries(
      COLORS.map((color) => [color, platform.logStore(color, this)]),
    ) as Record<Color, LogStoreHandle>;
    const triggers = [
      ...COLORS.map((color) => `${color}=${spec.colors[color].release}`),
      `repoint=${args.repoint}`,
    ];
    const epoch = triggers.join(",");
    const key = pulumi
      .output(args.deployed)
      .apply((deployed) => keyInForce(epoch, args.key, deployed));
    this.record = key.apply((inForce) => ({ epoch, key: inForce }));
    const copy = platform.forensicLogCopy(
      {
        key,
        triggers,
        dependsOn: COLORS.flatMap((color) => this.stores[color].resources),
      },
      this,
    );
    this.copyLocation = copy.location;
    this.after = Object.fromEntries(
      COLORS.map((color) => [color, [...this.stores[color].resources, ...copy.resources]]),
    ) as Record<Color, pulumi.Resource[]>;
    this.registerOutputs({
      stores: Object.fromEntries(COLORS.map((color) => [color, this.stores[color].location])),
      forensicCopies: this.copyLocation,
      record: this.record,
    });
  }
}
