import * as fs from "node:fs";
import * as path from "node:path";
import { Command, Option } from "commander";
import { validateStackConfig } from "../../../config/validate";
import { COLORS } from "../../../domain/colors";
import { SERVICE_NAMES } from "../../../domain/services";
import { FORENSICS_FOLDER, forensicKey, LOG_MANIFEST, logFileName } from "../../../contract/logs";
import { checkLogCopy, logCopiesIn, type CopyCheck } from "../../../contract/logCopies";
import { readStackSource } from "../../engine/stackFiles";
import { EXIT, exitCodeOf, InputError } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { stackOption } from "../../shared/options";

export interface RestoreLogsFlags {
  stack: string;
  incident: string;
  /** A `logs-<time>` folder of the incident; default the newest. */
  copy?: string;
  /** A copy fetched from elsewhere (the Azure forensics container): verified and restored from here. */
  from?: string;
  to?: string;
  service?: string;
  color?: string;
  config?: string;
  format: "text" | "json";
}

export interface RestoreLogsResult {
  stack: string;
  incident: string;
  copy: string;
  verified: boolean;
  problems: string[];
  restoredTo?: string;
  files: { file: string; bytes: number }[];
}

const COMMAND = "restore logs";

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** The live log folders of a stack, which a restore never writes into. */
function liveLogDirs(root: string, stack: string, stateDir: string | undefined): string[] {
  const state = path.resolve(root, stateDir ?? path.join(".aitb", stack));
  return [path.join(state, "logs")];
}

/**
 * Verifies a forensic copy of the logs against its manifest and copies it (or one service's or
 * color's files of it) into a new folder: never over the live logs, never over anything.
 */
