/**
 * PostgreSQL on loopback, as two resources. The cluster folder (`initdb` once; an existing
 * cluster is adopted, never initialised again) holds the data: deleting the resource leaves it in
 * place. The server (`pg_ctl start` on 127.0.0.1 and a Unix socket in the state folder) is only a
 * process: stopping it loses nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import {
  alive,
  changedKeys,
  pathWith,
  readPid,
  readTail,
  requireExecutable,
  run,
  runChecked,
  serverAccount,
  waitForExit,
  type Account,
} from "./os";

const INSTALL = "install Debian's postgresql package (15) or set aitb:loopback.postgresBin";

export interface ClusterInputs {
  dataDir: string;
  /** Folder of initdb, pg_ctl, psql, createdb. */
  bin: string;
  /** The cluster's owner role, the application's user. */
  user: string;
  password: string;
  labels: Record<string, string>;
}

export interface ClusterOutputs extends ClusterInputs {
  /** Whether create found a cluster already there (kept after an earlier delete). */
  adopted: boolean;
}

export interface ServerInputs {
  dataDir: string;
  bin: string;
  host: string;
  port: number;
  /** Folder of the Unix socket (inside the state folder). */
  socketDir: string;
  logFile: string;
  user: string;
  password: string;
  /** The application's database, created when missing. */
  database: string;
  startTimeoutSeconds: number;
  labels: Record<string, string>;
}

export interface ServerOutputs extends ServerInputs {
  pid: number;
  running: boolean;
}

export const CLUSTER_REPLACES: readonly (keyof ClusterInputs)[] = ["dataDir"];
/** A new server process is needed only when these change (a different cluster, version, address). */
export const SERVER_REPLACES: readonly (keyof ServerInputs)[] = [
  "dataDir",
  "bin",
  "host",
  "port",
  "socketDir",
];
const SERVER_KEYS: readonly (keyof ServerInputs)[] = [
  ...SERVER_REPLACES,
  "logFile",
  "user",
  "password",
  "database",
  "startTimeoutSeconds",
  "labels",
];

function program(bin: string, name: string): string {
  const file = path.join(bin, name);
  requireExecutable(file, "aitb:loopback.postgresBin", INSTALL);
  return file;
}

/** A folder the server account owns (PostgreSQL refuses a data folder it does not own). */
function ownedFolder(folder: string, account: Account, mode: number): void {
  fs.mkdirSync(folder, { recursive: true, mode });
  fs.chmodSync(folder, mode);
  if (account.uid !== undefined) fs.chownSync(folder, account.uid, account.gid as number);
}

/** The server account must reach the data folder through every parent. */
function traversable(folder: string): void {
  let dir = path.dirname(folder);
  while (dir !== path.dirname(dir)) {
    const stat = fs.statSync(dir);
    if ((stat.mode & 0o001) === 0) fs.chmodSync(dir, stat.mode | 0o001);
    dir = path.dirname(dir);
  }
}

function isCluster(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, "PG_VERSION"));
}

