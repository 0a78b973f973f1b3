import type { PlannedResource } from "./evaluate";
import { changesAt, replacementEntry } from "./replacements";

export type ChangeOp = "create" | "update" | "replace" | "delete";

/** A changed input that makes the change a replacement, and the rule that says so. */
export interface ReplaceCause {
  property: string;
  /** The resource's replaceOnChanges option, or the provider (cli/engine/replacements.json). */
  by: "replaceOnChanges" | "provider";
}

/** One changed value inside a resource's inputs (or options), at a dotted path. */
export interface ValueChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

export interface ResourceChange {
  urn: string;
  type: string;
  name: string;
  op: ChangeOp;
  /** Top-level input keys that change (options as `options.<name>`); every input for create/delete. */
  keys: string[];
  /** Leaf values that change, secrets already masked by the plan. */
  values: ValueChange[];
  /** For a replace: the changed inputs that force it. */
  forcedBy?: ReplaceCause[];
  /** For a replace: the old resource is deleted before the new one exists (a gap), not after. */
  deleteFirst?: boolean;
  /** For an update of a type the replacement table does not know: it may be a replace. */
  replacementUnknown?: string;
  before?: PlannedResource;
  after?: PlannedResource;
}

export interface GraphDiff {
  changes: ResourceChange[];
  summary: { create: number; update: number; replace: number; delete: number; same: number };
}

const OPTION_KEYS = ["protect", "retainOnDelete", "deleteBeforeReplace"] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The changed leaves between two input values. Lists of named objects (env entries, secrets) are
 * followed by name, other lists of objects of the same length (containers) item by item; any other
 * list is compared whole and shown as a list diff.
 */
function leafChanges(path: string, a: unknown, b: unknown, out: ValueChange[]): void {
  if (same(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      leafChanges(path ? `${path}.${key}` : key, a[key], b[key], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.every(isObject) && b.every(isObject)) {
    const byName = (list: Record<string, unknown>[]) =>
      new Map(list.map((item) => [item.name, item] as const));
    const named = (list: Record<string, unknown>[]) =>
      list.every((item) => typeof item.name === "string") && byName(list).size === list.length;
    if (named(a) && named(b)) {
      const left = byName(a);
      const right = byName(b);
      for (const name of new Set([...left.keys(), ...right.keys()])) {
        leafChanges(`${path}[${String(name)}]`, left.get(name), right.get(name), out);
      }
      return;
    }
    if (a.length === b.length) {
      a.forEach((item, index) => leafChanges(`${path}[${index}]`, item, b[index], out));
      return;
    }
  }
  out.push({
    path,
    ...(a !== undefined ? { old: a } : {}),
    ...(b !== undefined ? { new: b } : {}),
  });
}

function inputChanges(before: PlannedResource, after: PlannedResource): ValueChange[] {
  const values: ValueChange[] = [];
  leafChanges("", before.inputs, after.inputs, values);
  for (const option of OPTION_KEYS) {
    if (before[option] !== after[option]) {
      values.push({ path: `options.${option}`, old: before[option], new: after[option] });
    }
  }
  return values;
}

function topKey(path: string): string {
  return path.startsWith("options.") ? path : path.split(/[.[]/)[0];
}

/**
 * Whether a change of inputs is an update in place or a replacement: the resource's
 * replaceOnChanges option, then the provider's own rule for its type (the replacement table).
 * The engine judges with the new registration's options, so the desired side's are used.
 */
export function classifyUpdate(
  before: PlannedResource,
  after: PlannedResource,
): Pick<ResourceChange, "op" | "forcedBy" | "deleteFirst" | "replacementUnknown"> {
  if (!after.custom) return { op: "update" };
  const forcedBy: ReplaceCause[] = [];
  for (const path of after.replaceOnChanges ?? []) {
    if (changesAt(before.inputs, after.inputs, path)) {
      forcedBy.push({ property: path, by: "replaceOnChanges" });
    }
  }
  const entry = replacementEntry(after.type);
  const top = (path: string) => path.split(/[.[]/)[0];
  for (const property of entry?.replaceOn ?? []) {
    if (forcedBy.some((cause) => top(cause.property) === top(property))) continue;
    if (changesAt(before.inputs, after.inputs, property)) {
      forcedBy.push({ property, by: "provider" });
    }
  }
  if (forcedBy.length > 0) {
    return {
      op: "replace",
      forcedBy,
      deleteFirst: after.deleteBeforeReplace || entry?.deleteBeforeReplace === true,
    };
  }
  if (entry?.unknown) return { op: "update", replacementUnknown: entry.unknown };
  if (!entry) {
    return {
      op: "update",
      replacementUnknown: `replacement unknown: type ${after.type} is not in the replacement table`,
    };
  }
  return { op: "update" };
}

/**
 * The desired-state difference between two plans of one stack, resource by resource (matched by
 * URN): what `pulumi preview` would show as create, update, replace or delete, judged on inputs
 * alone.
 */
export function diffResources(base: PlannedResource[], desired: PlannedResource[]): GraphDiff {
  const before = new Map(base.map((resource) => [resource.urn, resource]));
  const after = new Map(desired.map((resource) => [resource.urn, resource]));
  const changes: ResourceChange[] = [];
  let unchanged = 0;
  for (const resource of desired) {
    const old = before.get(resource.urn);
    if (!old) {
      changes.push({
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        op: "create",
        keys: Object.keys(resource.inputs).sort(),
        values: [],
        after: resource,
      });
      continue;
    }
    const values = inputChanges(old, resource);
    if (values.length === 0) {
      unchanged++;
      continue;
    }
    changes.push({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      ...classifyUpdate(old, resource),
      keys: [...new Set(values.map((value) => topKey(value.path)))],
      values,
      before: old,
      after: resource,
    });
  }
  for (const resource of base) {
    if (after.has(resource.urn)) continue;
    changes.push({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      op: "delete",
      keys: Object.keys(resource.inputs).sort(),
      values: [],
      before: resource,
    });
  }
  const count = (op: ChangeOp) => changes.filter((change) => change.op === op).length;
  return {
    changes,
    summary: {
      create: count("create"),
      update: count("update"),
      replace: count("replace"),
      delete: count("delete"),
      same: unchanged,
    },
  };
}
