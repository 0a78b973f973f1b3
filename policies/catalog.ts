/** Every policy of the pack, built by its factory; the pack and `aitb plan` run the same list. */
import type { Policies } from "@pulumi/policy";
import { dbRestoreGuard } from "./dbRestoreGuard";
import { marketHoursChangeWindow } from "./marketHoursChangeWindow";
import { pinnedVersions } from "./pinnedVersions";
import { protectData } from "./protectData";
import { secretsStaySecret } from "./secretsStaySecret";
import { singleLiveBot } from "./singleLiveBot";
import type { StackFactsSource } from "./stackFacts";
import { warmStandby } from "./warmStandby";

export interface CatalogOptions {
  now: () => Date;
  /** Environment and secret values; by default read from the engine (PULUMI_CONFIG). */
  stack?: StackFactsSource;
}

export function aitbPolicies(options: CatalogOptions): Policies {
  const { now, stack } = options;
  return [
    marketHoursChangeWindow({ now }),
    dbRestoreGuard({ now }),
    pinnedVersions({ stack }),
    singleLiveBot(),
    warmStandby(),
    protectData(),
    secretsStaySecret({ stack }),
  ];
}
