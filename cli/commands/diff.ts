import { Command, Option } from "commander";
import { readBaseSource, readStackSource } from "../plan/stackFiles";
import { judgeStackChange } from "../workflow/stackChange";
import { rulesAtBase } from "../workflow/rulesChange";
import { diffJson, renderDiffMarkdown, renderDiffText } from "../workflow/diffRender";
import { workflowExitCode } from "../workflow/errors";
import { processIo, type CommandIo } from "../workflow/io";
import { clockToTheSecond } from "../workflow/time";
import { EXIT, parseInstant, stackOption } from "./common";

export interface DiffFlags {
  stack: string;
  base: string;
  config?: string;
  now?: Date;
  format: "text" | "markdown" | "json";
}

/** Exit 1 when a mandatory policy denies the change, 2 on a config error, 0 otherwise. */
export async function runDiff(flags: DiffFlags, io: CommandIo): Promise<number> {
  return workflowExitCode(async () => {
    const now = flags.now ?? clockToTheSecond();
    const source = readStackSource(io.root, flags.stack, flags.config);
    const base = readBaseSource(io.root, flags.stack, flags.base);
    const baseRules = rulesAtBase(io.root, flags.base);
    const change = await judgeStackChange({ base, source, now, baseRules });
    io.out(
      flags.format === "json"
        ? `${JSON.stringify(diffJson(change), null, 2)}\n`
        : flags.format === "markdown"
          ? renderDiffMarkdown(change)
          : renderDiffText(change),
    );
    return change.verdict.mandatory > 0 ? EXIT.denied : EXIT.ok;
  }, io.err);
}

export function diffCommand(): Command {
  return new Command("diff")
    .description(
      "Desired-state difference between two versions of a stack config, with blast radius and policy verdicts (for pull-request review).",
    )
    .addOption(stackOption())
    .requiredOption("-b, --base <rev|path>", "the config as deployed now: a git revision or a file")
    .option("-c, --config <path>", "the proposed stack file (default: Pulumi.<stack>.yaml)")
    .option("--now <iso>", "judge as of this time (default: the clock)", parseInstant)
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "markdown", "json"])
        .default("text"),
    )
    .action(async (flags: DiffFlags) => {
      process.exitCode = await runDiff(flags, processIo());
    });
}
