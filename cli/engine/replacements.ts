import table from "./replacements.json";

/**
 * What a provider does when an input changes: the input properties whose change makes it replace
 * the resource (delete and create) instead of updating it in place. Read from the providers'
 * sources; each entry names them. The data is cli/engine/replacements.json.
 */
export interface ReplacementEntry {
  /** Where the list was read (repository, path and ref, or the installed package). */
  source: string[];
  /** The resource's address in its API, for types whose path parameters force a replacement. */
  path?: string;
  /** Pulumi input property paths whose change forces a replacement. */
  replaceOn: string[];
  /** The provider itself deletes the old resource first when it replaces (a dynamic provider's diff). */
  deleteBeforeReplace?: boolean;
  /** Set when the provider's rule could not be read: why a change may still be a replace. */
  unknown?: string;
  note?: string;
}

const TYPES: Readonly<Record<string, ReplacementEntry>> = table.types;

export function replacementEntry(type: string): ReplacementEntry | undefined {
  return Object.prototype.hasOwnProperty.call(TYPES, type) ? TYPES[type] : undefined;
}

export function replacementTypes(): string[] {
  return Object.keys(TYPES).sort();
}

type Segment = string | number | "*";

/**
 * A Pulumi property path (`tags["aitb-trading-mode"]`, `triggers[*]`, `a.b[0].c`) as segments, the
 * syntax of the replaceOnChanges resource option.
 */
export function parsePropertyPath(path: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]|\[\*\]|\["((?:[^"\\]|\\.)*)"\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(path)) !== null) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(match[3].replace(/\\(.)/g, "$1"));
    else segments.push("*");
  }
  return segments;
}

/** Every value at a property path (a `*` takes each element or key), as JSON for comparison. */
function valuesAt(value: unknown, segments: Segment[]): string[] {
  if (segments.length === 0) return [JSON.stringify(value) ?? "undefined"];
  const [head, ...rest] = segments;
  if (head === "*") {
    if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, rest));
    if (value && typeof value === "object") {
      return Object.keys(value)
        .sort()
        .flatMap((key) => [key, ...valuesAt((value as Record<string, unknown>)[key], rest)]);
    }
    return valuesAt(undefined, rest);
  }
  if (value === null || typeof value !== "object") return valuesAt(undefined, rest);
  return valuesAt((value as Record<string | number, unknown>)[head], rest);
}

/** Whether the value at a property path differs between two sets of inputs. */
export function changesAt(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  path: string,
): boolean {
  const segments = parsePropertyPath(path);
  return JSON.stringify(valuesAt(before, segments)) !== JSON.stringify(valuesAt(after, segments));
}
