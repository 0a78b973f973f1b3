import type { Color } from "../../domain/colors";
import type { DeployedState } from "../../domain/deployed";
import type { PlannedResource } from "./evaluate";
import { replacementEntry } from "./replacements";
import type { Plan } from "./plan";
import { identityOf } from "./blastRadius";
import type { GraphDiff, ReplaceCause, ResourceChange } from "./graphDiff";
import { deployedStateOf } from "../shared/deployedOutputs";

/** The path under which a repointed database connection shows in a resource change. */
export const DATABASE_CONNECTION = "secret inputs (database connection)";

/**
 * The databases a color's services are connected to: the PostgreSQL database, then each optional
 * engine the color was restored on (`influxdb <target>`), as one line to compare and show.
 */
function databaseOf(state: DeployedState | undefined, color: Color): string | undefined {
  if (!state) return undefined;
  const [restored, target] = state.restore.split(":", 2);
  const parts = [restored === color && target ? target : state.database];
  for (const [engine, declared] of Object.entries(state.engineRestores ?? {}).sort()) {
    const [engineColor, engineTarget] = declared.split(":", 2);
    if (engineColor === color && engineTarget) parts.push(`${engine} ${engineTarget}`);
  }
  return parts.join("; ");
}

function deployedOf(plan: Plan): DeployedState | undefined {
  return deployedStateOf(plan.outputs);
}

/**
 * The inputs holding the repointed secret whose change the provider answers with a replacement
 * (a Docker container's `envs`): a repoint of such a resource is a replace, not an update.
 */
function forcingSecretInputs(resource: PlannedResource): ReplaceCause[] {
  const forcing = new Set(replacementEntry(resource.type)?.replaceOn ?? []);
  const tops = [...new Set(resource.secretPaths.map((path) => path.split(/[.[]/)[0]))];
  return tops.filter((top) => forcing.has(top)).map((property) => ({ property, by: "provider" }));
}

/**
 * The plan masks secret inputs, so a service repointed to a restored database (a new secret
 * DATABASE_URL) would look unchanged. The database each color uses is not secret: where it
 * differs, every service of that color holding secrets is reported as updated, naming both
 * databases.
 */
export function withDatabaseRepoints(base: Plan, desired: Plan, diff: GraphDiff): GraphDiff {
  const before = deployedOf(base);
  const after = deployedOf(desired);
  const moved = (["blue", "green"] as const).filter(
    (color) => databaseOf(before, color) !== databaseOf(after, color),
  );
  if (moved.length === 0) return diff;
  const baseByUrn = new Map(base.resources.map((resource) => [resource.urn, resource]));
  const changes = [...diff.changes];
  let repointed = 0;
  let replaced = 0;
  let movedToReplace = 0;
  for (const resource of desired.resources) {
    const identity = identityOf(resource);
    const color = identity.color;
    if (!color || !moved.includes(color) || !identity.service) continue;
    if (identity.role !== "service" || resource.secretPaths.length === 0) continue;
    const value = {
      path: DATABASE_CONNECTION,
      old: databaseOf(before, color),
      new: databaseOf(after, color),
    };
    const forcedBy = forcingSecretInputs(resource);
    const deleteFirst =
      resource.deleteBeforeReplace || replacementEntry(resource.type)?.deleteBeforeReplace === true;
    const index = changes.findIndex((change) => change.urn === resource.urn);
    if (index >= 0) {
      const existing = changes[index];
      if (existing.op !== "update" && existing.op !== "replace") continue;
      if (existing.op === "update" && forcedBy.length > 0) {
        movedToReplace++;
      }
      changes[index] = {
        ...existing,
        keys: [...existing.keys, DATABASE_CONNECTION],
        values: [...existing.values, value],
        ...(forcedBy.length > 0
          ? {
              op: "replace" as const,
              forcedBy: [...(existing.forcedBy ?? []), ...forcedBy],
              deleteFirst: existing.deleteFirst ?? deleteFirst,
              replacementUnknown: undefined,
            }
          : {}),
      };
      continue;
    }
    const old = baseByUrn.get(resource.urn) as PlannedResource;
    const change: ResourceChange = {
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      op: forcedBy.length > 0 ? "replace" : "update",
      keys: [DATABASE_CONNECTION],
      values: [value],
      ...(forcedBy.length > 0 ? { forcedBy, deleteFirst } : {}),
      before: old,
      after: resource,
    };
    changes.push(change);
    if (forcedBy.length > 0) replaced++;
    else repointed++;
  }
  const position = new Map(desired.resources.map((resource, index) => [resource.urn, index]));
  const rank = (change: ResourceChange) => position.get(change.urn) ?? Number.MAX_SAFE_INTEGER;
  return {
    changes: changes.sort((a, b) => rank(a) - rank(b)),
    summary: {
      ...diff.summary,
      update: diff.summary.update + repointed - movedToReplace,
      replace: diff.summary.replace + replaced + movedToReplace,
      same: diff.summary.same - repointed - replaced,
    },
  };
}
