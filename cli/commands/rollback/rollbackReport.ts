import * as path from "node:path";
import { createTwoFilesPatch } from "diff";
import { blastLines } from "../../engine/blastRadius";
import type { RollbackIntent } from "./rollbackIntent";
import { ENGINE_NAMES, type EngineKey } from "../../../domain/influxRestore";
import type { StackChange } from "../../engine/stackChange";
import { standsAlready, verdictText } from "../../engine/verdicts";
import { commandLine } from "../../../domain/quote";
import { restoreSwitchArgs } from "../../shared/restoreSwitch";
import { isoInstant } from "../../shared/time";

/** One sentence saying what the rollback does. */
export function describeIntent(intent: RollbackIntent): string {
  const { from, target, repin, restore } = intent;
  const repinText = repin ? `re-pin ${repin.color} ${repin.from} → ${repin.to}` : "";
  switch (intent.kind) {
    case "switch":
      return `blue/green switch ${from.color} → ${target.color} (live release ${from.release} → ${target.release})`;
    case "full":
      return `full rollback: ${repinText}, then switch ${from.color} → ${target.color} (live release ${from.release} → ${target.release})`;
    case "restore": {
      const declared = restore ?? Object.values(intent.engineRestores)[0];
      const point = declared?.pointInTime ?? `the snapshot of release ${declared?.fromRelease}`;
      const names = [
        ...(restore ? ["PostgreSQL"] : []),
        ...(Object.keys(ENGINE_NAMES) as EngineKey[])
          .filter((key) => intent.engineRestores[key])
          .map((key) => ENGINE_NAMES[key]),
      ];
      const what =
        names.length === 1 && restore
          ? "database"
          : `${names.join(" and ")} database${names.length > 1 ? "s" : ""}`;
      return `full rollback, step 1 of 2: ${repinText ? `${repinText} and ` : ""}restore ${target.color}'s ${what} to ${point} while ${target.color} stays standby (${from.color} keeps serving)`;
    }
    case "extend":
      return `emergency renewed: expires ${intent.renews?.expires ?? "(no expiry)"} → ${intent.change.expires} (${from.color} @ ${from.release} keeps serving, nothing else changes)`;
  }
}

/** The stack file's own change as a unified diff (jsdiff). */
export function stackFilePatch(file: string, before: string, after: string): string {
  const name = path.basename(file);
  return createTwoFilesPatch(name, name, before, after, "before", "after rollback", { context: 2 });
}

export interface NextStepsOptions {
  stack: string;
  /** The stack file as the user would name it from the project folder. */
  file: string;
  /** The stack file as given with `--config`, when it is not Pulumi.<stack>.yaml. */
  config?: string;
  intent: RollbackIntent;
  /** The commit `--commit` made, and the push that opens its review. */
  committed?: CommittedRollback;
}

export interface CommittedRollback {
  branch: string;
  revision: string;
  /** Undefined when the repository has no remote to push to. */
  push?: string;
}

/** The exact commands that take the edited config to production, each runnable as printed. */
export function nextSteps(options: NextStepsOptions): string[] {
  const { stack, file, intent, config, committed } = options;
  const aitbConfig = config ? ["--config", config] : [];
  const pulumiConfig = config ? ["--config-file", config] : [];
  const review = committed
    ? (committed.push ??
      `# ${committed.branch} has no remote to push to: git remote add <name> <url>, then git push -u <name> ${committed.branch}`)
    : commandLine(["git", "diff", "--", file]);
  const steps = [
    review,
    commandLine([
      "pulumi",
      "preview",
      "--policy-pack",
      "policies",
      "--stack",
      stack,
      ...pulumiConfig,
    ]),
    config
      ? commandLine(["pulumi", "up", "--stack", stack, ...pulumiConfig])
      : `${commandLine(["pulumi", "up", "--stack", stack])}    # or: aitb up --stack ${stack} (up, then verify)`,
  ];
  if (intent.kind !== "extend") {
    steps.push(commandLine(["aitb", "verify", "--stack", stack, ...aitbConfig]));
  }
  if (intent.kind === "restore") {
    steps.push(
      `# once ${intent.target.color} verifies on the restored database, switch to it (step 2 of 2):`,
      commandLine(
        restoreSwitchArgs({
          stack,
          color: intent.target.color,
          change: intent.change,
          config,
          commit: committed !== undefined,
        }),
      ),
    );
  } else {
    steps.push(commandLine(["aitb", "notice", "--stack", stack, ...aitbConfig]));
  }
  return steps;
}

/** The command that shows the values of the change, or nothing when no base can name the file before it. */
export function diffHint(stack: string, base: string | undefined, config?: string): string {
  if (!base) return "";
  return ` (values: ${commandLine(["aitb", "diff", "--stack", stack, "--base", base, ...(config ? ["--config", config] : [])])})`;
}