async function initCluster(inputs: ClusterInputs): Promise<boolean> {
  const initdb = program(inputs.bin, "initdb");
  if (isCluster(inputs.dataDir)) return true;
  const account = serverAccount();
  fs.mkdirSync(path.dirname(inputs.dataDir), { recursive: true });
  if (account.uid !== undefined) traversable(inputs.dataDir);
  ownedFolder(inputs.dataDir, account, 0o700);
  // The password reaches initdb through a file only the server account can read, removed at once.
  // Beside the data folder: initdb wants an empty one.
  const pwfile = path.join(path.dirname(inputs.dataDir), `.initdb-password-${process.pid}`);
  fs.writeFileSync(pwfile, `${inputs.password}\n`, { mode: 0o600 });
  if (account.uid !== undefined) fs.chownSync(pwfile, account.uid, account.gid as number);
  try {
    await runChecked(
      `initdb of ${inputs.dataDir}`,
      initdb,
      [
        "-D",
        inputs.dataDir,
        "-U",
        inputs.user,
        `--pwfile=${pwfile}`,
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C",
      ],
      { ...account, cwd: inputs.dataDir },
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  return false;
}

export const clusterProvider: pulumi.dynamic.ResourceProvider<ClusterInputs, ClusterOutputs> = {
  async create(inputs) {
    const adopted = await initCluster(inputs);
    return { id: inputs.dataDir, outs: { ...inputs, adopted } };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys(olds, news, [
      ...CLUSTER_REPLACES,
      "bin",
      "user",
      "password",
      "labels",
    ]);
    const replaces = changed.filter((key) => CLUSTER_REPLACES.includes(key)).map(String);
    return { changes: changed.length > 0, replaces };
  },

  async update(_id, olds, news) {
    // The folder stays as it is; the server applies a new password.
    return { outs: { ...news, adopted: olds.adopted } };
  },

  async delete() {
    // The data stays: the folder is kept for a later create to adopt (and the program declares
    // this resource retainOnDelete, so the engine does not even ask).
  },

  async read(id, props) {
    if (!props) return { id };
    return { id, props: { ...props, adopted: props.adopted && isCluster(props.dataDir) } };
  },
};

function postmasterPid(dataDir: string): number | undefined {
  const pid = readPid(path.join(dataDir, "postmaster.pid"));
  return pid && alive(pid) ? pid : undefined;
}

function clientEnv(inputs: ServerInputs, password = inputs.password): NodeJS.ProcessEnv {
  return {
    PATH: pathWith([inputs.bin]),
    PGHOST: inputs.socketDir,
    PGPORT: String(inputs.port),
    PGUSER: inputs.user,
    PGPASSWORD: password,
    PGCONNECT_TIMEOUT: "10",
  };
}

function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function psql(inputs: ServerInputs, sql: string, password?: string): Promise<string> {
  const result = await runChecked(
    "psql",
    program(inputs.bin, "psql"),
    ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", "postgres"],
    // Through stdin: SQL that carries a password stays off the process list.
    { env: clientEnv(inputs, password), input: sql },
  );
  return result.stdout.trim();
}

async function ensureDatabase(inputs: ServerInputs): Promise<void> {
  const exists = await psql(
    inputs,
    `select 1 from pg_database where datname = ${sqlLiteral(inputs.database)}`,
  );
  if (exists === "1") return;
  await runChecked(
    `createdb ${inputs.database}`,
    program(inputs.bin, "createdb"),
    [inputs.database],
    {
      env: clientEnv(inputs),
    },
  );
}

async function startServer(inputs: ServerInputs): Promise<number> {
  const pgCtl = program(inputs.bin, "pg_ctl");
  if (!isCluster(inputs.dataDir)) {
    throw new Error(
      `${inputs.dataDir} holds no PostgreSQL cluster; the postgres-data resource creates it`,
    );
  }
  const account = serverAccount();
  let pid = postmasterPid(inputs.dataDir);
  if (!pid) {
    ownedFolder(inputs.socketDir, account, 0o700);
    fs.mkdirSync(path.dirname(inputs.logFile), { recursive: true });
    fs.writeFileSync(inputs.logFile, "", { flag: "a" });
    if (account.uid !== undefined) fs.chownSync(inputs.logFile, account.uid, account.gid as number);
    const options = [
      `-c listen_addresses=${inputs.host}`,
      `-c port=${inputs.port}`,
      `-c unix_socket_directories='${inputs.socketDir}'`,
    ].join(" ");
    const started = await run(
      pgCtl,
      [
        "start",
        "-D",
        inputs.dataDir,
        "-w",
        "-t",
        String(inputs.startTimeoutSeconds),
        "-l",
        inputs.logFile,
        "-o",
        options,
      ],
      { ...account, cwd: inputs.dataDir },
    );
    if (started.code !== 0) {
      throw new Error(
        `PostgreSQL did not start on ${inputs.host}:${inputs.port} (aitb:loopback.postgresPort): ${started.stderr.trim() || started.stdout.trim()}\n${readTail(inputs.logFile)}`,
      );
    }
    pid = postmasterPid(inputs.dataDir) ?? 0;
  }
  return pid;
}

async function stopServer(state: ServerInputs): Promise<void> {
  const pid = postmasterPid(state.dataDir);
  if (!pid) return;
  await runChecked(
    "pg_ctl stop",
    program(state.bin, "pg_ctl"),
    ["stop", "-D", state.dataDir, "-m", "fast", "-w", "-t", "60"],
    { ...serverAccount(), cwd: state.dataDir },
  );
  // `pg_ctl stop -w` returns once postmaster.pid is gone, which the postmaster removes just
  // before it exits: the process itself is waited for too, so the port is free when this returns.
  if (!(await waitForExit(pid, 10_000))) {
    throw new Error(
      `PostgreSQL (pid ${pid}) still runs 10 s after pg_ctl stop of ${state.dataDir}`,
    );
  }
}

export const serverProvider: pulumi.dynamic.ResourceProvider<ServerInputs, ServerOutputs> = {
  async create(inputs) {
    const pid = await startServer(inputs);
    await ensureDatabase(inputs);
    return {
      id: `postgres@${inputs.host}:${inputs.port}`,
      outs: { ...inputs, pid, running: true },
    };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys(olds, news, SERVER_KEYS);
    const replaces = changed.filter((key) => SERVER_REPLACES.includes(key)).map(String);
    return {
      changes: changed.length > 0 || olds.running === false,
      replaces,
      // One cluster folder serves one postmaster: the old one stops before the new one starts.
      deleteBeforeReplace: replaces.length > 0,
    };
  },

  async update(_id, olds, news) {
    const pid = await startServer(news);
    if (olds.password !== news.password) {
      // Connect with the password the role has now, then give it the new one.
      const role = `"${news.user.replace(/"/g, '""')}"`;
      await psql(news, `alter role ${role} password ${sqlLiteral(news.password)}`, olds.password);
    }
    await ensureDatabase(news);
    return { outs: { ...news, pid, running: true } };
  },

  async delete(_id, props) {
    await stopServer(props);
  },

  async read(id, props) {
    if (!props) return { id };
    const pid = postmasterPid(props.dataDir);
    return { id, props: { ...props, pid: pid ?? 0, running: pid !== undefined } };
  },
};
