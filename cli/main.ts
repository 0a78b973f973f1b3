#!/usr/bin/env node
import { Command } from "commander";
import { planCommand } from "./commands/plan";
import { rollbackCommand } from "./commands/rollback";
import { diffCommand } from "./commands/diff";
import { noticeCommand } from "./commands/notice";
import { verifyCommand } from "./commands/verify";
import { upCommand } from "./commands/up";
import { drillCommand } from "./commands/drill";

export function buildCli(): Command {
  return new Command("aitb")
    .description(
      "Blue/green deploys and rollbacks of the AITB trading system, as reviewed stack-config changes.",
    )
    .showHelpAfterError()
    .addCommand(planCommand())
    .addCommand(rollbackCommand())
    .addCommand(diffCommand())
    .addCommand(noticeCommand())
    .addCommand(verifyCommand())
    .addCommand(upCommand())
    .addCommand(drillCommand());
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
