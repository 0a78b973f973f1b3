import * as pulumi from "@pulumi/pulumi";
import type { DeploymentSpec } from "../domain/deployment";
import type { ReleaseCatalog } from "../config/schema";
import type { DeployedState } from "../domain/deployed";
import { COLORS } from "../domain/colors";
import type { DatabaseHandle, Platform } from "./platform/types";

export interface BackupPlanArgs {
  spec: DeploymentSpec;
  platform: Platform;
  database: DatabaseHandle;
  preSwitchSnapshot: boolean;
  configBackup: boolean;
  /** The release catalog: a config backup keeps a release's own configuration. */
  releases: ReleaseCatalog;
  /** The stack's own last `deployed` output: the snapshot is filed under the release live in it. */
  deployed: pulumi.Input<DeployedState | undefined>;
}

/**
 * Backups keyed by release: a database snapshot taken before every switch or re-pin (filed under
 * the release that was live), and the configuration of every pinned release, with its stack,
 * pin, content digest and time written (domain/configBackup.ts), which `aitb restore config`
 * verifies before it writes the release back.
 */
export class BackupPlan extends pulumi.ComponentResource {
  readonly snapshot?: pulumi.Resource[];
  readonly locations: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:BackupPlan", name, {}, opts);
    this.locations = {};
    if (args.preSwitchSnapshot) {
      const switchKey = [
        args.spec.activeColor,
        ...COLORS.map((color) => `${color}=${args.spec.colors[color].release}`),
      ].join(",");
      const liveRelease = pulumi
        .output(args.deployed)
        .apply((deployed) => (deployed ? deployed.releases[deployed.activeColor] : undefined));
      const snapshot = args.platform.snapshot(
        { switchKey, database: args.database, liveRelease },
        this,
      );
      this.snapshot = snapshot.resources;
      this.locations.databaseSnapshots = snapshot.location;
    }
    if (args.configBackup) {
      const releases = [...new Set(COLORS.map((color) => args.spec.colors[color].release))].sort();
      for (const release of releases) {
        const backup = args.platform.configBackup(release, args.releases[release], this);
        this.locations[`config-${release}`] = backup.location;
      }
    }
    this.registerOutputs({ locations: this.locations });
  }
}
