import type { Plan } from "./plan";
import type { PlannedResource } from "./evaluate";
import type { PolicyVerdict } from "./policies";

const MAX_VALUE = 96;

function shortType(type: string): string {
  return type
    .replace(/^azure-native:/, "az:")
    .replace(/^command:local:Command$/, "command:Command");
}

function showValue(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const oneLine = text.replace(/\s*\n\s*/g, " ⏎ ");
  return oneLine.length > MAX_VALUE ? `${oneLine.slice(0, MAX_VALUE - 1)}…` : oneLine;
}

function flags(resource: PlannedResource): string {
  const marks = [
    resource.protect ? "protect" : "",
    resource.retainOnDelete ? "retain" : "",
    resource.deleteBeforeReplace ? "delete-before-replace" : "",
    resource.replaceOnChanges?.length
      ? `replace-on-changes: ${resource.replaceOnChanges.join(", ")}`
      : "",
  ].filter(Boolean);
  return marks.length ? `  [${marks.join(", ")}]` : "";
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The plan as a tree for people: components with their children, each with inputs and options. */
export function renderPlanText(
  plan: Plan,
  options: { inputs: boolean } = { inputs: true },
): string {
  const lines: string[] = [
    `aitb plan: stack ${plan.stack} (${plan.environment}, ${plan.target}) from ${plan.origin}`,
    `  active ${plan.activeColor} @ ${plan.releases[plan.activeColor]}, standby ${plan.standbyColor} @ ${plan.releases[plan.standbyColor]}`,
  ];
  lines.push(
    plan.baseOrigin
      ? `  judged against: ${plan.baseOrigin}`
      : "  judged against: nothing deployed (a new stack)",
  );
  if (plan.deployed) {
    lines.push(
      `  deployed now: active ${plan.deployed.activeColor}, blue @ ${plan.deployed.releases.blue}, green @ ${plan.deployed.releases.green}`,
    );
  }
  lines.push("");
  const children = new Map<string | undefined, PlannedResource[]>();
  const urns = new Set(plan.resources.map((r) => r.urn));
  for (const resource of plan.resources) {
    const parent = resource.parent && urns.has(resource.parent) ? resource.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  const walk = (parent: string | undefined, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((resource, index) => {
      const last = index === list.length - 1;
      lines.push(
        `${indent}${last ? "└─ " : "├─ "}${resource.name}  ${shortType(resource.type)}${flags(resource)}`,
      );
      const inner = indent + (last ? "   " : "│  ");
      if (options.inputs && resource.custom) {
        for (const [key, value] of Object.entries(resource.inputs).sort(([a], [b]) =>
          a.localeCompare(b),
        )) {
          lines.push(`${inner}    ${key}: ${showValue(value)}`);
        }
        if (resource.dependsOn.length) {
          lines.push(`${inner}    (after ${resource.dependsOn.map(nameOf).join(", ")})`);
        }
      }
      walk(resource.urn, inner);
    });
  };
  walk(undefined, "");
  const custom = plan.resources.filter((r) => r.custom).length;
  const protectedCount = plan.resources.filter((r) => r.protect).length;
  lines.push(
    "",
    `${plan.resources.length} resources (${custom} custom, ${plan.resources.length - custom} components), ${protectedCount} protected; evaluated in ${(plan.ms / 1000).toFixed(2)} s`,
  );
  return lines.join("\n");
}

export function planJson(plan: Plan): Record<string, unknown> {
  return {
    stack: plan.stack,
    project: plan.project,
    origin: plan.origin,
    environment: plan.environment,
    target: plan.target,
    activeColor: plan.activeColor,
    standbyColor: plan.standbyColor,
    releases: plan.releases,
    base: plan.baseOrigin ?? null,
    deployed: plan.deployed ?? null,
    resources: plan.resources.map(({ secretPaths: _secretPaths, ...rest }) => rest),
    outputs: plan.outputs,
    ms: Math.round(plan.ms),
  };
}

/** The policy verdicts for people: each violation with its policy, level, resource and message. */
export function renderVerdictText(verdict: PolicyVerdict): string {
  const advisory = verdict.violations.length - verdict.mandatory;
  if (verdict.violations.length === 0) return "policies: no violations";
  const lines = [`policies: ${verdict.mandatory} mandatory, ${advisory} advisory violation(s)`];
  for (const violation of verdict.violations) {
    const resource = violation.urn ? nameOf(violation.urn) : "(stack)";
    lines.push(
      `  ${violation.level}  ${violation.policy}  ${resource}`,
      `    ${violation.message}`,
    );
  }
  return lines.join("\n");
}

/** The verdicts for machines: every violation names its resource's URN, or null for the stack. */
export function verdictJson(verdict: PolicyVerdict): Record<string, unknown> {
  return {
    violations: verdict.violations.map((violation) => ({
      ...violation,
      urn: violation.urn ?? null,
    })),
    mandatory: verdict.mandatory,
  };
}
