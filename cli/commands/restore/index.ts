import { Command } from "commander";
import { restoreConfigCommand } from "./config";
import { restoreLogsCommand } from "./logs";

/** `aitb restore <what>`: bring back a kept copy beside the live one, never over it. */
export function restoreCommand(): Command {
  return new Command("restore")
    .description(
      "Bring back what a forensic copy or a backup kept, verified against its manifest, beside the live state (never over it).",
    )
    .addCommand(restoreConfigCommand())
    .addCommand(restoreLogsCommand());
}
