/**
 * What every policy factory takes, in the style of awsguard: an enforcement level, the policy's own
 * settings (also settable in the pack's config, which wins), and for the time-aware rules a clock.
 */
import type { EnforcementLevel } from "@pulumi/policy";
import { packRules, type PackRules } from "./rules";

export interface PolicyFactoryArgs {
  enforcementLevel?: EnforcementLevel;
}

export interface ClockArgs {
  /** The instant the rule judges at; the pack passes the clock, `aitb plan` passes `--now`. */
  now?: () => Date;
}

export interface RulesArgs {
  /** The pack's rules (policies/config.json); read from the committed file when not given. */
  rules?: PackRules;
}

/** The rules a policy judges by: the ones it was given, else the committed file's. */
export function rulesOf(args: RulesArgs): PackRules {
  return args.rules ?? packRules();
}

/**
 * Settings in effect: the factory's defaults, then what the factory was called with, then the
 * pack config the engine passes through getConfig (policies/config.json, which the pack gives the
 * engine as its initial config, then any `--policy-pack-config` file).
 */
export function settingsOf<T extends object>(
  defaults: T,
  given: Partial<T> | undefined,
  packConfig: object,
): T {
  const chosen = Object.fromEntries(
    Object.entries(given ?? {}).filter(([, value]) => value !== undefined),
  );
  return { ...defaults, ...chosen, ...packConfig } as T;
}

/** A JSON-schema string list, for a setting's configSchema entry. */
export function stringListSchema(description: string, defaults: readonly string[]) {
  return {
    type: "array" as const,
    items: { type: "string" as const },
    default: [...defaults],
    description,
  };
}
