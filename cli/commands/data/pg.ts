import * as fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { PG_SESSION_SQL } from "../../../contract/tradingData";
import { InputError } from "../../exitCodes";

/** Where the database URL comes from: `--database-url`, else this env value. Never printed. */
export const DATABASE_URL_ENV = "AITB_DATABASE_URL";

export function databaseUrl(command: string, flag: string | undefined): string {
  const url = flag ?? process.env[DATABASE_URL_ENV];
  if (!url) {
    throw new InputError(command, [
      {
        key: "--database-url",
        message: `no database given; pass --database-url postgres://user@host:port/db or set ${DATABASE_URL_ENV}`,
      },
    ]);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError(command, [
      {
        key: "--database-url",
        message: `expected a URL such as postgres://user@host:5432/aitb (the value is not shown)`,
      },
    ]);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new InputError(command, [
      {
        key: "--database-url",
        message: `expected a postgres:// URL, got a ${parsed.protocol} one (the value is not shown)`,
      },
    ]);
  }
  return url;
}

/** The URL without its password, for output. */
export function displayUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "[secret]";
  return parsed.toString();
}

/** A connected client whose session reads and writes row text in UTC. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(PG_SESSION_SQL);
  return client;
}

export async function withClient<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** `COPY <query> TO STDOUT (FORMAT csv)` into a file. */
export async function copyOutCsv(client: Client, query: string, file: string): Promise<void> {
  await pipeline(
    client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT csv)`)),
    fs.createWriteStream(file),
  );
}

/** A CSV file into `table` with `COPY ... FROM STDIN (FORMAT csv)`; the rows it loaded. */
export async function copyInCsv(client: Client, table: string, file: string): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN (FORMAT csv)`));
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), stream);
  return stream.rowCount;
}
