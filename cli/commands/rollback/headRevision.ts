import { execFileSync } from "node:child_process";

/**
 * The commit checked out now, abbreviated: a base that keeps naming the file as it was before an
 * edit after the edit is committed (`HEAD` would then name the edit itself).
 */
export function headRevision(root: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "--verify", "--quiet", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}
