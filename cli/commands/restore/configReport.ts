import * as path from "node:path";
import { createTwoFilesPatch } from "diff";
import { commandLine } from "../../../domain/quote";
import { shortDigest } from "../../../domain/releaseDigest";
import type { CheckedBackup } from "./configCheck";

export interface RestoreReportOptions {
  stack: string;
  backup: CheckedBackup;
  origin: string;
  displayFile: string;
  before: string;
  after: string;
  changedKeys: string[];
  written: boolean;
  /** Services whose stack-level env was restored (--env). */
  envServices: string[];
  /** `--config` as given, when the file is not Pulumi.<stack>.yaml. */
  config?: string;
}

function provenance(backup: CheckedBackup, origin: string): string {
  const written = backup.writtenAt ? `written ${backup.writtenAt}` : "time written not in the file";
  const stack = backup.stack ? `stack ${backup.stack}` : "stack not named";
  const check = backup.recorded
    ? `equals the digest aitb:releaseHistory recorded (${shortDigest(backup.recorded)})`
    : `content ${shortDigest(backup.digest)}, no digest recorded to compare with`;
  return `  backup ${origin} (${stack}, ${written}): ${check}`;
}

/** The commands that take the restored stack file to the stack, each runnable as printed. */
export function restoreNextSteps(stack: string, file: string, pin: string, config?: string) {
  const aitbConfig = config ? ["--config", config] : [];
  const pulumiConfig = config ? ["--config-file", config] : [];
  return [
    commandLine(["aitb", "plan", "--stack", stack, ...aitbConfig]),
    commandLine(["git", "diff", "--", file]),
    commandLine([
      "git",
      "commit",
      "-m",
      `Restore the configuration of release ${pin} from its backup`,
      "--",
      file,
    ]),
    commandLine([
      "pulumi",
      "preview",
      "--policy-pack",
      "policies",
      "--stack",
      stack,
      ...pulumiConfig,
    ]),
    commandLine(["pulumi", "up", "--stack", stack, ...pulumiConfig]),
  ];
}

export function renderRestoreReport(options: RestoreReportOptions): string {
  const { backup, stack } = options;
  const what = [
    `release ${backup.pin}`,
    ...(options.envServices.length > 0
      ? [`the stack-level env of ${options.envServices.join(", ")}`]
      : []),
  ].join(" and ");
  const name = path.basename(options.displayFile);
  const lines = [
    `aitb restore config: stack ${stack}: ${what} from its backup`,
    provenance(backup, options.origin),
    ...backup.notes.map((note) => `  note: ${note}`),
    options.written
      ? `Wrote ${options.displayFile} (changed: ${options.changedKeys.join(", ")})`
      : `Dry run: ${options.displayFile} is unchanged (would change: ${options.changedKeys.join(", ")})`,
    "",
    createTwoFilesPatch(name, name, options.before, options.after, "before", "after restore", {
      context: 2,
    }).trimEnd(),
    "",
    "Next:",
    ...restoreNextSteps(stack, options.displayFile, backup.pin, options.config).map(
      (step) => `  ${step}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** The stack file already holds what the backup holds. */
export function renderUnchanged(
  stack: string,
  backup: CheckedBackup,
  origin: string,
  displayFile: string,
): string {
  return `${[
    `aitb restore config: stack ${stack}: release ${backup.pin} in ${displayFile} already equals its backup (${shortDigest(backup.digest)}); nothing was changed`,
    provenance(backup, origin),
    ...backup.notes.map((note) => `  note: ${note}`),
  ].join("\n")}\n`;
}
