import * as pulumi from "@pulumi/pulumi";
import type { RestorePoint } from "../domain/restore";
import type { Color } from "../domain/colors";
import type { DatabaseHandle, Platform, RestoreHandle } from "./platform/types";

export interface DatabaseRestoreArgs {
  platform: Platform;
  live: DatabaseHandle;
  color: Color;
  point: RestorePoint;
  reason: string;
  incident: string;
}

/**
 * A declared restore: first a forensic copy of the live database, then a restore into a new
 * database (never over the live one), which the restoring color is then repointed to.
 */
export class DatabaseRestore extends pulumi.ComponentResource {
  readonly target: string;
  readonly url: pulumi.Output<string>;
  readonly handle: RestoreHandle;

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
    this.registerOutputs({ target: this.target, color: args.color });
  }
}
