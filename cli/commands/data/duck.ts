import * as os from "node:os";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { TABLES, type TradingDataType } from "../../../contract/tradingData";

/** A string literal for DuckDB SQL. */
export function duckString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An in-memory DuckDB whose connections run in UTC, so timestamps as text carry `+00`. */
export interface Duck {
  connect(): Promise<DuckDBConnection>;
}

/** Runs with an in-memory DuckDB for reading and writing parquet; closed afterwards. */
export async function withDuckInstance<T>(run: (duck: Duck) => Promise<T>): Promise<T> {
  // DuckDB's worker threads block while they write into a named pipe that PostgreSQL drains
  // (stream.ts); more threads than cores keep a blocked writer from stalling the other queries.
  const instance = await DuckDBInstance.create(":memory:", {
    threads: String(Math.max(8, 2 * os.availableParallelism())),
  });
  const connections: DuckDBConnection[] = [];
  try {
    return await run({
      async connect() {
        const connection = await instance.connect();
        connections.push(connection);
        await connection.run("SET TimeZone = 'UTC'");
        return connection;
      },
    });
  } finally {
    for (const connection of connections) connection.closeSync();
    instance.closeSync();
  }
}

/** One connection of a new in-memory DuckDB. */
export function withDuck<T>(run: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  return withDuckInstance(async (duck) => run(await duck.connect()));
}

function csvColumns(type: TradingDataType): string {
  const entries = TABLES[type].columns.map(
    (column) => `${duckString(column.name)}: ${duckString(column.duck)}`,
  );
  return `{${entries.join(", ")}}`;
}

/**
 * PostgreSQL's CSV of a table (as `COPY ... TO STDOUT (FORMAT csv)` writes it) into parquet,
 * zstd-compressed, the rows in the order given.
 */
export async function csvToParquet(
  duck: DuckDBConnection,
  type: TradingDataType,
  csv: string,
  parquet: string,
): Promise<void> {
  await duck.run(
    `COPY (SELECT * FROM read_csv(${duckString(csv)}, header = false, columns = ${csvColumns(type)}, auto_detect = false, timestampformat = '%Y-%m-%d %H:%M:%S.%g%z')) TO ${duckString(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
  );
}

/**
 * Parquet to CSV that PostgreSQL's `COPY ... FROM STDIN (FORMAT csv)` reads, the contract's
 * columns in order; with `rows`, only the file's rows [from, to), still in file order
 * (`read_parquet`'s `file_row_number`; DuckDB keeps insertion order in COPY ... TO by default:
 * https://duckdb.org/docs/current/data/parquet/overview).
 */
export async function parquetToCsv(
  duck: DuckDBConnection,
  type: TradingDataType,
  parquet: string,
  csv: string,
  rows?: { from: number; to: number },
): Promise<void> {
  const columns = TABLES[type].columns.map((column) => column.name).join(", ");
  const source = rows
    ? `read_parquet(${duckString(parquet)}, file_row_number = true) WHERE file_row_number >= ${rows.from} AND file_row_number < ${rows.to}`
    : `read_parquet(${duckString(parquet)})`;
  await duck.run(
    `COPY (SELECT ${columns} FROM ${source}) TO ${duckString(csv)} (FORMAT csv, HEADER false)`,
  );
}

/** The parquet file's columns and types, as DuckDB reads them. */
export async function parquetColumns(
  duck: DuckDBConnection,
  parquet: string,
): Promise<{ name: string; type: string }[]> {
  const reader = await duck.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet(${duckString(parquet)})`,
  );
  return reader.getRowObjectsJS().map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
  }));
}

/**
 * The key columns and the time column (epoch µs) each checker reads, all as DOUBLE: a symbol as
 * its index in the manifest's sorted list (-1 when not listed), so that no string crosses into
 * JavaScript and the order of indices is the order of the symbols.
 */
function checkColumns(type: TradingDataType, symbols: readonly string[]): string[] {
  const list = `[${symbols.map(duckString).join(", ")}]`;
  const symbol = `coalesce(list_position(${list}, symbol), 0)::DOUBLE - 1`;
  switch (type) {
    case "candles":
      return [symbol, "epoch_us(interval_start)::DOUBLE"];
    case "trades":
      return [symbol, "trade_id::DOUBLE", "epoch_us(ts)::DOUBLE"];
    case "orderbook":
      return [
        symbol,
        "seq::DOUBLE",
        "CASE side WHEN 'ask' THEN 0 WHEN 'bid' THEN 1 ELSE -1 END::DOUBLE",
        "level::DOUBLE",
        "epoch_us(ts)::DOUBLE",
      ];
  }
}

/**
 * The rows of a parquet file in file order, as key columns and time, batch by batch. Candles' key
 * ends in their time, so it appears in both.
 */
export async function forEachBatch(
  duck: DuckDBConnection,
  type: TradingDataType,
  parquet: string,
  symbols: readonly string[],
  onBatch: (keys: number[][], time: number[]) => void,
): Promise<void> {
  const columns = checkColumns(type, symbols);
  const result = await duck.stream(
    `SELECT ${columns.join(", ")} FROM read_parquet(${duckString(parquet)})`,
  );
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const values = chunk.getColumns() as number[][];
    const time = values[values.length - 1];
    const keys = type === "candles" ? values : values.slice(0, -1);
    onBatch(keys, time);
  }
}
