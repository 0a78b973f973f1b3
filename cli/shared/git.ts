import { execFileSync } from "node:child_process";

/** The standard output of `git <args>` in `root`, or undefined when git fails (no repository, no such revision). */
export function gitOutput(root: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}
