import type { Color } from "../../domain/colors";
import type { DeployedState } from "../../domain/deployed";
import type { PlannedResource } from "../plan/evaluate";
import type { Plan } from "../plan/plan";
import { identify } from "./blastRadius";
import type { GraphDiff, ResourceChange } from "./graphDiff";

/** The path under which a repointed database connection shows in a resource change. */
export const DATABASE_CONNECTION = "secret inputs (database connection)";

function databaseOf(state: DeployedState | undefined, color: Color): string | undefined {
  if (!state) return undefined;
  const [restored, target] = state.restore.split(":", 2);
  return restored === color && target ? target : state.database;
}

function deployedOf(plan: Plan): DeployedState | undefined {
  return plan.outputs.deployed as DeployedState | undefined;
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
  for (const resource of desired.resources) {
    const identity = identify(resource);
    const color = identity.color;
    if (!color || !moved.includes(color) || !identity.service) continue;
    if (identity.role !== "service" || resource.secretPaths.length === 0) continue;
    const value = {
      path: DATABASE_CONNECTION,
      old: databaseOf(before, color),
      new: databaseOf(after, color),
    };
    const index = changes.findIndex((change) => change.urn === resource.urn);
    if (index >= 0) {
      const existing = changes[index];
      if (existing.op !== "update") continue;
      changes[index] = {
        ...existing,
        keys: [...existing.keys, DATABASE_CONNECTION],
        values: [...existing.values, value],
      };
      continue;
    }
    const old = baseByUrn.get(resource.urn) as PlannedResource;
    const change: ResourceChange = {
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      op: "update",
      keys: [DATABASE_CONNECTION],
      values: [value],
      before: old,
      after: resource,
    };
    changes.push(change);
    repointed++;
  }
  const position = new Map(desired.resources.map((resource, index) => [resource.urn, index]));
  const rank = (change: ResourceChange) => position.get(change.urn) ?? Number.MAX_SAFE_INTEGER;
  return {
    changes: changes.sort((a, b) => rank(a) - rank(b)),
    summary: {
      ...diff.summary,
      update: diff.summary.update + repointed,
      same: diff.summary.same - repointed,
    },
  };
}
