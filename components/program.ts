import * as pulumi from "@pulumi/pulumi";
import { readStackSettings } from "../config/read";
import type { DeployedState } from "../domain/deployed";
import { createPlatform } from "./platform";
import { BlueGreenDeployment } from "./BlueGreenDeployment";
import { optionalDatabaseOutputs } from "./optionalDatabases";
import * as path from "node:path";
import { archiveLocations } from "../contract/tradingData";
import { projectRoot } from "./platform/projectRoot";

export interface ProgramOptions {
  /** The instant config rules are judged at (restore points); the clock by default. */
  now?: Date;
}

/** Name of the stack reference through which an update reads what the stack deployed before. */
export const DEPLOYED_STATE_REFERENCE = "deployed-state";

/** The whole stack: validated config first (nothing registers on a bad config), then the deployment. */
export async function aitbProgram(options: ProgramOptions = {}): Promise<Record<string, unknown>> {
  const settings = readStackSettings(options.now ?? new Date());
  const platform = createPlatform(settings);
  const self = new pulumi.StackReference(DEPLOYED_STATE_REFERENCE, {
    name: `${pulumi.getOrganization()}/${settings.project}/${settings.stack}`,
  });
  const deployed = self.getOutput("deployed") as pulumi.Output<DeployedState | undefined>;
  // What the logs' last forensic copy was filed under: exported beside `deployed`, read with it.
  const deployedLogCopy = self.getOutput("logCopy") as pulumi.Output<DeployedState["logCopy"]>;
  const deployment = new BlueGreenDeployment("aitb", {
    context: settings,
    platform,
    deployed,
    deployedLogCopy,
  });
  const { spec, desired } = deployment;
  return {
    activeColor: spec.activeColor,
    standbyColor: spec.standbyColor,
    releases: desired.releases,
    publicEndpoint: deployment.router.publicEndpoint,
    healthUrls: {
      blue: deployment.slots.blue.healthUrls,
      green: deployment.slots.green.healthUrls,
    },
    // What `aitb verify` checks, by check name: the endpoints as deployed, never a placeholder.
    checkUrls: deployment.checks.apply((checks) =>
      Object.fromEntries(checks.map((check) => [check.name, check.url])),
    ),
    backupLocations: deployment.backups.locations,
    // Trading-data archives per type (contract/tradingData.ts), which `aitb data restore` reads.
    archives: archiveLocations(
      settings.config.target,
      path.resolve(projectRoot(), settings.config.backups.root),
      settings.config.backups.archives,
    ),
    databases: { live: deployment.database.identity, restored: deployment.restore?.target ?? null },
    // aitb:influxdb and aitb:sqlServer, when declared: live and restored databases.
    ...optionalDatabaseOutputs(deployment.engines),
    // The declared restore against what its snapshot promised (domain/restoreManifest.ts).
    restoreVerification: deployment.restore?.verification ?? null,
    change: settings.config.change,
    deployed: desired,
    // Read back by the next update beside `deployed` (DeployedState.logCopy); an output of its own
    // because it depends on the stack reference, which `deployed` must not.
    logCopy: deployment.logs.record,
  };
}
