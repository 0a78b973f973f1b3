/**
 * The loopback target's process supervisor: `node supervisor.js`, started detached (its own
 * session) by the service provider, so the service outlives the `pulumi up` that started it.
 *
 * It runs one child, appends the child's output and its own events to the log file, restarts the
 * child when it exits unexpectedly (after 1 s, doubling up to 30 s; the delay resets once a child
 * has run for a minute), and on SIGTERM or SIGINT stops the child (SIGTERM, then SIGKILL after the
 * grace period), removes its pid files and exits 0.
 *
 * Input: the environment variable AITB_SUPERVISOR (JSON SupervisorSpec); every other variable of
 * its environment is the child's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";

export const SPEC_ENV = "AITB_SUPERVISOR";

export interface SupervisorSpec {
  /** Label in the log. */
  name: string;
  command: string;
  args: string[];
  /** The supervisor's pid. */
  pidFile: string;
  /** The running child's pid. */
  childPidFile: string;
  logFile: string;
  /** How long the child may take to stop on SIGTERM. */
  stopGraceMs: number;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const STEADY_MS = 60_000;

function supervise(spec: SupervisorSpec): void {
  const childEnv = { ...process.env };
  delete childEnv[SPEC_ENV];
  const log = fs.openSync(spec.logFile, "a");
  const note = (event: string, extra: Record<string, unknown> = {}): void => {
    fs.writeSync(
      log,
      `${JSON.stringify({ time: new Date().toISOString(), supervisor: spec.name, event, ...extra })}\n`,
    );
  };
  fs.writeFileSync(spec.pidFile, `${process.pid}\n`);

  let child: ChildProcess | undefined;
  let stopping = false;
  let delay = FIRST_DELAY_MS;
  let restartTimer: NodeJS.Timeout | undefined;

  const finish = (): void => {
    for (const file of [spec.childPidFile, spec.pidFile]) fs.rmSync(file, { force: true });
    note("stopped");
    process.exit(0);
  };

  const start = (): void => {
    const startedAt = Date.now();
    const current = spawn(spec.command, spec.args, {
      env: childEnv,
      stdio: ["ignore", log, log],
    });
    child = current;
    if (current.pid !== undefined) fs.writeFileSync(spec.childPidFile, `${current.pid}\n`);
    note("started", { pid: current.pid });
    current.on("error", (error) => note("spawn-error", { message: error.message }));
    current.on("exit", (code, signal) => {
      child = undefined;
      fs.rmSync(spec.childPidFile, { force: true });
      if (stopping) {
        finish();
        return;
      }
      if (Date.now() - startedAt > STEADY_MS) delay = FIRST_DELAY_MS;
      note("exited", { code, signal, restartInMs: delay });
      restartTimer = setTimeout(start, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    note("stopping", { signal });
    if (restartTimer) clearTimeout(restartTimer);
    if (!child) {
      finish();
      return;
    }
    child.kill("SIGTERM");
    setTimeout(() => child?.kill("SIGKILL"), spec.stopGraceMs).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Detached from any terminal; a hang-up is not a reason to stop the service.
  process.on("SIGHUP", () => note("ignored", { signal: "SIGHUP" }));
  start();
}

if (require.main === module) {
  const raw = process.env[SPEC_ENV];
  if (!raw) {
    process.stderr.write(`${SPEC_ENV} is not set; the loopback service provider starts this\n`);
    process.exit(2);
  }
  supervise(JSON.parse(raw) as SupervisorSpec);
}
