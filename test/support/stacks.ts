import * as path from "node:path";
import { readStackSource, withConfigValues, type StackSource } from "../../cli/engine/stackFiles";
import { planStack, type Plan } from "../../cli/engine/plan";
import { evaluateProgram, type PlannedResource } from "../../cli/engine/evaluate";
import { ConfigError } from "../../config/errors";

export const ROOT = path.resolve(__dirname, "../..");
export const STACKS = ["dev", "staging", "prod"] as const;
/** A Wednesday afternoon with every restore point in the stack files in the past. */
export const NOW = new Date("2026-11-25T20:00:00Z");

export function stackSource(stack: string, changes: Record<string, unknown> = {}): StackSource {
  return withConfigValues(readStackSource(ROOT, stack), changes);
}

export async function planOf(
  stack: string,
  changes: Record<string, unknown> = {},
  options: { now?: Date; base?: StackSource } = {},
): Promise<Plan> {
  return planStack({
    source: stackSource(stack, changes),
    now: options.now ?? NOW,
    base: options.base,
  });
}

export function byUrn(resources: PlannedResource[]): Map<string, PlannedResource> {
  return new Map(resources.map((resource) => [resource.urn, resource]));
}

/** URNs whose inputs differ between two plans (created or deleted ones included). */
export function changedUrns(a: Plan, b: Plan): string[] {
  const left = byUrn(a.resources);
  const right = byUrn(b.resources);
  const urns = new Set([...left.keys(), ...right.keys()]);
  return [...urns]
    .filter(
      (urn) => JSON.stringify(left.get(urn)?.inputs) !== JSON.stringify(right.get(urn)?.inputs),
    )
    .sort();
}

export function flipped(source: StackSource): Record<string, unknown> {
  return { activeColor: source.values.activeColor === "blue" ? "green" : "blue" };
}

/** Evaluate a stack that must fail with a ConfigError before any resource registers. */
export async function configFailureOf(
  stack: string,
  changes: Record<string, unknown>,
): Promise<ConfigError> {
  const registered: string[] = [];
  const error = await evaluateProgram({
    source: stackSource(stack, changes),
    now: NOW,
    onRegister: (key) => registered.push(key),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect(registered.filter((key) => !key.startsWith("pulumi:pulumi:Stack"))).toEqual([]);
  return error as ConfigError;
}
