import * as pulumi from "@pulumi/pulumi";
import type { RestorePoint } from "../domain/restore";
import type { Color } from "../domain/colors";
import {
  notVerifiable,
  parseRestoreVerification,
  type RestoreVerification,
} from "../domain/restoreManifest";
import type { DatabaseHandle, Platform, RestoreHandle } from "./platform/types";

export interface DatabaseRestoreArgs {
  platform: Platform;
  live: DatabaseHandle;
  color: Color;
  point: RestorePoint;
  reason: string;
  incident: string;
}

/** What a target without a manifest to compare with says instead of a verification. */
function unverifiableOn(target: Platform["target"]): RestoreVerification {
  return notVerifiable(
    target === "azure"
      ? "not verifiable on the azure target: its restore is a point-in-time restore of the server, with no manifest of row counts and checksums to compare with"
      : `not verifiable on the ${target} target: its restore reports no comparison with a manifest`,
  );
}

/**
 * A declared restore: first a forensic copy of the live database, then a restore into a new
 * database (never over the live one), which the restoring color is then repointed to.
 * `verification` is the comparison of the restored database with what its snapshot's manifest
 * promised, or why there is none; null when the restore step reported nothing.
 */
export class DatabaseRestore extends pulumi.ComponentResource {
  readonly target: string;
  readonly url: pulumi.Output<string>;
  readonly handle: RestoreHandle;
  readonly verification: pulumi.Output<RestoreVerification | null>;

  constructor(name: string, args: DatabaseRestoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:DatabaseRestore", name, {}, opts);
    this.handle = args.platform.restore(
      {
        color: args.color,
        point: args.point,
        live: args.live,
        reason: args.reason,
        incident: args.incident,
      },
      this,
    );
    this.target = this.handle.identity;
    this.url = this.handle.url;
    // Table names, counts and checksums: never secret, even when the step's output is marked so.
    this.verification = this.handle.verification
      ? pulumi.unsecret(this.handle.verification.apply(parseRestoreVerification))
      : pulumi
          .output(args.platform.target)
          .apply((target): RestoreVerification | null => unverifiableOn(target));
    this.registerOutputs({ target: this.target, color: args.color });
  }
}
