#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { planCommand } from "./commands/plan";
import { rollbackCommand } from "./commands/rollback";
import { diffCommand } from "./commands/diff";
import { noticeCommand } from "./commands/notice";
import { verifyCommand } from "./commands/verify";
import { upCommand } from "./commands/up";
import { drillCommand } from "./commands/drill";
import { dataCommand } from "./commands/data";
import { reportCommand } from "./commands/report";
import { restoreCommand } from "./commands/restore";
import { EXIT, exitCodeOfError } from "./exitCodes";
import { outputMask } from "../contract/secrets";

/** Usage errors (an unknown option, a bad value) exit 2 like any other bad input, never 1 ("denied"). */
function usageErrorsExit2(command: Command): Command {
  command.exitOverride((error: CommanderError) => {
    throw error;
  });
  for (const sub of command.commands) usageErrorsExit2(sub);
  return command;
}

export function buildCli(): Command {
  return usageErrorsExit2(
    new Command("aitb")
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
      .addCommand(reportCommand())
      .addCommand(drillCommand())
      .addCommand(dataCommand())
      .addCommand(restoreCommand()),
  );
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      const code = exitCodeOfError(error);
      if (code === EXIT.internal) {
        process.stderr.write(
          outputMask.mask(
            `aitb: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
          ),
        );
      }
      process.exitCode = code;
    });
}
