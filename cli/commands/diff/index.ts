import { Command, Option } from "commander";
import { readStackSource, type StackSource } from "../../engine/stackFiles";
import { judgedBase } from "../../engine/judgedBase";
import { judgeStackChange } from "../../engine/stackChange";
import { rulesAtBase } from "../../engine/rulesChange";
import { commentingErrors, diffJson, renderDiffMarkdown, renderDiffText } from "./diffRender";
import { EXIT, exitCodeOf } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { clockToTheSecond } from "../../shared/time";
import { parseInstant, stackOption } from "../../shared/options";

export interface DiffFlags {
  stack: string;
  /** Default: what is deployed (cli/engine/judgedBase.ts). */
  base?: string;
  config?: string;
  now?: Date;
  format: "text" | "markdown" | "json";
}

/** Exit 1 when a mandatory policy denies the change, 2 on a config error, 0 otherwise. */
export async function runDiff(
  flags: DiffFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const judge = async (): Promise<number> => {
    const now = flags.now ?? clockToTheSecond();
    const source = readStackSource(io.root, flags.stack, flags.config);
    const judged = await judgedBase({
      root: io.root,
      stack: flags.stack,
      base: flags.base,
      needsConfig: true,
      env,
    });
    // judgedBase gives a config whenever a diff asks for one, or throws.
    const base = { ...(judged.source as StackSource), origin: judged.description };
    const baseRules = judged.revision ? rulesAtBase(io.root, judged.revision) : undefined;
    const change = await judgeStackChange({
      base,
      source,
      now,
      baseRules,
      deployed: judged.deployed,
    });
    io.out(
      flags.format === "json"
        ? `${JSON.stringify(diffJson(change), null, 2)}\n`
        : flags.format === "markdown"
          ? renderDiffMarkdown(change)
          : renderDiffText(change),
    );
    return change.verdict.mandatory > 0 ? EXIT.denied : EXIT.ok;
  };
  // A review comment is posted for config errors too.
  return exitCodeOf(
    flags.format === "markdown" ? commentingErrors(flags.stack, io.out, judge) : judge,
    io.err,
  );
}

export function diffCommand(): Command {
  return new Command("diff")
    .description(
      "Desired-state difference between two versions of a stack config, with blast radius and policy verdicts (for pull-request review).",
    )
    .addOption(stackOption())
    .option(
      "-b, --base <rev|path>",
      "compare with this config (a git revision or a file) instead of what is deployed (default: the stack's deployed state from `pulumi stack output`, else the committed file, HEAD)",
    )
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
