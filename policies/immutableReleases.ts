/**
 * immutable-releases: a release pin names content that never changes once it has been live. The
 * content of a pin (every service's image, digest, build, env and files) has a digest
 * (domain/releaseDigest.ts); `aitb:releaseHistory` records it when the release goes live, and the
 * program exports each color's digest in its `deployed` state. At any hour this denies:
 * - a color that keeps its pin while the pin's content changes (deployed vs desired digest);
 * - pinning a release whose content is not the one recorded when it was live (a "known-good"
 *   target is only known-good if it is the same bytes);
 * - rewriting the digest the history recorded for a release.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { COLORS } from "../domain/colors";
import type { DeployedState } from "../domain/deployed";
import { shortDigest } from "../domain/releaseDigest";
import { findChangeRecord } from "./changeRecord";
import type { PolicyFactoryArgs } from "./factory";

export const IMMUTABLE_RELEASES = "immutable-releases";

const CUT_A_NEW_PIN =
  "a release that has been live never changes: put the new content under a new pin in the release catalog (aitb:releases, e.g. 2026.11.4-1) and pin that, or restore the catalog entry to what was live";

/** Every way the desired state changes the content of a release that has been live. */
export function releaseMutations(
  deployed: DeployedState | undefined,
  desired: DeployedState,
): string[] {
  const problems: string[] = [];
  const recorded = { ...desired.recordedDigests, ...deployed?.recordedDigests };
  for (const color of COLORS) {
    const pin = desired.releases[color];
    const now = desired.releaseDigests?.[color];
    if (!now) continue;
    const before = deployed?.releases[color] === pin ? deployed.releaseDigests?.[color] : undefined;
    if (before && before !== now) {
      problems.push(
        `release ${pin} runs on ${color} with content ${shortDigest(before)}, and this update changes its content under the same pin to ${shortDigest(now)}; ${CUT_A_NEW_PIN}`,
      );
      continue;
    }
    const live = recorded[pin];
    if (live && live !== now) {
      problems.push(
        `release ${pin} was live with content ${shortDigest(live)} (aitb:releaseHistory), but the catalog now gives ${shortDigest(now)} for the ${color} pin; ${CUT_A_NEW_PIN}`,
      );
    }
  }
  for (const [release, digest] of Object.entries(deployed?.recordedDigests ?? {})) {
    const rewritten = desired.recordedDigests?.[release];
    if (rewritten && rewritten !== digest) {
      problems.push(
        `aitb:releaseHistory rewrites the digest recorded for ${release} (${shortDigest(digest)} -> ${shortDigest(rewritten)}); what was live is history: keep the recorded digest`,
      );
    }
  }
  return problems;
}

export function immutableReleases(args: PolicyFactoryArgs = {}): StackValidationPolicy {
  return {
    name: IMMUTABLE_RELEASES,
    description:
      "A release pin that has been live keeps its content (images, digests, env, files): changed content needs a new pin, at any hour.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    validateStack: (stack, reportViolation) => {
      const lookup = findChangeRecord(stack.resources);
      // An unreadable or missing record is denied by market-hours-change-window already.
      if (!lookup.found) return;
      const { record } = lookup;
      for (const problem of releaseMutations(record.deployed, record.desired)) {
        reportViolation(problem, record.urn);
      }
    },
  };
}
