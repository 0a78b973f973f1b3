import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const PULUMI_INSTALL_HINT =
  "install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/iac/download-install/), then run again";

/** The `pulumi` executable on PATH, or undefined. */
export function findPulumi(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export type PulumiRun = { ok: true; stdout: string } | { ok: false; why: string };

export interface PulumiRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((line) => line.trim())
      .find(Boolean) ?? ""
  );
}

/**
 * Run the Pulumi CLI for a read: never waits on a prompt (no stdin, `--non-interactive`), never
 * longer than the timeout, and says in one line why it failed.
 */
export function runPulumiRead(
  pulumi: string,
  args: readonly string[],
  options: PulumiRunOptions,
): Promise<PulumiRun> {
  const shown = ["pulumi", ...args].join(" ");
  return new Promise((resolve) => {
    const child = execFile(
      pulumi,
      [...args, "--non-interactive"],
      {
        cwd: options.cwd,
        env: { ...(options.env ?? process.env), PULUMI_SKIP_UPDATE_CHECK: "true" },
        timeout: options.timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ ok: true, stdout });
          return;
        }
        const why = error.killed
          ? `timed out after ${(options.timeoutMs / 1000).toFixed(1)} s`
          : firstLine(stderr) || firstLine(error.message);
        resolve({ ok: false, why: `${shown} failed: ${why}` });
      },
    );
    child.stdin?.end();
  });
}
