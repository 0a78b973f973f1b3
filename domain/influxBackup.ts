import { commandLine } from "./quote";

/**
 * InfluxDB 1.x portable backup and restore, as argument vectors. One typed function per command,
 * rendered once: the Docker target's steps and `aitb drill influxdb` run the same text.
 * Flags as InfluxDB 1.6's own `influxd backup -h` / `influxd restore -h` print them, and
 * docs.influxdata.com/influxdb/v1/tools/influxd/backup/ and .../restore/: `-portable` (the
 * Enterprise-compatible format with a manifest), `-host <host:port>` (the RPC bind address,
 * 127.0.0.1:8088 by default, not the HTTP port), `-db`, and on restore `-newdb`, "the new database
 * name must be unique to the target system". A portable restore runs against the live server.
 */

/** The database name InfluxDB is given (identifier characters only, so it needs no quoting). */
export const INFLUX_DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface InfluxBackupCommand {
  /** The server's RPC bind address, host:port. */
  rpc: string;
  database: string;
  /** Folder the backup files go into (created by influxd). */
  dir: string;
}

export interface InfluxRestoreCommand {
  rpc: string;
  /** The database as named in the backup. */
  database: string;
  /** The new database; never the live one. */
  newDatabase: string;
  dir: string;
}

export function influxBackupArgs(command: InfluxBackupCommand): string[] {
  return ["backup", "-portable", "-host", command.rpc, "-db", command.database, command.dir];
}

export function influxRestoreArgs(command: InfluxRestoreCommand): string[] {
  if (command.newDatabase === command.database) {
    throw new Error(
      `restore of ${command.database} into itself refused: a restore goes into a new database`,
    );
  }
  return [
    "restore",
    "-portable",
    "-host",
    command.rpc,
    "-db",
    command.database,
    "-newdb",
    command.newDatabase,
    command.dir,
  ];
}

/**
 * A command line for a shell; a `dir` that holds `"$var"` (a folder the calling step computes) is
 * kept as the shell expression, every other argument is quoted.
 */
export function influxdLine(binary: string, args: readonly string[]): string {
  return args
    .map((arg, index) =>
      index === args.length - 1 && /^"\$[A-Za-z_][A-Za-z0-9_]*"/.test(arg)
        ? arg
        : commandLine([arg]),
    )
    .reduce((line, arg) => `${line} ${arg}`, commandLine([binary]));
}
