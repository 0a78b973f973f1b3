/**
 * The real Pulumi engine (v3.248.0, built from source into .engine/bin by
 * scripts/pulumi-from-source.sh) run on the loopback stack offline: a temp copy of the project
 * (the program's folders linked, Pulumi.yaml and the stack file copied), a file backend and
 * PULUMI_HOME in a temp folder, a passphrase, and a state folder and ports of its own, so a test
 * never touches a user's stack.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { accepts } from "../../drills/ports";
import { freeServiceBase } from "./loopback";
import { ROOT } from "./stacks";

export const ENGINE_BIN = path.join(ROOT, ".engine", "bin");
export const PULUMI = path.join(ENGINE_BIN, "pulumi");
export const ENGINE_MISSING =
  "the engine is not built: run scripts/pulumi-from-source.sh (it builds .engine/bin/pulumi)";
export const STACK = "loopback";
/** The unknown-value sentinel of the engine's JSON (sdk/go/common/resource/plugin UnknownStringValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function engineBuilt(): boolean {
  return ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].every((binary) =>
    fs.existsSync(path.join(ENGINE_BIN, binary)),
  );
}

/** What the project copy links instead of copying (the program, its packages, the pack, dist/). */
const LINKED = [
  "index.ts",
  "package.json",
  "tsconfig.json",
  "node_modules",
  "dist",
  "cli",
  "components",
  "config",
  "domain",
  "policies",
  "reference-service",
  "drills",
];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface EngineProject {
  dir: string;
  stateDir: string;
  stackFile: string;
  proxyPort: number;
  servicePortBase: number;
  env: NodeJS.ProcessEnv;
  /** Run the engine's `pulumi` in the project copy. */
  pulumi(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Run `node dist/cli/main.js` (the `aitb` command line) in the project copy. */
  aitb(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Stop every process the stack started, by the pid files in its state folder. */
  stopAll(): Promise<void>;
  remove(): void;
}

async function freePort(avoid: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (!avoid.includes(port) && !(await accepts("127.0.0.1", port))) return port;
  }
  throw new Error("found no free port on 127.0.0.1");
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 240_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout,
        stderr: signal ? `${stderr}\nkilled by ${signal} (timeout)` : stderr,
        ms: performance.now() - started,
      });
    });
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, "utf8").split("\n")[0].trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids in the state folder's pid files: supervisors first, then services, nginx, PostgreSQL. */
export function statePids(stateDir: string): number[] {
  const files: string[] = [];
  const services = path.join(stateDir, "services");
  if (fs.existsSync(services)) {
    for (const entry of fs.readdirSync(services)) {
      files.push(path.join(services, entry, "supervisor.pid"));
      files.push(path.join(services, entry, "service.pid"));
    }
  }
  files.push(path.join(stateDir, "proxy", "nginx.pid"));
  files.push(path.join(stateDir, "postgres", "data", "postmaster.pid"));
  return files.map(readPid).filter((pid): pid is number => pid !== undefined);
}

export function livePids(stateDir: string): number[] {
  return statePids(stateDir).filter(alive);
}

async function stopPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The committed loopback stack file pointed at a state folder and ports of its own. */
function stackText(
  stateDir: string,
  proxyPort: number,
  postgresPort: number,
  base: number,
): string {
  const doc = parseDocument(fs.readFileSync(path.join(ROOT, "Pulumi.loopback.yaml"), "utf8"));
  doc.setIn(["config", "aitb:loopback", "stateDir"], stateDir);
  doc.setIn(["config", "aitb:loopback", "proxyPort"], proxyPort);
  doc.setIn(["config", "aitb:loopback", "postgresPort"], postgresPort);
  doc.setIn(["config", "aitb:loopback", "servicePortBase"], base);
  doc.setIn(["config", "aitb:backups", "root"], path.join(stateDir, "backups"));
  // A change record is fresh for 24 h (fresh-change-record); the committed one dates from its commit.
  doc.setIn(["config", "aitb:change", "at"], new Date().toISOString().replace(/\.\d+Z$/, "Z"));
  // A gate that fails (the auto-revert test) gives up after 30 s rather than the committed 120 s.
  doc.setIn(["config", "aitb:healthGate", "timeoutSeconds"], 30);
  return doc.toString();
}

