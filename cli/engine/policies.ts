/**
 * Runs the policy pack in-process on a plan: the same policy factories `pulumi preview
 * --policy-pack policies` runs, called with the argument shapes @pulumi/policy passes them, on the
 * resources the mocked program registered, with the pack's committed rules (policies/config.json)
 * as the engine configures them. The pack's index.ts is never loaded here (constructing a
 * PolicyPack starts its server).
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { aitbPolicies } from "../../policies/catalog";
import type { DataResourceOptions } from "../../policies/protectData";
import {
  packRules,
  RulesError,
  type PackRules,
  type PolicyPackConfigFile,
} from "../../policies/rules";
import type { PlannedResource } from "./evaluate";
import type { Plan } from "./plan";

export interface PolicyViolation {
  policy: string;
  level: "advisory" | "mandatory";
  urn?: string;
  message: string;
}

export interface PolicyVerdict {
  violations: PolicyViolation[];
  mandatory: number;
}

class NotApplicable extends Error {}

function notApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

/** The level a violation is reported at, as the engine does; undefined when the policy is off. */
function levelOf(level: EnforcementLevel | undefined): PolicyViolation["level"] | undefined {
  if (level === "disabled") return undefined;
  // A remediation that still leaves a violation is reported as mandatory.
  if (level === "mandatory" || level === "remediate") return "mandatory";
  return "advisory";
}

/** `isType(SomeResourceClass)` as @pulumi/policy answers it: by the class's Pulumi type token. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const candidate = resourceClass as {
    __pulumiType?: string;
    isInstance?: (value: unknown) => boolean;
  };
  if (candidate.__pulumiType !== undefined) return candidate.__pulumiType === type;
  return candidate.isInstance?.({ __pulumiType: type }) === true;
}

/**
 * The engine's resource options, plus retainOnDelete, which the plan knows and the engine does not
 * pass to policies.
 */
function optionsOf(resource: PlannedResource): DataResourceOptions {
  return {
    protect: resource.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    deleteBeforeReplace: resource.deleteBeforeReplace,
    parent: resource.parent,
    retainOnDelete: resource.retainOnDelete,
  };
}

const NO_STACK_TAGS: ReadonlyMap<string, string> = new Map();

/** One policy's configuration as the engine hands it over: its level and its settings. */
export interface ReconciledPolicyConfig {
  enforcementLevel?: EnforcementLevel;
  properties: Record<string, unknown>;
}

/**
 * The configuration each policy runs with, as the engine reconciles it
 * (pulumi/pulumi pkg/resource/analyzer/config.go, ReconcilePolicyPackConfig and applyConfig):
 * the defaults of each policy's configSchema, then the given config, where "all" sets every
 * policy's enforcement level and a policy's own entry then sets its level and settings.
 */
export function reconcilePolicyConfig(
  policies: Policies,
  config: PolicyPackConfigFile,
): Map<string, ReconciledPolicyConfig> {
  const names = new Set(policies.map((policy) => policy.name));
  const unknown = Object.keys(config).filter((name) => name !== "all" && !names.has(name));
  if (unknown.length > 0) {
    throw new RulesError(
      `${unknown.map((name) => `"${name}"`).join(", ")} ${unknown.length === 1 ? "is no policy" : "are no policies"} of the pack; expected ${[...names].join(", ")} or "all"`,
    );
  }
  const result = new Map<string, ReconciledPolicyConfig>();
  for (const policy of policies) {
    const defaults = Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, schema]) => typeof schema === "object" && schema.default !== undefined)
      .map(([key, schema]) => [key, (schema as { default: unknown }).default]);
    result.set(policy.name, {
      enforcementLevel: policy.enforcementLevel,
      properties: Object.fromEntries(defaults),
    });
  }
  const levelOfEntry = (entry: PolicyPackConfigFile[string] | undefined) =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;
  const all = levelOfEntry(config.all);
  if (all) for (const entry of result.values()) entry.enforcementLevel = all;
  for (const [name, entry] of Object.entries(config)) {
    const target = result.get(name);
    if (!target) continue;
    const level = levelOfEntry(entry);
    if (level) target.enforcementLevel = level;
    if (typeof entry !== "string") {
      const settings: Record<string, unknown> = { ...entry };
      delete settings.enforcementLevel;
      target.properties = { ...target.properties, ...settings };
    }
  }
  return result;
}

