/**
 * warm-standby: where rollbacks must be immediate (staging and prod by default), the standby color
 * runs every service with at least one warm replica, so flipping the active color starts nothing.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { otherColor } from "../domain/colors";
import { SERVICE_NAMES } from "../domain/services";
import { findChangeRecord } from "./changeRecord";
import {
  rulesOf,
  settingsOf,
  stringListSchema,
  type PolicyFactoryArgs,
  type RulesArgs,
} from "./factory";
import { stackOfUrn } from "../contract/resources";
import { judgedEnvironment } from "./rules";
import { servicesOf } from "./services";

export const WARM_STANDBY = "warm-standby";

export interface WarmStandbySettings {
  /** Environments (by the pack's stack map) whose standby must stay warm. */
  environments: string[];
}

const DEFAULTS: WarmStandbySettings = { environments: ["staging", "prod"] };

export function warmStandby(
  args: PolicyFactoryArgs & RulesArgs & Partial<WarmStandbySettings> = {},
): StackValidationPolicy {
  const rules = rulesOf(args);
  // The factory's arguments are the policy's defaults; the pack config (getConfig) wins.
  const base = settingsOf(DEFAULTS, { environments: args.environments }, {});
  return {
    name: WARM_STANDBY,
    description:
      "In staging and prod the standby color runs every service with at least one replica, so an immediate rollback needs no cold start.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        environments: stringListSchema(
          "Environments whose standby color must stay warm.",
          base.environments,
        ),
      },
    },
    validateStack: (stack, reportViolation) => {
      const settings = settingsOf(base, {}, stack.getConfig<Partial<WarmStandbySettings>>());
      const lookup = findChangeRecord(stack.resources);
      // Without a readable record the environment and colors are unknown; market-hours-change-window
      // denies that stack already.
      if (!lookup.found) return;
      const { record } = lookup;
      const environment = judgedEnvironment(rules, stackOfUrn(record.urn));
      if (!settings.environments.includes(environment)) return;
      const standby = otherColor(record.desired.activeColor);
      const services = servicesOf(stack.resources).filter((view) => view.color === standby);
      for (const name of SERVICE_NAMES) {
        const instances = services.filter((view) => view.service === name);
        if (instances.length === 0) {
          reportViolation(
            `the standby color ${standby} runs no ${name}; declare it (the program declares every service in both colors) so an immediate rollback needs no cold start`,
          );
          continue;
        }
        const warm = instances.reduce((sum, view) => sum + view.warmReplicas, 0);
        if (warm < 1) {
          reportViolation(
            `the standby ${name} (${instances.map((view) => view.label).join(", ")}) keeps no replica running (minReplicas 0); ` +
              `keep at least one (aitb:services.${name}.replicas >= 1) so an immediate rollback needs no cold start`,
            instances[0].resource.urn,
          );
        }
      }
    },
  };
}
