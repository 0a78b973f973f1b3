import { spawn, type ChildProcess } from "node:child_process";
import type { Cleanup } from "./cleanup";
import { stopGroup } from "./processes";

/*
 * Drill workers (the blue/green services, the load generator) run in processes of their own so
 * that on two cores none of them starves the others' event loop. From dist/ a worker is the
 * compiled module; from the sources (the tests) its .ts files are transpiled as they load.
 */

/** Source that lets a `node -e` process require .ts files (transpiled on load, no type check). */
export function typescriptHook(typescript: string = require.resolve("typescript")): string {
  return `{
  const ts = require(${JSON.stringify(typescript)});
  const fs = require("fs");
  require.extensions[".ts"] = (m, file) =>
    m._compile(
      ts.transpileModule(fs.readFileSync(file, "utf8"), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText,
      file,
    );
}`;
}

function bootSource(module: string, entry: string): string {
  return `
${module.endsWith(".ts") ? typescriptHook() : ""}
process.on("disconnect", () => process.exit(0));
Promise.resolve(require(${JSON.stringify(module)})[${JSON.stringify(entry)}](JSON.parse(process.env.AITB_WORKER_PAYLOAD))).catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\\n");
  process.exit(1);
});
`;
}

export interface WorkerMessage {
  type: string;
}

export interface Worker {
  pid: number;
  send(message: WorkerMessage): void;
  /** The next message of this type; rejects if the worker exits first. */
  next<T extends WorkerMessage>(type: T["type"], timeoutMs: number): Promise<T>;
}

/** Starts `entry(payload)` of `module` (a path from require.resolve) in its own process group. */
export function startWorker(
  cleanup: Cleanup,
  label: string,
  module: string,
  entry: string,
  payload: unknown,
): Worker {
  const child: ChildProcess = spawn(process.execPath, ["-e", bootSource(module, entry)], {
    env: { ...process.env, AITB_WORKER_PAYLOAD: JSON.stringify(payload) },
    stdio: ["ignore", "inherit", "pipe", "ipc"],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`${label} did not start`);
  const pid = child.pid;
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanup.group(pid, label, async () => {
    if (child.connected) child.disconnect();
    await stopGroup(pid, "SIGTERM", 5_000);
  });

  const inbox: WorkerMessage[] = [];
  const waiters: (() => void)[] = [];
  child.on("message", (message: WorkerMessage) => {
    inbox.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  const exitedMessage = () =>
    `${label} exited${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-8).join("\n")}` : ""}`;

  return {
    pid,
    send(message) {
      if (child.connected) child.send(message);
    },
    async next<T extends WorkerMessage>(type: T["type"], timeoutMs: number): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex((message) => message.type === type);
        if (index >= 0) return inbox.splice(index, 1)[0] as T;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(exitedMessage());
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${label} sent no "${type}" within ${timeoutMs} ms`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          exited,
          new Promise<void>((resolve) => setTimeout(resolve, left).unref()),
        ]);
      }
    },
  };
}

/** The worker side: send a message to the drill that started this process. */
export function toDrill(message: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

/** The worker side: the next message from the drill of this type. */
export function fromDrill<T extends WorkerMessage>(type: T["type"]): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type !== type) return;
      process.off("message", onMessage);
      resolve(message as T);
    };
    process.on("message", onMessage);
  });
}
