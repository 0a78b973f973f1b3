/** Every policy of the pack, built by its factory; the pack and `aitb plan` run the same list. */
import type { Policies } from "@pulumi/policy";
import { dbRestoreGuard } from "./dbRestoreGuard";
import { FRESH_CHANGE_RECORD, freshChangeRecord } from "./freshChangeRecord";
import { immutableReleases } from "./immutableReleases";
import { MARKET_HOURS_CHANGE_WINDOW, marketHoursChangeWindow } from "./marketHoursChangeWindow";
import { PINNED_VERSIONS, pinnedVersions } from "./pinnedVersions";
import { protectData } from "./protectData";
import { SECRETS_STAY_SECRET, secretsStaySecret } from "./secretsStaySecret";
import { singleLiveBot } from "./singleLiveBot";
import { stackEnvironment } from "./stackEnvironment";
import type { StackFactsSource } from "./stackFacts";
import { fileSettings, packRules, type PackRules } from "./rules";
import { WARM_STANDBY, warmStandby } from "./warmStandby";

export interface CatalogOptions {
  now: () => Date;
  /** Secret values; by default read from the engine (PULUMI_CONFIG). */
  stack?: StackFactsSource;
  /** The pack's rules; by default the committed policies/config.json. */
  rules?: PackRules;
}

/**
 * The policies with the rules file's settings as their defaults, so that they judge by the file
 * even where an engine passes no config; the config the engine passes (the same file, as the
 * pack's initial config, then any --policy-pack-config) still wins through getConfig.
 */
export function aitbPolicies(options: CatalogOptions): Policies {
  const { now, stack } = options;
  const rules = options.rules ?? packRules();
  // packRules checked each policy's settings against the policy's own schema.
  const settings = (policy: string) => fileSettings(rules.config, policy) as Record<string, never>;
  return [
    stackEnvironment({ rules }),
    marketHoursChangeWindow({ now, rules, ...settings(MARKET_HOURS_CHANGE_WINDOW) }),
    freshChangeRecord({ now, rules, ...settings(FRESH_CHANGE_RECORD) }),
    immutableReleases(),
    dbRestoreGuard({ now }),
    pinnedVersions({ rules, ...settings(PINNED_VERSIONS) }),
    singleLiveBot(),
    warmStandby({ rules, ...settings(WARM_STANDBY) }),
    protectData(),
    secretsStaySecret({ stack, ...settings(SECRETS_STAY_SECRET) }),
  ];
}
