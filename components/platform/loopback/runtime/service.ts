/**
 * A supervised service process of one color on loopback. Create starts the supervisor (detached)
 * and waits for the service's health answer; update restarts it with the new environment (a bot's
 * trading mode, a re-pin); only a change of name, folder, address or port needs a new process.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import {
  accepts,
  alive,
  changedKeys,
  commandLine,
  httpGet,
  pathWith,
  readPid,
  readTail,
  sleep,
  stopProcess,
} from "./os";
import { SPEC_ENV, type SupervisorSpec } from "./supervisor";

export interface ServiceInputs {
  /** `<color>-<service>`: the folder and the label in the log. */
  name: string;
  stateDir: string;
  host: string;
  port: number;
  /** The Node.js binary and the supervisor script that run the service. */
  node: string;
  supervisor: string;
  /** The service's program (the compiled reference service). */
  program: string;
  env: Record<string, string>;
  /** DATABASE_URL, EXCHANGE_API_KEY: secrets, passed through the environment only. */
  secretEnv: Record<string, string>;
  /** A release's config files, written under the service's folder (files/<absolute path>). */
  files: Record<string, string>;
  healthUrl: string;
  /** What the health answer must report before the service counts as started. */
  expect: Record<string, string>;
  startTimeoutSeconds: number;
  labels: Record<string, string>;
}

export interface ServiceOutputs extends ServiceInputs {
  pid: number;
  logFile: string;
  /** False when a refresh found the supervisor gone; the next update starts it again. */
  running: boolean;
}

/** A new process is needed only when these change. */
export const SERVICE_REPLACES: readonly (keyof ServiceInputs)[] = [
  "name",
  "stateDir",
  "host",
  "port",
];
/** The service is restarted in place when these change. */
const RESTART_KEYS: readonly (keyof ServiceInputs)[] = [
  "node",
  "supervisor",
  "program",
  "env",
  "secretEnv",
  "files",
];
const ALL_KEYS: readonly (keyof ServiceInputs)[] = [
  ...SERVICE_REPLACES,
  ...RESTART_KEYS,
  "healthUrl",
  "expect",
  "startTimeoutSeconds",
  "labels",
];

const STOP_GRACE_MS = 15_000;

function folderOf(inputs: Pick<ServiceInputs, "stateDir" | "name">): string {
  return path.join(inputs.stateDir, "services", inputs.name);
}

function pidFileOf(inputs: Pick<ServiceInputs, "stateDir" | "name">): string {
  return path.join(folderOf(inputs), "supervisor.pid");
}

/** The supervisor recorded for this service (pid file, else state), if it is still the one running. */
function supervisorPid(state: ServiceInputs & { pid?: number }): number | undefined {
  const candidates = [readPid(pidFileOf(state)), state.pid];
  return candidates.find(
    (pid) => pid !== undefined && alive(pid) && commandLine(pid).includes(state.supervisor),
  );
}

function writeFiles(folder: string, files: Record<string, string>): void {
  const root = path.join(folder, "files");
  fs.rmSync(root, { recursive: true, force: true });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, path.normalize(file));
    if (!target.startsWith(`${root}${path.sep}`))
      throw new Error(`file path ${file} leaves ${root}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}

async function healthy(inputs: ServiceInputs): Promise<string | undefined> {
  const answer = await httpGet(inputs.healthUrl);
  if (!answer) return "no answer";
  if (answer.status !== 200) return `HTTP ${answer.status}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return "health answer is not JSON";
  }
  if (body.status !== "ok") return `status ${JSON.stringify(body.status)}`;
  for (const [field, wanted] of Object.entries(inputs.expect)) {
    if (body[field] !== wanted) {
      return `${field} is ${JSON.stringify(body[field])}, expected ${JSON.stringify(wanted)}`;
    }
  }
  return undefined;
}

async function start(inputs: ServiceInputs): Promise<ServiceOutputs> {
  const folder = folderOf(inputs);
  fs.mkdirSync(folder, { recursive: true });
  const logFile = path.join(folder, "service.log");
  if (supervisorPid(inputs)) {
    throw new Error(`${inputs.name} is already running (supervisor pid file ${pidFileOf(inputs)})`);
  }
  if (await accepts(inputs.host, inputs.port)) {
    throw new Error(
      `${inputs.host}:${inputs.port} is already in use, so ${inputs.name} cannot listen there; stop what holds it or choose another aitb:loopback.servicePortBase`,
    );
  }
  writeFiles(folder, inputs.files);
  const spec: SupervisorSpec = {
    name: inputs.name,
    command: inputs.node,
    args: [inputs.program],
    pidFile: pidFileOf(inputs),
    childPidFile: path.join(folder, "service.pid"),
    logFile,
    stopGraceMs: STOP_GRACE_MS - 2_000,
  };
  const child = spawn(inputs.node, [inputs.supervisor], {
    detached: true,
    stdio: "ignore",
    cwd: folder,
    env: {
      PATH: pathWith([]),
      ...inputs.env,
      ...inputs.secretEnv,
      PORT: String(inputs.port),
      AITB_HOST: inputs.host,
      AITB_FILES_ROOT: path.join(folder, "files"),
      [SPEC_ENV]: JSON.stringify(spec),
    },
  });
  child.unref();
  const pid = child.pid ?? 0;
  const deadline = Date.now() + inputs.startTimeoutSeconds * 1000;
  let problem = await healthy(inputs);
  while (problem !== undefined) {
    if (Date.now() > deadline || !alive(pid)) {
      await stopProcess(pid, { signal: "SIGTERM", graceMs: STOP_GRACE_MS, group: true });
      throw new Error(
        `${inputs.name} did not become healthy at ${inputs.healthUrl} within ${inputs.startTimeoutSeconds} s (${problem}); log ${logFile}:\n${readTail(logFile)}`,
      );
    }
    await sleep(100);
    problem = await healthy(inputs);
  }
  return { ...inputs, pid, logFile, running: true };
}

async function stop(inputs: ServiceInputs): Promise<void> {
  const pid = supervisorPid(inputs);
  // The supervisor leads its own process group: the group signal reaches the service too.
  if (pid) await stopProcess(pid, { signal: "SIGTERM", graceMs: STOP_GRACE_MS, group: true });
  fs.rmSync(pidFileOf(inputs), { force: true });
}

export const serviceProvider: pulumi.dynamic.ResourceProvider<ServiceInputs, ServiceOutputs> = {
  async create(inputs) {
    const outs = await start(inputs);
    return { id: `${inputs.name}@${inputs.host}:${inputs.port}`, outs };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys(olds, news, ALL_KEYS);
    const replaces = changed.filter((key) => SERVICE_REPLACES.includes(key)).map(String);
    return {
      changes: changed.length > 0 || olds.running === false,
      replaces,
      // The same name means the same folder and pid files: the old process goes first.
      deleteBeforeReplace: replaces.length > 0,
    };
  },

  async update(_id, olds, news) {
    const restart =
      changedKeys(olds, news, RESTART_KEYS).length > 0 ||
      olds.running === false ||
      !supervisorPid(olds);
    if (!restart) return { outs: { ...olds, ...news } };
    await stop(olds);
    return { outs: await start(news) };
  },

  async delete(_id, props) {
    await stop(props);
  },

  async read(id, props) {
    if (!props) return { id };
    const pid = supervisorPid(props);
    return { id, props: { ...props, pid: pid ?? 0, running: pid !== undefined } };
  },
};
