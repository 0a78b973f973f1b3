#!/usr/bin/env node
import { Command } from "commander";
import { planCommand } from "./commands/plan";

export function buildCli(): Command {
  return new Command("aitb")
    .description(
      "Blue/green deploys and rollbacks of the AITB trading system, as reviewed stack-config changes.",
    )
    .showHelpAfterError()
    .addCommand(planCommand());
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(
        `aitb: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 3;
    });
}
