import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { commandLine } from "../../../domain/quote";
import { InputError } from "../../exitCodes";

/** Where a rollback's commit goes: one branch per stack and incident, pushed for review. */
export function rollbackBranch(stack: string, incident: string): string {
  const slug = incident
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `rollback/${stack}-${slug || "change"}`;
}

function git(root: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

function gitOrUndefined(root: string, args: string[]): string | undefined {
  try {
    return git(root, args);
  } catch {
    return undefined;
  }
}

function refuse(message: string): never {
  throw new InputError("rollback", [{ key: "--commit", message }]);
}

/** The branch the commit goes to, checked before anything is written. */
export interface CommitPlan {
  branch: string;
  /** The branch is checked out already (step 2 of a restore, a renewal): commit on it. */
  onBranch: boolean;
}

/** Refuse `--commit` before the file is written when git cannot take the commit. */
export function planCommit(root: string, file: string, branch: string): CommitPlan {
  const top = gitOrUndefined(root, ["rev-parse", "--show-toplevel"]);
  if (!top) refuse(`${root} is not in a git repository; run without --commit, or git init first`);
  const relative = path.relative(top, file);
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    refuse(`${file} is outside the git repository at ${top}; run without --commit`);
  }
  // The commit holds the file whole: edits made before the rollback would go into it unjudged.
  if (gitOrUndefined(root, ["diff", "--quiet", "HEAD", "--", file]) === undefined) {
    refuse(
      `${relative} has changes that are not committed; commit or stash them first, or run without --commit`,
    );
  }
  const current = gitOrUndefined(root, ["symbolic-ref", "--short", "-q", "HEAD"]);
  if (current === branch) return { branch, onBranch: true };
  if (gitOrUndefined(root, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`])) {
    refuse(
      `branch ${branch} exists already; check it out (git switch ${branch}) to add this change to it, or run without --commit`,
    );
  }
  return { branch, onBranch: false };
}

/** Commit the stack file alone on the rollback's branch; the message is the review text. */
export function commitRollback(
  root: string,
  file: string,
  plan: CommitPlan,
  message: string,
): string {
  try {
    if (!plan.onBranch) git(root, ["switch", "-q", "-c", plan.branch]);
    git(root, ["add", "--", file]);
    git(root, ["commit", "-q", "-m", message, "--", file]);
    return git(root, ["rev-parse", "--short=12", "HEAD"]);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? "").trim();
    throw new InputError("rollback", [
      {
        key: "--commit",
        message: `the stack file is written, but git refused the commit: ${stderr.split("\n")[0] || (error as Error).message}; commit it by hand`,
      },
    ]);
  }
}

/** The push that opens the review, or undefined when the repository has no remote. */
export function pushCommand(root: string, branch: string): string | undefined {
  const remotes = (gitOrUndefined(root, ["remote"]) ?? "").split("\n").filter(Boolean);
  const remote = remotes.includes("origin") ? "origin" : remotes[0];
  return remote ? commandLine(["git", "push", "-u", remote, branch]) : undefined;
}
