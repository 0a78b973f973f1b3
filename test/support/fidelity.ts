/**
 * Plan fidelity: what `aitb plan --format json` (the program under the SDK's mocks) says against
 * what `pulumi preview --json` (the engine) says, resource by resource. Each difference is one line
 * naming the resource and the field, so a failing test reads as a list of what the offline plan
 * gets wrong.
 */
import { isDeepStrictEqual } from "node:util";
import type { PlannedResource } from "../../cli/engine/evaluate";
import { SECRET_MASK } from "../../contract/secrets";
import { UNKNOWN, type PreviewStep } from "./engine";

/** How the engine's JSON shows a secret without --show-secrets. */
const ENGINE_SECRET = "[secret]";

/**
 * Resources only one side has by design: the engine's default providers (the mocks register none)
 * and the root stack resource (the mocks' stack is implicit). Nothing else may differ.
 */
export function engineOnly(step: PreviewStep): boolean {
  return step.type === "pulumi:pulumi:Stack" || /::default(_[0-9_]+)?$/.test(step.urn);
}

export function planResources(stdout: string): PlannedResource[] {
  return (JSON.parse(stdout) as { resources: PlannedResource[] }).resources;
}

/** A value the engine does not know yet (computed) or hides (a secret): not compared. */
function opaque(value: unknown): boolean {
  return value === UNKNOWN || value === ENGINE_SECRET || value === SECRET_MASK;
}

/** Compare known values, descending into objects so one unknown leaf hides only itself. */
function compareValue(at: string, planned: unknown, engine: unknown, out: string[]): void {
  if (opaque(planned) || opaque(engine)) return;
  if (isPlainObject(planned) && isPlainObject(engine)) {
    for (const key of new Set([...Object.keys(planned), ...Object.keys(engine)])) {
      compareValue(`${at}.${key}`, planned[key], engine[key], out);
    }
    return;
  }
  if (Array.isArray(planned) && Array.isArray(engine) && planned.length === engine.length) {
    planned.forEach((item, index) => compareValue(`${at}[${index}]`, item, engine[index], out));
    return;
  }
  if (!isDeepStrictEqual(planned, engine)) {
    out.push(`${at}: plan ${brief(planned)}, engine ${brief(engine)}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** Every difference between the offline plan and the engine's preview of the same stack. */
export function fidelityDifferences(plan: PlannedResource[], preview: PreviewStep[]): string[] {
  const out: string[] = [];
  const engine = new Map(preview.filter((step) => !engineOnly(step)).map((s) => [s.urn, s]));
  const planned = new Map(plan.map((resource) => [resource.urn, resource]));
  for (const urn of planned.keys()) if (!engine.has(urn)) out.push(`${urn}: only in aitb plan`);
  for (const urn of engine.keys()) if (!planned.has(urn)) out.push(`${urn}: only in the engine`);
  for (const [urn, resource] of planned) {
    const step = engine.get(urn);
    if (!step) continue;
    if (resource.type !== step.type) out.push(`${urn}: type ${resource.type} vs ${step.type}`);
    if ((resource.parent ?? "") !== (step.parent ?? "")) {
      out.push(`${urn}: parent ${resource.parent ?? "(none)"} vs ${step.parent ?? "(none)"}`);
    }
    if (resource.protect !== step.protect) {
      out.push(`${urn}: protect ${resource.protect} vs ${step.protect}`);
    }
    if (resource.custom) compareValue(`${urn} inputs`, resource.inputs, step.inputs, out);
  }
  return out;
}
