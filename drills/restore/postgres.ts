import * as fs from "node:fs";
import * as path from "node:path";
import type { Cleanup } from "../cleanup";
import { assertLoopback, assertLoopbackUrl } from "../loopback";
import { freePort } from "../ports";
import { runCommand, runShell, signalGroup, stopGroup, type RunResult } from "../processes";
import { serverAccount } from "../../components/platform/loopback/runtime/os";

export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  version: string;
  /** Environment the product's shell steps run with: libpq's PGHOST/PGPORT, the 15 binaries first. */
  env: NodeJS.ProcessEnv;
  url(database: string): string;
  /** Runs SQL through a connection URL (loopback only) and returns psql's unaligned output. */
  query(url: string, sql: string): Promise<string>;
  /** Runs one of PostgreSQL's programs with the cluster's environment. */
  run(program: string, args: string[]): Promise<RunResult>;
  /** Runs a product step (a shell script) against the cluster. */
  step(script: string): Promise<RunResult>;
}

/**
 * A private cluster in `folder`: initdb, trust authentication for the loopback address only and
 * no Unix socket, pg_ctl on a free port. Stopped (then killed if need be) by the cleanup.
 */
export async function startPostgres(
  cleanup: Cleanup,
  options: { folder: string; host: string; user: string; bin: string },
): Promise<PostgresCluster> {
  const host = assertLoopback(options.host, "the database address");
  const { bin } = options;
  const account = serverAccount(
    "run the drill as a normal user or install PostgreSQL from Debian's packages (bash scripts/install-test-deps.sh)",
  );
  const serverDir = path.join(options.folder, "server");
  const dataDir = path.join(serverDir, "data");
  const logFile = path.join(serverDir, "postgres.log");
  fs.mkdirSync(serverDir, { recursive: true, mode: 0o700 });
  if (account.uid !== undefined) {
    fs.chmodSync(options.folder, 0o711);
    fs.chownSync(serverDir, account.uid, account.gid as number);
  }
  const asServer = { uid: account.uid, gid: account.gid, cwd: serverDir };
  const program = (name: string) => path.join(bin, name);

  await runCommand(
    program("initdb"),
    ["-D", dataDir, "-U", options.user, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    asServer,
  );
  // Only the loopback address may connect, and only over TCP.
  fs.writeFileSync(path.join(dataDir, "pg_hba.conf"), `host all all ${host}/32 trust\n`);
  const port = await freePort(host);
  const postmasterPid = () => {
    const pidFile = path.join(dataDir, "postmaster.pid");
    return fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]) : 0;
  };
  // Registered before the start, so a start that half-fails is stopped too.
  let pid = 0;
  cleanup.defer(async () => {
    pid ||= postmasterPid();
    if (pid) signalGroup(pid, "SIGQUIT");
  });
  try {
    await runCommand(
      program("pg_ctl"),
      [
        "start",
        "-D",
        dataDir,
        "-w",
        "-t",
        "60",
        "-l",
        logFile,
        "-o",
        `-c listen_addresses=${host} -c port=${port} -c unix_socket_directories='' -c autovacuum=off`,
      ],
      asServer,
    );
  } catch (error) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim() : "";
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`);
  }
  pid = postmasterPid();
  const postmaster = pid;
  cleanup.group(postmaster, `PostgreSQL on ${host}:${port}`, async () => {
    try {
      await runCommand(program("pg_ctl"), ["stop", "-D", dataDir, "-m", "fast", "-w"], asServer);
    } finally {
      await stopGroup(postmaster, "SIGQUIT", 5_000);
    }
  });

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    PGHOST: host,
    PGPORT: String(port),
    PGUSER: options.user,
    PGCONNECT_TIMEOUT: "10",
  };
  const url = (database: string) => `postgres://${options.user}@${host}:${port}/${database}`;
  const version = (await runCommand(program("postgres"), ["--version"])).stdout.trim();
  return {
    host,
    port,
    user: options.user,
    version,
    env,
    url,
    async query(target: string, sql: string) {
      assertLoopbackUrl(target, "the database URL");
      const result = await runCommand(
        program("psql"),
        ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql],
        { env },
      );
      return result.stdout.trim();
    },
    run: (name, args) => runCommand(program(name), args, { env }),
    step: (script) => {
      assertLoopback(env.PGHOST as string, "PGHOST");
      return runShell(script, { env });
    },
  };
}
