import { PolicyPack, type PolicyPackConfig } from "@pulumi/policy";
import { aitbPolicies } from "./catalog";
import { packRules } from "./rules";

// The committed rules (policies/config.json) are the pack's initial config: the engine applies
// them under any `--policy-pack-config` file (pulumi/pulumi pkg/resource/analyzer/config.go,
// ReconcilePolicyPackConfig: schema defaults, then the initial config, then the file).
const rules = packRules();
new PolicyPack(
  "aitb",
  { policies: aitbPolicies({ now: () => new Date(), rules }) },
  rules.config as PolicyPackConfig,
);
