import { commandLine } from "../../../domain/quote";
import {
  deployedStateOf,
  lookUpDeployedOutputs,
  stackOutputCommand,
  type OutputsLookupOptions,
} from "../../shared/deployedOutputs";
import { InputError } from "../../exitCodes";

/** What the deployed outputs say about a declared restore. */
export interface DeployedRestore {
  /** `deployed.restore` of the outputs: "<color>:<target>", or "" when none is deployed. */
  restore: string;
  /** `deployed.engineRestores` of the outputs: "<color>:<target>" by engine key. */
  engineRestores: Record<string, string>;
  /**
   * When the deployed update that shows the restore was recorded (`deployed.change.at`): the
   * restore ran in it, or before it. Undefined for a state exported before change records were.
   */
  recordedAt?: string;
  origin: string;
}

function howToGive(stack: string): string {
  return `pulumi up step 1 first (${commandLine(["pulumi", "up", "--stack", stack])}), or pass --outputs <file> made with ${stackOutputCommand(stack)} > outputs.json`;
}

function notRun(stack: string, color: string, why: string): InputError {
  return new InputError("rollback", [
    {
      key: "--outputs",
      message: `switching to ${color} needs its database restore (step 1) deployed, and ${why}; ${howToGive(stack)}`,
    },
  ]);
}

/** Read the deployed outputs for step 2 of a restore; exit 2 naming how to give them when none. */
export async function deployedRestore(
  options: OutputsLookupOptions & { color: string },
): Promise<DeployedRestore> {
  const lookup = await lookUpDeployedOutputs(options);
  if (!lookup.found) {
    throw notRun(options.stack, options.color, `no deployed outputs say so (${lookup.why})`);
  }
  const deployed = deployedStateOf(lookup.outputs);
  if (!deployed) {
    throw notRun(
      options.stack,
      options.color,
      `the outputs (${lookup.origin}) hold no deployed state of this program`,
    );
  }
  return {
    restore: String(deployed.restore ?? ""),
    engineRestores: { ...deployed.engineRestores },
    recordedAt: deployed.change?.at,
    origin: lookup.origin,
  };
}

/**
 * Exit 2 unless the deployed restore of `key` (`database` for PostgreSQL, or an engine's key) is
 * the one the stack file declares.
 */
export function assertRestoreDeployed(
  found: DeployedRestore,
  key: string,
  declared: string,
  stack: string,
  color: string,
): void {
  const deployed = key === "database" ? found.restore : (found.engineRestores[key] ?? "");
  if (deployed === declared) return;
  const what = key === "database" ? "restore" : `aitb:${key} restore`;
  throw notRun(
    stack,
    color,
    `the deployed stack (${found.origin}) shows ${deployed ? `the ${what} "${deployed}"` : `no ${what}`}, not "${declared}" as declared`,
  );
}
