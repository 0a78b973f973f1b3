import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { processesInGroup, signalGroup } from "./processes";

/** What a drill started: process groups (a server and its workers) and temporary folders. */
export interface Started {
  groups: number[];
  folders: string[];
}

type Step = () => Promise<void>;

/**
 * Everything a drill starts is registered here the moment it exists, and stopped or removed in
 * reverse order when the drill ends: normally, on an error, or on SIGINT/SIGTERM/SIGHUP.
 */
export class Cleanup {
  private readonly steps: Step[] = [];
  private running?: Promise<void>;

  constructor(
    readonly started: Started = { groups: [], folders: [] },
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  get closed(): boolean {
    return this.running !== undefined;
  }

  private refuseWhenClosed(): void {
    if (this.closed) throw new Error("the drill is stopping; nothing new starts");
  }

  /** A new temporary folder, removed at the end. */
  folder(prefix: string): string {
    this.refuseWhenClosed();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.started.folders.push(folder);
    this.log(`created folder ${folder}`);
    this.steps.push(async () => fs.rmSync(folder, { recursive: true, force: true }));
    return folder;
  }

  /** A process group to stop at the end (`stop` asks nicely; SIGKILL follows if it fails). */
  group(pgid: number, label: string, stop: Step): void {
    this.started.groups.push(pgid);
    this.log(`started ${label} (process group ${pgid})`);
    const step = async () => {
      try {
        await stop();
      } finally {
        signalGroup(pgid, "SIGKILL");
      }
    };
    // Started while the drill was already stopping (a signal arrived meanwhile): stop it now.
    if (this.closed) void step();
    else this.steps.push(step);
  }

  /** Any other undo step. */
  defer(step: Step): void {
    this.refuseWhenClosed();
    this.steps.push(step);
  }

  /** Runs every step once, newest first; later calls wait for the same run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      const errors: unknown[] = [];
      while (this.steps.length > 0) {
        const step = this.steps.pop() as Step;
        try {
          await step();
        } catch (error) {
          errors.push(error);
        }
      }
      if (errors.length > 0) {
        this.log(
          `cleanup: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")}`,
        );
      }
    })();
    return this.running;
  }

  /** Last resort when the process exits without the async cleanup having run. */
  runSync(): void {
    for (const pgid of this.started.groups) {
      if (processesInGroup(pgid).length > 0) signalGroup(pgid, "SIGKILL");
    }
    for (const folder of this.started.folders) fs.rmSync(folder, { recursive: true, force: true });
  }
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs a drill with a cleanup that always happens. On SIGINT, SIGTERM or SIGHUP (a closed terminal) the cleanup runs, then
 * the signal is raised again so the process ends as the signal asks.
 */
export async function withCleanup<T>(
  body: (cleanup: Cleanup) => Promise<T>,
  options: { started?: Started; log?: (line: string) => void } = {},
): Promise<T> {
  const cleanup = new Cleanup(options.started, options.log);
  const onExit = (): void => cleanup.runSync();
  const detach = (): void => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off("exit", onExit);
  };
  function onSignal(signal: NodeJS.Signals): void {
    options.log?.(`${signal}: stopping everything the drill started`);
    void cleanup.run().finally(() => {
      cleanup.runSync();
      detach();
      process.kill(process.pid, signal);
    });
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on("exit", onExit);
  try {
    return await body(cleanup);
  } finally {
    await cleanup.run();
    detach();
  }
}

/** What is still there of what a drill started: live process groups, existing folders. */
export function leftovers(started: Started): Started {
  return {
    groups: started.groups.filter((pgid) => processesInGroup(pgid).length > 0),
    folders: started.folders.filter((folder) => fs.existsSync(folder)),
  };
}