export interface RollbackReportOptions {
  intent: RollbackIntent;
  change: StackChange;
  file: string;
  displayFile: string;
  before: string;
  after: string;
  changedKeys: string[];
  written: boolean;
  /** A mandatory policy denies the change (written anyway with --force, or a dry run). */
  denied: boolean;
  /** `--config` as given, when the file is not Pulumi.<stack>.yaml. */
  config?: string;
  /** A git revision holding the file as it was before this edit (the commit it was edited on). */
  diffBase?: string;
  committed?: CommittedRollback;
}

export function renderRollbackReport(options: RollbackReportOptions): string {
  const { intent, change } = options;
  const lines = [
    `aitb rollback: stack ${change.desired.stack}: ${describeIntent(intent)}`,
    `  class ${intent.change.class}, incident ${intent.change.incident}, requested by ${intent.change.requestedBy}, at ${intent.change.at}${intent.change.expires ? `, expires ${intent.change.expires}` : ""}`,
    ...intent.notes.map((note) => `  note: ${note}`),
    options.written
      ? `Wrote ${options.displayFile} (changed: ${options.changedKeys.join(", ")})${options.committed ? `; committed ${options.committed.revision} on branch ${options.committed.branch}` : ""}`
      : `Dry run: ${options.displayFile} is unchanged (would change: ${options.changedKeys.join(", ")})${options.denied ? `; it would be REFUSED: ${change.verdict.mandatory} mandatory policy violation(s) below` : ""}`,
  ];
  if (options.denied && options.written) {
    lines.push(
      `WARNING: written with --force despite ${change.verdict.mandatory} mandatory policy violation(s); pulumi preview --policy-pack policies will deny it too`,
    );
  }
  lines.push(
    "",
    stackFilePatch(options.file, options.before, options.after).trimEnd(),
    "",
    "Desired-state change (offline plan, base = the stack file before this edit):",
  );
  for (const resource of change.diff.changes) {
    const keys =
      resource.op === "update" || resource.op === "replace" ? `: ${resource.keys.join(", ")}` : "";
    lines.push(`  ${resource.op} ${resource.name}${keys}`);
  }
  const s = change.diff.summary;
  lines.push(
    `  ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ${s.same} unchanged${diffHint(change.desired.stack, options.diffBase, options.config)}`,
    "Blast radius:",
    ...blastLines(change.blast).map((line) => `  ${line}`),
    ...verdictText(change.verdict, change.now, change.baseVerdict),
    "",
    "Next:",
    ...nextSteps({
      stack: change.desired.stack,
      file: options.displayFile,
      config: options.config,
      intent,
      committed: options.committed,
    }).map((step) => `  ${step}`),
  );
  return `${lines.join("\n")}\n`;
}

/** The commit message of `--commit`: what the reviewer reads first. */
export function commitMessage(intent: RollbackIntent, change: StackChange): string {
  const record = intent.change;
  const violations = change.verdict.violations.length;
  return [
    `aitb rollback ${change.desired.stack}: ${describeIntent(intent)}`,
    "",
    `Class: ${record.class}${record.trigger ? ` (trigger ${record.trigger})` : ""}`,
    `Reason: ${record.reason}`,
    `Incident: ${record.incident}`,
    `Requested by: ${record.requestedBy}, at ${record.at}${record.expires ? `; expires ${record.expires}` : ""}`,
    `Policies: ${violations === 0 ? "no violations" : `${change.verdict.mandatory} mandatory, ${violations - change.verdict.mandatory} advisory violation(s)`} (judged offline as of ${isoInstant(change.now)})`,
  ].join("\n");
}

/** Why nothing was written: the mandatory violations and the ways forward. */
export function renderRefusal(
  intent: RollbackIntent,
  change: StackChange,
  displayFile: string,
): string {
  const mandatory = change.verdict.violations.filter((v) => v.level === "mandatory");
  const standing = mandatory.filter((v) => standsAlready(v, change.baseVerdict)).length;
  const advice =
    standing === mandatory.length
      ? `The rollback itself is allowed, but ${displayFile} already fails ${standing} mandatory polic${standing === 1 ? "y" : "ies"} (marked above), so pulumi preview --policy-pack policies would deny any update: fix that first, or pass --force to write the rollback for review anyway.`
      : "Change what the policies name (the change class, an incident id, an expiry with --expires), or pass --force to write it anyway for review; pulumi preview --policy-pack policies will judge it the same way.";
  return `${[
    `aitb rollback: refused: ${describeIntent(intent)}`,
    ...verdictText(change.verdict, change.now, change.baseVerdict),
    `Nothing was written; ${displayFile} is unchanged.`,
    advice,
  ].join("\n")}\n`;
}
