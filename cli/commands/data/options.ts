import * as path from "node:path";
import { InvalidArgumentError } from "commander";
import {
  TRADING_DATA_TYPES,
  archiveFile,
  archivesRoot,
  manifestFile,
  type TradingDataType,
} from "../../../contract/tradingData";
import { azureNames } from "../../../components/platform/azure/names";
import { blobDownloadCommand, blobUploadCommand, type BlobRef } from "../../shared/azureBlobs";
import { commandLine } from "../../../domain/quote";
import { isIsoDate } from "../../../domain/calendar";
import type { ParsedStackConfig } from "../../../config/schema";
import { InputError } from "../../exitCodes";

export function typesArg(value: string): TradingDataType[] {
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(TRADING_DATA_TYPES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `expected a comma-separated list of ${TRADING_DATA_TYPES.join(", ")}${unknown.length > 0 ? `, got ${unknown.join(", ")}` : ""}`,
    );
  }
  return [...new Set(names)] as TradingDataType[];
}

export function dayArg(value: string): string {
  if (!isIsoDate(value)) {
    throw new InvalidArgumentError(`expected a trading day "YYYY-MM-DD", got "${value}"`);
  }
  return value;
}

/** The day an archive command works on: the stack, the day and the types asked for. */
export interface ArchiveDay {
  stack: string;
  day: string;
  types: readonly TradingDataType[];
}

/**
 * The blobs of a day on an Azure stack, each with its path under an archives folder: one
 * container per type (aitb:backups.archives) holds `<day>.parquet` and the day's manifest
 * `manifests/<day>.json` (the program's `archives` output says the same).
 */
export function azureArchiveBlobs(
  config: ParsedStackConfig,
  request: ArchiveDay,
): { data: { ref: BlobRef; relative: string }[]; manifests: BlobRef[] } {
  if (!config.azure) throw new Error("an Azure stack without aitb:azure");
  const account = azureNames(request.stack, config.azure).storageAccount;
  return {
    data: request.types.map((type) => ({
      ref: { account, container: type, blob: `${request.day}.parquet` },
      relative: archiveFile(type, request.day),
    })),
    manifests: request.types.map((type) => ({
      account,
      container: type,
      blob: manifestFile(request.day),
    })),
  };
}

/**
 * The Azure CLI commands that fill a folder `aitb data restore --archives <folder>` reads
 * (`download`: the day's files, and its manifest from the first type's container), or that file
 * the folder `aitb data archive --archives <folder>` wrote (`upload`: the manifest into every
 * type's container, none over an existing blob).
 */
export function azureTransfers(
  direction: "download" | "upload",
  config: ParsedStackConfig,
  request: ArchiveDay,
  folder: string,
): string[] {
  const blobs = azureArchiveBlobs(config, request);
  const command = direction === "download" ? blobDownloadCommand : blobUploadCommand;
  const manifests = direction === "download" ? blobs.manifests.slice(0, 1) : blobs.manifests;
  const manifest = path.join(folder, manifestFile(request.day));
  return [
    ...blobs.data.map(({ ref, relative }) => command(ref, path.join(folder, relative))),
    ...manifests.map((ref) => command(ref, manifest)),
  ];
}

/**
 * Where the stack's archives are read from or written to: `--archives`, else
 * `<aitb:backups.root>/archives` (Docker and loopback). Azure keeps them in blob containers: the
 * restore reads a downloaded copy, the archive writes a folder to upload; without `--archives`
 * the error prints the exact commands.
 */
export function archivesOf(
  command: "data restore" | "data archive",
  root: string,
  config: ParsedStackConfig,
  flag: string | undefined,
  request: ArchiveDay,
): string {
  if (flag) return path.resolve(flag);
  if (config.target === "azure") {
    const folder = `archives-${request.day}`;
    const again = commandLine([
      "aitb",
      ...command.split(" "),
      "--stack",
      request.stack,
      "--date",
      request.day,
      "--types",
      request.types.join(","),
      "--archives",
      folder,
    ]);
    throw new InputError(command, [
      {
        key: "--archives",
        message:
          command === "data restore"
            ? `an Azure stack keeps its archives in blob containers; download the day's files and its manifest, then pass the folder:\n${[...azureTransfers("download", config, request, folder), `${again} ...`].map((line) => `      ${line}`).join("\n")}`
            : `an Azure stack keeps its archives in blob containers; write the day to a folder, then upload it with the commands the archive prints:\n      ${again}`,
      },
    ]);
  }
  return archivesRoot(path.resolve(root, config.backups.root));
}
