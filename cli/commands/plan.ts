import { Command, Option } from "commander";
import { committedBase, readBaseSource, readStackSource } from "../plan/stackFiles";
import { planStack } from "../plan/plan";
import { planJson, renderPlanText, renderVerdictText, verdictJson } from "../plan/render";
import { judgePlan } from "../plan/policies";
import { projectRoot } from "../../components/platform/projectRoot";
import { processIo } from "../workflow/io";
import { EXIT, exitCodeOf, parseInstant, stackOption } from "./common";

interface PlanFlags {
  stack: string;
  config?: string;
  base?: string;
  /** `--new-stack`: judge as a stack with nothing deployed. */
  newStack?: boolean;
  now?: Date;
  format: "text" | "json";
  inputs: boolean;
}

export function planCommand(): Command {
  return new Command("plan")
    .description("Evaluate the Pulumi program offline (SDK mocks) and print the desired state.")
    .addOption(stackOption())
    .option("-c, --config <path>", "stack file to plan instead of Pulumi.<stack>.yaml")
    .option(
      "-b, --base <rev|path>",
      "the stack config as deployed now (git revision or file; default: the committed file, HEAD)",
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
      process.exitCode = await exitCodeOf(async () => {
        const root = projectRoot(process.cwd());
        const now = flags.now ?? new Date();
        const source = readStackSource(root, flags.stack, flags.config);
        const baseRef = flags.newStack
          ? undefined
          : (flags.base ?? committedBase(root, flags.stack));
        const base = baseRef ? readBaseSource(root, flags.stack, baseRef) : undefined;
        const plan = await planStack({ source, base, now });
        const verdict = await judgePlan(plan, { now });
        processIo().out(
          flags.format === "json"
            ? `${JSON.stringify({ ...planJson(plan), policies: verdictJson(verdict) }, null, 2)}\n`
            : `${renderPlanText(plan, { inputs: flags.inputs })}\n\n${renderVerdictText(verdict)}\n`,
        );
        return verdict.mandatory > 0 ? EXIT.denied : EXIT.ok;
      });
    });
}
