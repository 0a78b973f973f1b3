import * as path from "node:path";
import { InvalidArgumentError } from "commander";
import {
  TRADING_DATA_TYPES,
  archivesRoot,
  type TradingDataType,
} from "../../../contract/tradingData";
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

/**
 * Where the stack's archives are read from: `--archives`, else `<aitb:backups.root>/archives`
 * (Docker and loopback). Azure keeps them in blob containers: download the day first.
 */
export function archivesOf(
  command: string,
  root: string,
  config: ParsedStackConfig,
  flag: string | undefined,
): string {
  if (flag) return path.resolve(flag);
  if (config.target === "azure") {
    throw new InputError(command, [
      {
        key: "--archives",
        message:
          "an Azure stack keeps its archives in blob containers; download the day's files and manifest (az storage blob download-batch) and pass --archives <folder>",
      },
    ]);
  }
  return archivesRoot(path.resolve(root, config.backups.root));
}
