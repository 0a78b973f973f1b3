import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ARCHIVE_SCHEMA_VERSION,
  CHECKSUM_ALGORITHM,
  TABLES,
  archiveFile,
  checksumSql,
  manifestFile,
  pgIdent,
  type ArchiveManifest,
  type ArchivedType,
  type TradingDataType,
} from "../../../contract/tradingData";
import { isoMicros, type TradingDayFrame } from "../../../domain/tradingData/session";
import { InputError } from "../../exitCodes";
import { csvToParquet, withDuck } from "./duck";
import { sha256File, writeAtomic } from "./files";
import { copyOutCsv, withClient } from "./pg";

export interface ArchiveRequest {
  url: string;
  /** The schema the day is read from (the live one). */
  schema: string;
  frame: TradingDayFrame;
  types: readonly TradingDataType[];
  /** The archives root (contract/tradingData.ts: `<backups.root>/archives`). */
  archives: string;
  now: Date;
}

function dayFilter(type: TradingDataType, frame: TradingDayFrame): string {
  const column = TABLES[type].time;
  return `${column} >= '${isoMicros(frame.startUs)}'::timestamptz and ${column} < '${isoMicros(frame.endUs)}'::timestamptz`;
}

function orderBy(type: TradingDataType): string {
  const table = TABLES[type];
  return table.key
    .map((name) => {
      const column = table.columns.find((c) => c.name === name);
      return column?.pg === "text" ? `${name} collate "C"` : name;
    })
    .join(", ");
}

/**
 * Export one day from PostgreSQL into the archive: per type a parquet file sorted by key, then the
 * manifest (written last, so a day with a manifest is complete). Rows, checksum and file are read
 * in one repeatable-read snapshot. An archived day is never overwritten.
 */
export async function writeArchive(request: ArchiveRequest): Promise<ArchiveManifest> {
  const { frame, archives } = request;
  const manifestPath = path.join(archives, manifestFile(frame.day));
  if (fs.existsSync(manifestPath)) {
    throw new InputError("data archive", [
      {
        key: "--date",
        message: `${frame.day} is already archived (${manifestPath}); archives are written once, pick another day or another --archives folder`,
      },
    ]);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-archive-"));
  try {
    return await withClient(request.url, async (client) => {
      await client.query("begin isolation level repeatable read read only");
      const types: ArchiveManifest["types"] = {};
      const symbols = new Set<string>();
      await withDuck(async (duck) => {
        for (const type of request.types) {
          const from = `${pgIdent(request.schema)}.${type} where ${dayFilter(type, frame)}`;
          const columns = TABLES[type].columns.map((column) => column.name).join(", ");
          const counted = await client.query<{ rows: string; checksum: string }>(
            checksumSql(from, type),
          );
          const found = await client.query<{ symbol: string }>(
            `select distinct symbol from ${from}`,
          );
          for (const row of found.rows) symbols.add(row.symbol);
          const csv = path.join(scratch, `${type}.csv`);
          await copyOutCsv(client, `select ${columns} from ${from} order by ${orderBy(type)}`, csv);
          const relative = archiveFile(type, frame.day);
          const target = path.join(archives, relative);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const temporary = `${target}.${process.pid}.tmp`;
          await csvToParquet(duck, type, csv, temporary);
          fs.renameSync(temporary, target);
          fs.rmSync(csv);
          const entry: ArchivedType = {
            file: relative,
            bytes: fs.statSync(target).size,
            sha256: await sha256File(target),
            rows: Number(counted.rows[0].rows),
            checksum: counted.rows[0].checksum,
          };
          types[type] = entry;
        }
      });
      await client.query("commit");
      const manifest: ArchiveManifest = {
        schemaVersion: ARCHIVE_SCHEMA_VERSION,
        day: frame.day,
        calendar: frame.calendar,
        timeZone: frame.timeZone,
        symbols: [...symbols].sort(),
        createdAt: request.now.toISOString(),
        checksum: CHECKSUM_ALGORITHM,
        types,
      };
      if (manifest.symbols.length === 0) {
        for (const entry of Object.values(types)) fs.rmSync(path.join(archives, entry.file));
        throw new InputError("data archive", [
          {
            key: "--date",
            message: `no rows of ${frame.day} in ${request.schema} (${request.types.join(", ")}); nothing was archived`,
          },
        ]);
      }
      writeAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
