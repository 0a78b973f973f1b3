/**
 * Changes a reviewer must see that no resource diff shows: the policy pack's rules file
 * (policies/config.json) changing between the base and the proposal, and a release whose content
 * changes while its pin stays the same. The first is judged like a routing change during a
 * session (market-hours-change-window), the second denied at any hour (immutable-releases).
 */
import * as fs from "node:fs";
import { COLORS, type Color } from "../../domain/colors";
import type { DeployedState } from "../../domain/deployed";
import { shortDigest } from "../../domain/releaseDigest";
import { packRules, RULES_FILE, type PackRules } from "../../policies/rules";
import type { Plan } from "./plan";
import { deployedStateOf } from "../shared/deployedOutputs";
import { gitOutput } from "../shared/git";

/**
 * The rules as they stand at the base: the rules file of that git revision, or the working
 * tree's when the base is a stack file (a file names no revision of the rules). A revision
 * without the file had no rules file, and counts as the current rules.
 */
export function rulesAtBase(root: string, base: string): PackRules {
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return packRules();
  const text = gitOutput(root, ["show", "--end-of-options", `${base}:${RULES_FILE}`]);
  if (text === undefined) return packRules();
  return packRules(JSON.parse(text) as unknown);
}

/** The base's deployed state as recorded under the base's rules. */
export function deployedUnderRules(
  deployed: DeployedState | undefined,
  rules: PackRules | undefined,
): DeployedState | undefined {
  return deployed && rules ? { ...deployed, rulesDigest: rules.digest } : deployed;
}

export interface ReleaseContentChange {
  color: Color;
  release: string;
  from: string;
  to: string;
}

export interface GuardRailChanges {
  /** The rules file differs from the base's: which policies' entries changed. */
  rules: { from: string; to: string; policies: string[] } | null;
  /** Colors whose pin stays while its content changes. */
  releaseContent: ReleaseContentChange[];
}

function deployedOf(plan: Plan): DeployedState | undefined {
  return deployedStateOf(plan.outputs);
}

export function guardRailChanges(
  base: Plan,
  desired: Plan,
  rules: { base: PackRules; current: PackRules },
): GuardRailChanges {
  const before = deployedOf(base);
  const after = deployedOf(desired);
  const releaseContent: ReleaseContentChange[] = [];
  for (const color of COLORS) {
    const from = before?.releaseDigests?.[color];
    const to = after?.releaseDigests?.[color];
    if (base.releases[color] === desired.releases[color] && from && to && from !== to) {
      releaseContent.push({ color, release: desired.releases[color], from, to });
    }
  }
  const changed = rules.base.digest !== rules.current.digest;
  const names = [
    ...new Set([...Object.keys(rules.base.config), ...Object.keys(rules.current.config)]),
  ];
  const policies = names
    .filter(
      (name) =>
        JSON.stringify(rules.base.config[name]) !== JSON.stringify(rules.current.config[name]),
    )
    .sort();
  return {
    rules: changed ? { from: rules.base.digest, to: rules.current.digest, policies } : null,
    releaseContent,
  };
}

/** The guard-rail changes as blast-radius sentences. */
export function guardRailLines(changes: GuardRailChanges | undefined): string[] {
  if (!changes) return [];
  const lines = changes.releaseContent.map(
    (change) =>
      `release: ${change.color} keeps ${change.release} but its content changes (${shortDigest(change.from)} → ${shortDigest(change.to)}); a live release never changes: cut a new pin`,
  );
  if (changes.rules) {
    const which = changes.rules.policies.length > 0 ? `: ${changes.rules.policies.join(", ")}` : "";
    lines.push(
      `rules: CHANGE ${RULES_FILE} (${shortDigest(changes.rules.from)} → ${shortDigest(changes.rules.to)})${which}; judged like a routing change during a session`,
    );
  }
  return lines;
}
