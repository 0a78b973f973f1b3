import * as fs from "node:fs";
import * as path from "node:path";
import { CONTAINERS } from "../../../components/platform/azure/storage";
import { blobDownloadCommand } from "../../shared/azureBlobs";
import { azureNames } from "../../../components/platform/azure/names";
import { azureSchema, backupsSchema } from "../../../config/schema";
import { CONFIG_BACKUP_FILE } from "../../../domain/configBackup";
import { commandLine } from "../../../domain/quote";
import { InputError } from "../../exitCodes";

/** Where the stack writes a release's configuration backup, per target. */
export type BackupLocation =
  | { kind: "file"; file: string }
  | { kind: "blob"; account: string; container: string; blob: string; url: string };

/** The backup text and where it was read from. */
export interface BackupSource {
  text: string;
  /** The file read, as the user would name it. */
  origin: string;
  location: BackupLocation;
}

/**
 * The location a stack's backups of `pin` are written to, from the stack file's own keys (read
 * loosely: the stack file may be the very thing that is damaged): Docker and loopback write
 * `<aitb:backups.root>/<pin>/config.json` relative to the project folder; Azure a blob
 * `<pin>/config.json` in the `config-backups` container of the stack's storage account.
 */
export function backupLocation(
  root: string,
  stack: string,
  values: Record<string, unknown>,
  pin: string,
): BackupLocation {
  if (values.target === "azure") {
    const azure = azureSchema.safeParse(values.azure ?? {});
    if (!azure.success) {
      throw new InputError("restore config", [
        {
          key: "aitb:azure",
          message:
            "is not valid, so the storage account of the backups is unknown; fix it, or pass --from <downloaded backup>",
        },
      ]);
    }
    const account = azureNames(stack, azure.data).storageAccount;
    const blob = `${pin}/${CONFIG_BACKUP_FILE}`;
    return {
      kind: "blob",
      account,
      container: CONTAINERS.config,
      blob,
      url: `https://${account}.blob.core.windows.net/${CONTAINERS.config}/${blob}`,
    };
  }
  const backups = backupsSchema.safeParse(values.backups ?? {});
  if (!backups.success) {
    throw new InputError("restore config", [
      {
        key: "aitb:backups.root",
        message:
          "is not valid, so the backup folder is unknown; fix it, or pass --from <backup file>",
      },
    ]);
  }
  return { kind: "file", file: path.resolve(root, backups.data.root, pin, CONFIG_BACKUP_FILE) };
}

/** Pins that have a backup in a folder of backups (`<pin>/config.json`). */
function pinsBackedUp(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs
    .readdirSync(folder)
    .filter((name) => fs.existsSync(path.join(folder, name, CONFIG_BACKUP_FILE)))
    .sort();
}

const display = (file: string): string => path.relative(process.cwd(), file) || file;

/** Read the backup of `pin`: from `--from`, else where the stack writes it. */
export function readBackup(options: {
  location: BackupLocation;
  pin: string;
  from?: string;
  stack: string;
}): BackupSource {
  const { location, pin, from } = options;
  if (from !== undefined) {
    const file = path.resolve(from);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new InputError("restore config", [
        { key: "--from", message: `no file ${file}; pass the path of a configuration backup` },
      ]);
    }
    return { text: fs.readFileSync(file, "utf8"), origin: display(file), location };
  }
  if (location.kind === "blob") {
    const file = `${pin}-config.json`;
    throw new InputError("restore config", [
      {
        key: "--from",
        message: `the backup of release ${pin} on the azure target is the blob ${location.url}; download it, then run the restore on the file:\n      ${blobDownloadCommand(location, file)}\n      ${commandLine(["aitb", "restore", "config", "--stack", options.stack, "--release", pin, "--from", file])}`,
      },
    ]);
  }
  if (!fs.existsSync(location.file)) {
    const folder = path.dirname(path.dirname(location.file));
    const pins = pinsBackedUp(folder);
    throw new InputError("restore config", [
      {
        key: "--release",
        message: `no configuration backup of release ${pin} at ${display(location.file)} (aitb:backups.root); ${
          pins.length > 0
            ? `backups exist for ${pins.join(", ")}`
            : `${display(folder)} holds no backup`
        }; pick a backed-up release, or pass --from <backup file>`,
      },
    ]);
  }
  return { text: fs.readFileSync(location.file, "utf8"), origin: display(location.file), location };
}