export function restoreLogs(flags: RestoreLogsFlags, io: CommandIo): RestoreLogsResult {
  const issues: { key: string; message: string }[] = [];
  if (flags.service && !(SERVICE_NAMES as readonly string[]).includes(flags.service)) {
    issues.push({
      key: "--service",
      message: `"${flags.service}" is not one of ${SERVICE_NAMES.join(", ")}`,
    });
  }
  if (flags.color && !(COLORS as readonly string[]).includes(flags.color)) {
    issues.push({ key: "--color", message: `"${flags.color}" is not one of ${COLORS.join(", ")}` });
  }
  if (issues.length) throw new InputError(COMMAND, issues);
  const source = readStackSource(io.root, flags.stack, flags.config);
  const config = validateStackConfig(source.values, io.clock?.() ?? new Date(), flags.stack);
  const key = forensicKey({ incident: flags.incident, at: "" });
  const incidentDir = path.resolve(io.root, config.backups.root, FORENSICS_FOLDER, key);
  let copyDir: string;
  if (flags.from) {
    copyDir = path.resolve(io.root, flags.from);
    if (!fs.existsSync(path.join(copyDir, LOG_MANIFEST))) {
      throw new InputError(COMMAND, [
        {
          key: "--from",
          message: `${copyDir} holds no ${LOG_MANIFEST}; give the folder of one logs-<time> copy`,
        },
      ]);
    }
  } else {
    if (config.target === "azure") {
      throw new InputError(COMMAND, [
        {
          key: "--from",
          message: `the ${flags.stack} stack keeps its copies in the storage account's forensics container; download one (az storage blob download-batch --auth-mode login --account-name <account> --source forensics --pattern '${key}/logs-*' --destination <dir>) and pass --from <dir>/${key}/logs-<time>`,
        },
      ]);
    }
    const copies = logCopiesIn(incidentDir);
    if (copies.length === 0) {
      throw new InputError(COMMAND, [
        {
          key: "--incident",
          message: `no forensic copy of the logs under ${incidentDir}; check the incident id (aitb:change.incident of the re-pin or restore)`,
        },
      ]);
    }
    const chosen = flags.copy
      ? copies.find((copy) => copy.name === flags.copy)
      : copies[copies.length - 1];
    if (!chosen) {
      throw new InputError(COMMAND, [
        {
          key: "--copy",
          message: `"${flags.copy}" is not a copy of ${key}; expected one of ${copies.map((c) => c.name).join(", ")}`,
        },
      ]);
    }
    copyDir = chosen.dir;
  }
  const copyName = path.basename(copyDir);
  const to = path.resolve(
    io.root,
    flags.to ??
      path.join(
        config.loopback.stateDir ?? path.join(".aitb", flags.stack),
        "logs-restored",
        key,
        copyName,
      ),
  );
  const live = liveLogDirs(io.root, flags.stack, config.loopback.stateDir);
  const clash = live.find((dir) => isInside(to, dir) || isInside(dir, to));
  if (clash) {
    throw new InputError(COMMAND, [
      {
        key: "--to",
        message: `${to} overlaps the live logs in ${clash}; name a folder beside them`,
      },
    ]);
  }
  if (isInside(to, copyDir) || isInside(copyDir, to)) {
    throw new InputError(COMMAND, [
      { key: "--to", message: `${to} overlaps the copy itself; name another folder` },
    ]);
  }
  if (fs.existsSync(to) && fs.readdirSync(to).length > 0) {
    throw new InputError(COMMAND, [
      {
        key: "--to",
        message: `${to} exists and is not empty; a restore never writes over files, name a new folder`,
      },
    ]);
  }
  const check: CopyCheck = checkLogCopy(copyDir);
  const result: RestoreLogsResult = {
    stack: flags.stack,
    incident: key,
    copy: copyDir,
    verified: check.ok,
    problems: check.problems,
    files: [],
  };
  if (!check.ok) return result;
  const wanted = check.files.filter((entry) => {
    const [color, file] = entry.file.includes("/") ? entry.file.split("/", 2) : ["", entry.file];
    if (flags.color && color !== flags.color) return false;
    if (flags.service && file !== logFileName(flags.service)) return false;
    return true;
  });
  for (const entry of wanted) {
    const target = path.join(to, entry.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // COPYFILE_EXCL: nothing that exists is ever replaced.
    fs.copyFileSync(path.join(copyDir, entry.file), target, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(target, 0o644);
  }
  return { ...result, restoredTo: to, files: wanted };
}

function render(result: RestoreLogsResult): string {
  const lines = [
    `aitb restore logs: stack ${result.stack}, incident ${result.incident}`,
    `  copy ${result.copy}`,
  ];
  if (!result.verified) {
    lines.push(`  COMPROMISED: the copy does not match its ${LOG_MANIFEST}; nothing was restored:`);
    lines.push(...result.problems.map((problem) => `    - ${problem}`));
    return `${lines.join("\n")}\n`;
  }
  lines.push(`  verified: every file matches ${LOG_MANIFEST}`);
  lines.push(`  restored ${result.files.length} file(s) into ${result.restoredTo}:`);
  lines.push(...result.files.map((file) => `    ${file.file} (${file.bytes} bytes)`));
  return `${lines.join("\n")}\n`;
}

export async function runRestoreLogs(flags: RestoreLogsFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(async () => {
    const result = restoreLogs(flags, io);
    io.out(flags.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : render(result));
    return result.verified ? EXIT.ok : EXIT.denied;
  }, io.err);
}

export function restoreLogsCommand(): Command {
  return new Command("logs")
    .description(
      "Verify a forensic copy of the logs (aitb:backups.root/forensics/<incident>/logs-<time>) against its sha256 manifest and copy it into a new folder beside the live logs, never over them. Exit 1 when the copy does not match its manifest.",
    )
    .addOption(stackOption())
    .requiredOption(
      "--incident <id>",
      "the incident the copy is filed under (aitb:change.incident)",
    )
    .option("--copy <logs-time>", "which copy of the incident (default: the newest)")
    .option(
      "--from <dir>",
      "a copy fetched from elsewhere (Azure: downloaded from the forensics container)",
    )
    .option(
      "--to <dir>",
      "the new folder to restore into (default: <state folder>/logs-restored/<incident>/<copy>)",
    )
    .option("--service <name>", "only this service's log files")
    .option("--color <color>", "only this color's log files")
    .option("--config <file>", "read this stack file instead of Pulumi.<stack>.yaml")
    .addOption(
      new Option("--format <format>", "output format").choices(["text", "json"]).default("text"),
    )
    .action(async (flags: RestoreLogsFlags) => {
      process.exitCode = await runRestoreLogs(flags, processIo());
    });
}
