import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shellQuote, shellWords } from "../../domain/quote";

export { shellWords };
import { tempProject } from "./support";

/** Every `aitb ...` command a report prints: its next steps and the hints in parentheses. */
export function printedAitbCommands(report: string): string[][] {
  const commands: string[][] = [];
  for (const line of report.split("\n")) {
    const step = /^\s+(aitb .*)$/.exec(line);
    if (step) commands.push(shellWords(step[1]));
    for (const hint of line.matchAll(/\(values: (aitb [^)]*)\)/g)) {
      commands.push(shellWords(hint[1]));
    }
  }
  return commands;
}

/** Every `git ...` command among a report's next steps. */
export function printedGitCommands(report: string): string[][] {
  return report
    .split("\n")
    .map((line) => /^\s+(git .*)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined)
    .map(shellWords);
}

/** A bare repository in a temporary folder, added to `dir` as its remote `origin`. */
export function bareOrigin(dir: string): string {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-origin-"));
  git(bare, "init", "-q", "--bare");
  git(dir, "remote", "add", "origin", bare);
  return bare;
}

/** Who commits in these tests, whatever the machine's git config says. */
export const GIT_ENV = {
  GIT_AUTHOR_NAME: "on-call",
  GIT_AUTHOR_EMAIL: "on-call@example.com",
  GIT_COMMITTER_NAME: "on-call",
  GIT_COMMITTER_EMAIL: "on-call@example.com",
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...GIT_ENV },
  }).trim();
}

/** A temporary project whose stack files are committed in a git repository of its own. */
export function gitProject(): string {
  const dir = tempProject();
  git(dir, "init", "-q");
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "stack files as deployed");
  return dir;
}

/** A folder holding a `pulumi` that prints the given outputs for `pulumi stack output --json`. */
export function fakePulumi(outputs: unknown): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-fake-pulumi-"));
  const json = path.join(bin, "outputs.json");
  fs.writeFileSync(json, JSON.stringify(outputs));
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!/bin/sh\nif [ "$1 $2" = "stack output" ]; then cat ${shellQuote(json)}; exit 0; fi\necho "error: unexpected pulumi $*" >&2\nexit 1\n`,
    { mode: 0o755 },
  );
  return bin;
}

/** A `pulumi` that fails every command with the given message. */
export function failingPulumi(message: string, seconds = 0): string {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-fake-pulumi-"));
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!/bin/sh\n${seconds > 0 ? `exec sleep ${seconds}\n` : ""}echo ${shellQuote(message)} >&2\nexit 255\n`,
    { mode: 0o755 },
  );
  return bin;
}

/** Only the clock is fake: timers, I/O and child processes run as usual. */
export function setClock(now: Date): void {
  jest.useFakeTimers({
    now,
    doNotFake: [
      "hrtime",
      "nextTick",
      "performance",
      "queueMicrotask",
      "requestAnimationFrame",
      "cancelAnimationFrame",
      "requestIdleCallback",
      "cancelIdleCallback",
      "setImmediate",
      "clearImmediate",
      "setInterval",
      "clearInterval",
      "setTimeout",
      "clearTimeout",
    ],
  });
}

/** PATH without the folders that hold a `pulumi`: what a machine without the CLI has. */
export function pathWithoutPulumi(): string {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((folder) => folder && !fs.existsSync(path.join(folder, "pulumi")))
    .join(path.delimiter);
}
