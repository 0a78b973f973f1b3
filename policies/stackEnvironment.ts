/**
 * stack-environment: which environment a stack is comes from the pack's map (policies/config.json
 * `stack-environment.stackEnvironments`), by the stack name the engine reports in every URN
 * (`urn:pulumi:<stack>::...`), never from the stack file. A stack the map does not name is denied
 * (the other policies judge it as prod meanwhile), and so is a program configured as another
 * environment than the map's (the program refuses that already; this holds for any program).
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { findChangeRecord } from "./changeRecord";
import { rulesOf, settingsOf, type PolicyFactoryArgs, type RulesArgs } from "./factory";
import { stackOfUrn } from "../contract/resources";
import { ENVIRONMENTS, RULES_FILE, STACK_ENVIRONMENT, type Environment } from "./rules";

export { STACK_ENVIRONMENT } from "./rules";

export interface StackEnvironmentSettings {
  /** Stack name -> dev, staging or prod. */
  stackEnvironments: Record<string, Environment>;
}

export function stackEnvironment(args: PolicyFactoryArgs & RulesArgs = {}): StackValidationPolicy {
  const rules = rulesOf(args);
  const defaults: StackEnvironmentSettings = { stackEnvironments: rules.stackEnvironments };
  const where = `${RULES_FILE} (${STACK_ENVIRONMENT}.stackEnvironments)`;
  return {
    name: STACK_ENVIRONMENT,
    description:
      "Each stack's environment is the one the pack's map gives its name; a stack the map does not name, or a program configured as another environment, is denied.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        stackEnvironments: {
          type: "object",
          description: "Stack name -> environment (dev, staging or prod).",
          additionalProperties: { type: "string", enum: [...ENVIRONMENTS] },
          default: defaults.stackEnvironments,
        },
      },
    },
    validateStack: (stack, reportViolation) => {
      const first = stack.resources[0];
      if (!first) return;
      const name = stackOfUrn(first.urn);
      const settings = settingsOf(
        defaults,
        {},
        stack.getConfig<Partial<StackEnvironmentSettings>>(),
      );
      const expected =
        name !== undefined && Object.prototype.hasOwnProperty.call(settings.stackEnvironments, name)
          ? settings.stackEnvironments[name]
          : undefined;
      if (!expected) {
        reportViolation(
          `stack "${name ?? first.urn}" has no environment in ${where}; add it there (reviewed with the pack's rules), until then it is judged as prod`,
        );
        return;
      }
      const lookup = findChangeRecord(stack.resources);
      if (lookup.found && lookup.record.environment && lookup.record.environment !== expected) {
        reportViolation(
          `the program was configured as environment "${lookup.record.environment}", but stack "${name}" is "${expected}" per ${where}; the stack file cannot choose its environment: set aitb:environment: ${expected}`,
          lookup.record.urn,
        );
      }
    },
  };
}
