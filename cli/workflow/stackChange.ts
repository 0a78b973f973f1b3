import { planStack, type Plan } from "../plan/plan";
import { judgePlan, type PolicyVerdict } from "../plan/policies";
import type { StackSource } from "../plan/stackFiles";
import { blastRadius, type BlastRadius } from "./blastRadius";
import { diffResources, type GraphDiff } from "./graphDiff";
import { withDatabaseRepoints } from "./restoreRepoint";

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
  now: Date;
  ms: number;
}

/**
 * Plan both configs offline and judge the proposed one with the policy pack. The base is planned
 * against itself so that a config compared with itself differs in nothing, not even in the
 * deployed state its change record carries.
 */
export async function judgeStackChange(options: {
  base: StackSource;
  source: StackSource;
  now: Date;
}): Promise<StackChange> {
  const started = performance.now();
  const base = await planStack({ source: options.base, base: options.base, now: options.now });
  const desired = await planStack({
    source: options.source,
    base: options.base,
    deployed: base.deployed,
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
    now: options.now,
    ms: performance.now() - started,
  };
}