function configGetter(config: ReconciledPolicyConfig | undefined) {
  return <T extends object>(): T => ({ ...(config?.properties ?? {}) }) as T;
}

function resourceArgs(
  resource: PlannedResource,
  getConfig: ResourceValidationArgs["getConfig"],
): ResourceValidationArgs {
  const { type, inputs: props } = resource;
  return {
    type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: optionsOf(resource),
    stackTags: NO_STACK_TAGS,
    isType: (resourceClass) => isTypeOf(type, resourceClass),
    asType: ((resourceClass: unknown) =>
      isTypeOf(type, resourceClass) ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig,
    notApplicable,
  };
}

/** The stack as a stack policy sees it, with parents and dependencies linked by URN. */
function stackResources(resources: readonly PlannedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const resource of resources) {
    const { type, inputs: props } = resource;
    byUrn.set(resource.urn, {
      type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: optionsOf(resource),
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(type, resourceClass),
      asType: ((resourceClass: unknown) =>
        isTypeOf(type, resourceClass) ? props : undefined) as PolicyResource["asType"],
    });
  }
  for (const resource of resources) {
    const policyResource = byUrn.get(resource.urn) as PolicyResource;
    policyResource.parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    policyResource.dependencies = resource.dependsOn
      .map((urn) => byUrn.get(urn))
      .filter((dependency): dependency is PolicyResource => dependency !== undefined);
  }
  return [...byUrn.values()];
}

function isStackPolicy(
  policy: ResourceValidationPolicy | StackValidationPolicy,
): policy is StackValidationPolicy {
  return "validateStack" in policy && typeof policy.validateStack === "function";
}

async function runGuarded(run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
}

/**
 * Run every policy of a pack on the plan's resources, configured as the engine configures them
 * from `config` (the pack's rules file; none: each policy's own level and schema defaults).
 */
export async function judgeResources(
  policies: Policies,
  resources: readonly PlannedResource[],
  config: PolicyPackConfigFile = {},
): Promise<PolicyVerdict> {
  const violations: PolicyViolation[] = [];
  const stack = stackResources(resources);
  const configured = reconcilePolicyConfig(policies, config);
  for (const policy of policies) {
    const policyConfig = configured.get(policy.name);
    const level = levelOf(policyConfig?.enforcementLevel ?? policy.enforcementLevel);
    if (!level) continue;
    const getConfig = configGetter(policyConfig);
    const reporter =
      (fallbackUrn?: string): ReportViolation =>
      (message, urn) =>
        violations.push({ policy: policy.name, level, urn: urn ?? fallbackUrn, message });
    if (isStackPolicy(policy)) {
      const args: StackValidationArgs = {
        resources: stack,
        stackTags: NO_STACK_TAGS,
        getConfig,
        notApplicable,
      };
      await runGuarded(() => policy.validateStack(args, reporter()));
      continue;
    }
    const validations = policy.validateResource;
    if (!validations) continue;
    const list = Array.isArray(validations) ? validations : [validations];
    for (const resource of resources) {
      // Resource validations always report against the resource validated, as the engine does.
      const report = reporter(resource.urn);
      const bound: ReportViolation = (message) => report(message, resource.urn);
      for (const validate of list) {
        await runGuarded(() => validate(resourceArgs(resource, getConfig), bound));
      }
    }
  }
  return {
    violations,
    mandatory: violations.filter((violation) => violation.level === "mandatory").length,
  };
}

/**
 * Run every policy of the pack on the resources of a plan, as of `options.now`, by the pack's
 * rules (the committed policies/config.json unless others are given).
 */
export async function judgePlan(
  plan: Plan,
  options: { now: Date; rules?: PackRules },
): Promise<PolicyVerdict> {
  const rules = options.rules ?? packRules();
  const policies = aitbPolicies({
    now: () => options.now,
    // The plan shows secret inputs as "[secret]", so no secret values are needed to tell them.
    stack: () => ({ secretValues: [] }),
    rules,
  });
  return judgeResources(policies, plan.resources, rules.config);
}