/** A temp project copy with its own backend, PULUMI_HOME, state folder and ports; stack initialized. */
export async function createEngineProject(): Promise<EngineProject> {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-engine-"));
  const dir = path.join(top, "project");
  const stateDir = path.join(top, "state");
  const home = path.join(top, "pulumi-home");
  const backend = path.join(top, "backend");
  for (const folder of [dir, stateDir, home, backend]) fs.mkdirSync(folder, { recursive: true });
  for (const entry of LINKED) fs.symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const servicePortBase = await freeServiceBase();
  const proxyPort = await freePort([]);
  const postgresPort = await freePort([proxyPort]);
  const stackFile = path.join(dir, `Pulumi.${STACK}.yaml`);
  fs.writeFileSync(stackFile, stackText(stateDir, proxyPort, postgresPort, servicePortBase));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${ENGINE_BIN}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
  };
  delete env.PULUMI_ACCESS_TOKEN;
  const project: EngineProject = {
    dir,
    stateDir,
    stackFile,
    proxyPort,
    servicePortBase,
    env,
    pulumi: (args, timeoutMs) => run(PULUMI, args, { cwd: dir, env, timeoutMs }),
    aitb: (args, timeoutMs) =>
      run(process.execPath, [path.join(ROOT, "dist/cli/main.js"), ...args], {
        cwd: dir,
        env,
        timeoutMs,
      }),
    stopAll: async () => {
      // Supervisors first, so none restarts the service stopped after it.
      await stopPids(livePids(stateDir));
      await stopPids(livePids(stateDir));
    },
    remove: () => fs.rmSync(top, { recursive: true, force: true }),
  };
  const init = await project.pulumi(["stack", "init", STACK, "--non-interactive"]);
  if (init.code !== 0) throw new Error(`pulumi stack init failed: ${init.stderr}${init.stdout}`);
  for (const [key, value] of [
    ["aitb:dbPassword", "engine-test-db-password"],
    ["aitb:exchangeApiKey", "engine-test-exchange-key"],
  ]) {
    const set = await project.pulumi(["config", "set", "--secret", key, value, "--stack", STACK]);
    if (set.code !== 0) throw new Error(`pulumi config set ${key} failed: ${set.stderr}`);
  }
  return project;
}

export interface PreviewStep {
  op: string;
  urn: string;
  type: string;
  parent?: string;
  protect: boolean;
  inputs: Record<string, unknown>;
  diffs: string[];
}

interface RawStep {
  op: string;
  urn: string;
  diffReasons?: string[];
  newState?: {
    type: string;
    parent?: string;
    protect?: boolean;
    inputs?: Record<string, unknown>;
  };
  oldState?: { type: string; parent?: string; protect?: boolean };
}

/** The steps of `pulumi preview --json`. */
export function previewSteps(stdout: string): PreviewStep[] {
  const start = stdout.indexOf("{");
  const parsed = JSON.parse(stdout.slice(start)) as { steps?: RawStep[] };
  return (parsed.steps ?? []).map((step) => {
    const state = step.newState ?? step.oldState;
    return {
      op: step.op,
      urn: step.urn,
      type: state?.type ?? "",
      parent: state?.parent || undefined,
      protect: state?.protect ?? false,
      inputs: step.newState?.inputs ?? {},
      diffs: step.diffReasons ?? [],
    };
  });
}

export function stackOutputs(project: EngineProject): Promise<Record<string, unknown>> {
  return project
    .pulumi(["stack", "output", "--json", "--stack", STACK])
    .then((result) => JSON.parse(result.stdout) as Record<string, unknown>);
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One GET on a keep-alive agent; rejects on a socket error or after timeoutMs. */
export function get(url: string, agent?: http.Agent, timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}
