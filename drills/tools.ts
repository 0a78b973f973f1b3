import * as fs from "node:fs";
import * as path from "node:path";

/** A server or tool the drills run for real is not installed here. */
export class MissingToolError extends Error {}

export const INSTALL_HINT =
  "run `bash scripts/install-test-deps.sh` (as root or with sudo) to install nginx, PostgreSQL 15 and wrk from Debian's packages";

const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** An executable on PATH or in the system folders (nginx lives in /usr/sbin, often off PATH). */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...SYSTEM_DIRS];
  return dirs.map((dir) => path.join(dir, name)).find(isExecutable);
}

export function nginxBinary(): string {
  const override = process.env.AITB_NGINX;
  if (override) {
    if (!isExecutable(override)) {
      throw new MissingToolError(
        `AITB_NGINX is "${override}", which is not an executable; unset it or ${INSTALL_HINT}`,
      );
    }
    return override;
  }
  const found = findExecutable("nginx");
  if (!found) throw new MissingToolError(`nginx is not installed; ${INSTALL_HINT}`);
  return found;
}

export const POSTGRES_PROGRAMS = [
  "initdb",
  "pg_ctl",
  "postgres",
  "psql",
  "createdb",
  "pg_dump",
  "pg_restore",
] as const;

/** The folder of PostgreSQL's server and client programs (Debian: /usr/lib/postgresql/15/bin). */
export function postgresBinDir(): string {
  const dir = process.env.AITB_PG_BIN ?? "/usr/lib/postgresql/15/bin";
  const missing = POSTGRES_PROGRAMS.filter((program) => !isExecutable(path.join(dir, program)));
  if (missing.length > 0) {
    const where = process.env.AITB_PG_BIN ? `AITB_PG_BIN (${dir})` : dir;
    throw new MissingToolError(
      `PostgreSQL 15 is not installed: ${missing.join(", ")} missing in ${where}; ${INSTALL_HINT}`,
    );
  }
  return dir;
}
