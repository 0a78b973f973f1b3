import { planStack, type Plan } from "./plan";
import { judgePlan, type PolicyVerdict } from "./policies";
import type { StackSource } from "./stackFiles";
import type { DeployedState } from "../../domain/deployed";
import { blastRadius, type BlastRadius } from "./blastRadius";
import { diffResources, type GraphDiff } from "./graphDiff";
import { withDatabaseRepoints } from "./restoreRepoint";
import { packRules, type PackRules } from "../../policies/rules";
import { deployedUnderRules, guardRailChanges, type GuardRailChanges } from "./rulesChange";

/** A proposed stack config judged against the config deployed now. */
export interface StackChange {
  /** The base as it stands once deployed (its own outputs read back as the deployed state). */
  base: Plan;
  /** The proposed config, planned against the base's deployed state. */
  desired: Plan;
  diff: GraphDiff;
  blast: BlastRadius;
  verdict: PolicyVerdict;
  /** The verdict on the base alone: violations that stand before this change. */
  baseVerdict: PolicyVerdict;
  /** Rules-file and release-content changes, which no resource diff shows. */
  guardRails?: GuardRailChanges;
  now: Date;
  ms: number;
}

/**
 * Plan both configs offline and judge the proposed one with the policy pack. Without the stack's
 * own deployed state, the base is planned against itself so that a config compared with itself
 * differs in nothing, not even in the deployed state its change record carries.
 */
export async function judgeStackChange(options: {
  base: StackSource;
  source: StackSource;
  now: Date;
  /** The pack's rules at the base (cli/engine/rulesChange.ts); the current ones by default. */
  baseRules?: PackRules;
  /** What the stack's backend says is deployed (its `deployed` output), under its own rules. */
  deployed?: DeployedState;
}): Promise<StackChange> {
  const started = performance.now();
  const base = await planStack({
    source: options.base,
    base: options.base,
    deployed: options.deployed,
    againstItself: !options.deployed,
    now: options.now,
  });
  const desired = await planStack({
    source: options.source,
    base: options.base,
    deployed: options.deployed ?? deployedUnderRules(base.deployed, options.baseRules),
    now: options.now,
  });
  const diff = withDatabaseRepoints(
    base,
    desired,
    diffResources(base.resources, desired.resources),
  );
  const verdict = await judgePlan(desired, { now: options.now });
  const baseVerdict = await judgePlan(base, { now: options.now });
  return {
    base,
    desired,
    diff,
    blast: blastRadius(base, desired, diff),
    verdict,
    baseVerdict,
    guardRails: guardRailChanges(base, desired, {
      base: options.baseRules ?? packRules(),
      current: packRules(),
    }),
    now: options.now,
    ms: performance.now() - started,
  };
}
