import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { ConfigError } from "../../../config/errors";
import { validateStackConfig } from "../../../config/validate";
import { releaseDigest, shortDigest } from "../../../domain/releaseDigest";
import { assembleStackSource, readStackSource, stackFileName } from "../../engine/stackFiles";
import { EXIT, exitCodeOf, InputError } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { stackOption } from "../../shared/options";
import { changedConfigKeys, StackFileEditor } from "../rollback/stackEdit";
import { backupLocation, readBackup } from "./backupSource";
import { BackupMismatch, checkBackup } from "./configCheck";
import { currentRelease, restoreRelease, restoreServiceEnv } from "./configEdit";
import { renderRestoreReport, renderUnchanged } from "./configReport";

const COMMAND = "restore config";

export interface RestoreConfigFlags {
  stack: string;
  release: string;
  /** A backup file (an Azure blob downloaded, a copy); default: where the stack writes it. */
  from?: string;
  /** Also restore the stack-level service env (`aitb:services.<service>.env`) the backup carries. */
  env?: boolean;
  dryRun?: boolean;
  /** The stack file, when it is not Pulumi.<stack>.yaml in the project folder. */
  config?: string;
  now?: Date;
}

/** Pins the stack file names anywhere: the catalog, the slots and the release history. */
function knownPins(values: Record<string, unknown>): Set<string> {
  const pins = new Set<string>();
  const releases = values.releases;
  if (releases && typeof releases === "object") Object.keys(releases).forEach((p) => pins.add(p));
  const slots = values.slots as Record<string, { release?: unknown } | undefined> | undefined;
  for (const slot of Object.values(slots ?? {})) {
    if (typeof slot?.release === "string") pins.add(slot.release);
  }
  for (const entry of Array.isArray(values.releaseHistory) ? values.releaseHistory : []) {
    const release = (entry as { release?: unknown }).release;
    if (typeof release === "string") pins.add(release);
  }
  return pins;
}

/**
 * Restore a release's configuration into the stack file from its backup, as a reviewed change:
 * the backup is checked (schema, its own digest, the digest aitb:releaseHistory recorded) before
 * anything is written, the file is edited through the yaml Document API (comments and layout
 * stay), and the result must validate as a stack config. `pulumi up` then deploys it.
 */
export async function runRestoreConfig(flags: RestoreConfigFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(async () => {
    const file = flags.config
      ? path.resolve(flags.config)
      : path.join(io.root, stackFileName(flags.stack));
    const displayFile = path.relative(process.cwd(), file) || file;
    const original = readStackSource(io.root, flags.stack, file);
    const { values } = original;
    const location = backupLocation(io.root, flags.stack, values, flags.release);
    if (flags.from === undefined && !knownPins(values).has(flags.release)) {
      const known = [...knownPins(values)].sort();
      const missing = location.kind === "file" && !fs.existsSync(location.file);
      if (missing) {
        throw new InputError(COMMAND, [
          {
            key: "--release",
            message: `"${flags.release}" is not a release of stack ${flags.stack} (not in aitb:releases, aitb:slots or aitb:releaseHistory) and has no backup; expected one of ${known.join(", ") || "(none)"}`,
          },
        ]);
      }
    }
    const source = readBackup({
      location,
      pin: flags.release,
      from: flags.from,
      stack: flags.stack,
    });
    let backup;
    try {
      backup = checkBackup(source, flags.release, values, flags.env === true);
    } catch (error) {
      if (!(error instanceof BackupMismatch)) throw error;
      io.err(
        `aitb ${COMMAND}: refused: ${error.message}\nNothing was written; ${displayFile} is unchanged.\n`,
      );
      return EXIT.denied;
    }
    if (backup.stack !== undefined && backup.stack !== flags.stack) {
      backup.notes.push(
        `the backup was written by stack ${backup.stack}; its content is what ${flags.stack} checks`,
      );
    }

    const editor = new StackFileEditor(original.stackText, displayFile);
    const current = currentRelease(editor, flags.release);
    const sameRelease = current.digest === backup.digest && current.notes === backup.release.notes;
    if (!sameRelease) restoreRelease(editor, flags.release, backup.release);
    const envServices = flags.env ? restoreServiceEnv(editor, backup.serviceEnv ?? {}) : [];
    const after = editor.text();
    if (after === original.stackText) {
      io.out(renderUnchanged(flags.stack, backup, source.origin, displayFile));
      return EXIT.ok;
    }

    // The restored file must be a valid stack config, with the release at the backup's digest.
    const projectText = fs.readFileSync(path.join(io.root, "Pulumi.yaml"), "utf8");
    const restored = assembleStackSource(flags.stack, projectText, after, file);
    let parsed;
    try {
      parsed = validateStackConfig(restored.values, flags.now ?? new Date(), flags.stack);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new InputError(COMMAND, [
        {
          key: displayFile,
          message: `would not be a valid stack config after the restore; fix these first, then run the restore again:\n${error.issues.map((issue) => `      ${issue.key}: ${issue.message}`).join("\n")}`,
        },
      ]);
    }
    const written = releaseDigest(parsed.releases[flags.release]);
    if (written !== backup.digest) {
      throw new Error(
        `the restored release ${flags.release} reads back as ${shortDigest(written)}, not the backup's ${shortDigest(backup.digest)}`,
      );
    }
    if (!flags.dryRun) {
      if (fs.readFileSync(file, "utf8") !== original.stackText) {
        throw new InputError(COMMAND, [
          {
            key: displayFile,
            message:
              "changed while the restore was being prepared; nothing was written, run it again",
          },
        ]);
      }
      fs.writeFileSync(file, after);
    }
    if (!editor.roundTrips()) {
      io.err(
        `note: ${displayFile} does not read back byte-for-byte through the YAML library; check \`git diff\` for reformatted lines\n`,
      );
    }
    io.out(
      renderRestoreReport({
        stack: flags.stack,
        backup,
        origin: source.origin,
        displayFile,
        before: original.stackText,
        after,
        changedKeys: changedConfigKeys(original.stackText, after),
        written: !flags.dryRun,
        envServices,
        config: flags.config,
      }),
    );
    return EXIT.ok;
  }, io.err);
}

export function restoreConfigCommand(): Command {
  return new Command("config")
    .description(
      "Write a release's configuration (images, env, files) back into Pulumi.<stack>.yaml from the backup the stack wrote, after checking it against the digest aitb:releaseHistory recorded; a reviewed change that `pulumi up` deploys.",
    )
    .addOption(stackOption())
    .requiredOption("--release <pin>", "the release whose configuration to restore")
    .option(
      "--from <file>",
      "the backup file (an Azure blob downloaded with the command the restore prints); default: where the stack writes it (<aitb:backups.root>/<pin>/config.json)",
    )
    .option(
      "--env",
      "also restore the stack-level service env (aitb:services.<service>.env) the backup carries",
    )
    .option("--dry-run", "print the change and write nothing")
    .option("--config <path>", "the stack file, when it is not Pulumi.<stack>.yaml")
    .action(async (flags: RestoreConfigFlags) => {
      process.exitCode = await runRestoreConfig(flags, processIo());
    });
}
