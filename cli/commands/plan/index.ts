import { Command, Option } from "commander";
import { readStackSource } from "../../engine/stackFiles";
import { planStack } from "../../engine/plan";
import { planJson, renderPlanText, renderVerdictText, verdictJson } from "../../engine/render";
import { judgePlan } from "../../engine/policies";
import { judgedBase } from "../../engine/judgedBase";
import { processIo, type CommandIo } from "../../shared/io";
import { EXIT, exitCodeOf } from "../../exitCodes";
import { parseInstant, stackOption } from "../../shared/options";

export interface PlanFlags {
  stack: string;
  config?: string;
  base?: string;
  /** `--new-stack`: judge as a stack with nothing deployed. */
  newStack?: boolean;
  now?: Date;
  format: "text" | "json";
  inputs: boolean;
}

/** Exit 1 when a mandatory policy denies the plan, 2 on a config error, 0 otherwise. */
export async function runPlan(
  flags: PlanFlags,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return exitCodeOf(async () => {
    const now = flags.now ?? new Date();
    const source = readStackSource(io.root, flags.stack, flags.config);
    const base = await judgedBase({
      root: io.root,
      stack: flags.stack,
      base: flags.base,
      newStack: flags.newStack,
      needsConfig: false,
      env,
    });
    const plan = await planStack({
      source,
      now,
      ...(base.deployed ? { deployed: base.deployed } : { base: base.source }),
      baseOrigin: base.source || base.deployed ? base.description : undefined,
    });
    const verdict = await judgePlan(plan, { now });
    io.out(
      flags.format === "json"
        ? `${JSON.stringify({ ...planJson(plan), policies: verdictJson(verdict) }, null, 2)}\n`
        : `${renderPlanText(plan, { inputs: flags.inputs })}\n\n${renderVerdictText(verdict)}\n`,
    );
    return verdict.mandatory > 0 ? EXIT.denied : EXIT.ok;
  }, io.err);
}

export function planCommand(): Command {
  return new Command("plan")
    .description("Evaluate the Pulumi program offline (SDK mocks) and print the desired state.")
    .addOption(stackOption())
    .option("-c, --config <path>", "stack file to plan instead of Pulumi.<stack>.yaml")
    .option(
      "-b, --base <rev|path>",
      "judge against this stack config (git revision or file) instead of what is deployed (default: the stack's deployed state from `pulumi stack output`, else the committed file, HEAD)",
    )
    .option("--new-stack", "judge as a new stack, with nothing deployed")
    .option("--now <iso>", "judge as of this time (default: the clock)", parseInstant)
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("--no-inputs", "text format: leave out the resources' inputs")
    .action(async (flags: PlanFlags) => {
      process.exitCode = await runPlan(flags, processIo());
    });
}
