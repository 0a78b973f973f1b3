import * as fs from "node:fs";
import * as path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  CANDLE_MINUTES,
  TABLES,
  archiveManifestSchema,
  manifestFile,
  type ArchiveManifest,
  type TradingDataType,
} from "../../../contract/tradingData";
import {
  CandleChecker,
  RowChecker,
  type IntegrityProblem,
} from "../../../domain/tradingData/integrity";
import { isoMicros, type TradingDayFrame } from "../../../domain/tradingData/session";
import { forEachBatch, parquetColumns } from "./duck";
import { sha256File } from "./files";

/** A file of the archive that is missing or not the one its manifest describes. */
export interface FileProblem {
  file: string;
  message: string;
}

export interface FilesVerdict {
  manifest?: ArchiveManifest;
  manifestPath: string;
  manifestSha256?: string;
  problems: FileProblem[];
  bytes: number;
}

/**
 * Every requested file against the day's manifest: present, its size, its sha256. Reads only.
 */
export async function verifyArchiveFiles(
  archives: string,
  day: string,
  types: readonly TradingDataType[],
): Promise<FilesVerdict> {
  const manifestPath = path.join(archives, manifestFile(day));
  if (!fs.existsSync(manifestPath)) {
    return {
      manifestPath,
      problems: [
        { file: manifestPath, message: "missing: no manifest, so no archive of this day" },
      ],
      bytes: 0,
    };
  }
  const text = fs.readFileSync(manifestPath, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      manifestPath,
      problems: [{ file: manifestPath, message: `not JSON (${(error as Error).message})` }],
      bytes: 0,
    };
  }
  const parsed = archiveManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      manifestPath,
      problems: [
        {
          file: manifestPath,
          message: `not a manifest of schema version 1: ${issue.path.join(".") || "(top)"}: ${issue.message}`,
        },
      ],
      bytes: 0,
    };
  }
  const manifest = parsed.data;
  const problems: FileProblem[] = [];
  if (manifest.day !== day) {
    problems.push({ file: manifestPath, message: `describes ${manifest.day}, not ${day}` });
  }
  let bytes = 0;
  for (const type of types) {
    const entry = manifest.types[type];
    if (!entry) {
      problems.push({ file: manifestPath, message: `lists no ${type} archive for ${day}` });
      continue;
    }
    const file = path.join(archives, entry.file);
    if (!fs.existsSync(file)) {
      problems.push({ file, message: "missing" });
      continue;
    }
    const size = fs.statSync(file).size;
    bytes += size;
    if (size !== entry.bytes) {
      problems.push({ file, message: `${size} bytes, the manifest says ${entry.bytes}` });
      continue;
    }
    const sha = await sha256File(file);
    if (sha !== entry.sha256) {
      problems.push({ file, message: `sha256 ${sha}, the manifest says ${entry.sha256}` });
    }
  }
  const manifestSha256 = await sha256File(manifestPath);
  return { manifest, manifestPath, manifestSha256, problems, bytes };
}

const SIDES = ["ask", "bid"];

function checkerFor(
  type: TradingDataType,
  frame: TradingDayFrame,
  symbols: readonly string[],
): RowChecker {
  const name = (index: string | number) => symbols[Number(index)] ?? "a symbol not in the manifest";
  const common = {
    dataType: type,
    frame,
    symbols: symbols.map((_, index) => index),
    symbolName: name,
  };
  switch (type) {
    case "candles":
      return new CandleChecker({
        ...common,
        minutes: CANDLE_MINUTES,
        label: (key) => `${name(key[0])} ${isoMicros(Number(key[1]))}`,
      });
    case "trades":
      return new RowChecker({
        ...common,
        integerColumns: [1],
        label: (key) => `${name(key[0])} trade ${key[1]}`,
      });
    case "orderbook":
      return new RowChecker({
        ...common,
        integerColumns: [1, 3],
        label: (key) =>
          `${name(key[0])} seq ${key[1]} ${SIDES[Number(key[2])] ?? "(side neither ask nor bid)"} level ${key[3]}`,
      });
  }
}

/**
 * The rows of each file against the integrity rules (domain/tradingData/integrity.ts) and its
 * columns against the contract's schema. The files are the manifest's (checked by sha256 first),
 * and the restored tables are shown equal to them by row count and checksum.
 */
export async function checkArchiveContent(
  duck: DuckDBConnection,
  archives: string,
  manifest: ArchiveManifest,
  types: readonly TradingDataType[],
  frame: TradingDayFrame,
): Promise<IntegrityProblem[]> {
  const problems: IntegrityProblem[] = [];
  for (const type of types) {
    const entry = manifest.types[type];
    if (!entry) continue;
    const file = path.join(archives, entry.file);
    const columns = await parquetColumns(duck, file);
    const expected = TABLES[type].columns.map((column) => `${column.name} ${column.duck}`);
    const found = columns.map((column) => `${column.name} ${column.type}`);
    if (expected.join(", ") !== found.join(", ")) {
      problems.push({
        dataType: type,
        rule: "columns",
        count: 1,
        examples: [
          `columns are (${found.join(", ")}); the contract wants (${expected.join(", ")})`,
        ],
      });
      continue;
    }
    const checker = checkerFor(type, frame, manifest.symbols);
    await forEachBatch(duck, type, file, manifest.symbols, (keys, time) =>
      checker.feed({ keys, time }),
    );
    problems.push(...checker.finish());
    if (checker.rows !== entry.rows) {
      problems.push({
        dataType: type,
        rule: "row-count",
        count: Math.abs(checker.rows - entry.rows),
        examples: [`the file holds ${checker.rows} rows, the manifest says ${entry.rows}`],
      });
    }
  }
  return problems;
}
