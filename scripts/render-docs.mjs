#!/usr/bin/env node
/* global process, console, setTimeout, clearTimeout */
// Writes the real-output blocks of the docs from the commands that print them.
//
//   npm run docs:render                 rewrite the blocks of README.md and docs/walkthrough.md
//   npm run docs:render -- --check      exit 1 naming the blocks that differ, with a diff
//   node scripts/render-docs.mjs [--check] <file.md>...
//
// The markdown says what to run, in HTML comments:
//
//   <!-- aitb-output[ in <copy>][ at <ISO time>]: <command> -->
//   (generated: a fenced block with `$ <command>`, what it printed, `# exit <code>`)
//   <!-- /aitb-output -->
//
//   <!-- aitb-set in <copy>: <stack file> <key> <value> -->
//     sets a config key of a stack file in the copy (comments kept);
//   <!-- aitb-outputs in <copy>: <file> plan <args> -->
//     writes the outputs the offline plan gives (`aitb plan <args> --format json`, its
//     `outputs`) to <file>: what `pulumi stack output --json` shows after a `pulumi up`.
//
// <command> is what follows `aitb` (the compiled command line, dist/cli/main.js: build first), or
// `git ...`. It may end in `2>/dev/null` (stdout only; otherwise stderr is interleaved) and in
// `| head -n <N>` or `| tail -n <N>` (the block then says how many lines it leaves out).
//
// Each command runs in a temporary git repository holding a committed copy of the stack files
// (Pulumi.yaml, Pulumi.*.yaml, policies/config.json, on branch main), so the working tree is
// never touched. The steps naming the same copy (`in dev-switch`) share one, in document order;
// an output block without a name gets a copy of its own. The machine is kept out of the output:
//   - the clock is frozen at CLOCK, or at the block's `at` time (Date is replaced before the
//     command line loads);
//   - PATH holds only git (no Pulumi CLI, Docker or cloud CLI is found), HOME is an empty folder,
//     TZ is UTC, and nothing else of the environment is passed on;
//   - SUBSTITUTIONS below are applied, then the copy's path becomes `.` and this checkout's
//     `<checkout>`.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createTwoFilesPatch } from "diff";
import { parseDocument } from "yaml";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(ROOT, "dist/cli/main.js");
const DEFAULT_FILES = ["README.md", "docs/walkthrough.md"];
/** A Wednesday during the NYSE regular session, the day the walkthrough's story happens. */
const CLOCK = "2026-11-25T18:01:16Z";
const OPERATOR = "operator";
const COMMAND_TIMEOUT_MS = 120_000;
const WIDTH = 100;

/** What varies from run to run although the command did the same: the offline plan's timings. */
const SUBSTITUTIONS = [[/\b(evaluated|offline|program) in \d+\.\d+ s\b/g, "$1 in <t> s"]];

const OPEN = /<!-- aitb-(output|set|outputs)(?: in ([\w.-]+))?(?: at (\S+))?: (.+?) -->/g;
const CLOSE = "<!-- /aitb-output -->";

/** Words of a command line, each as written (quotes kept) and as the program receives it. */
function words(line) {
  const found = [];
  for (const [raw] of line.matchAll(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g)) {
    const value = raw.replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_, single, double) =>
      single !== undefined ? single : double.replace(/\\(.)/g, "$1"),
    );
    found.push({ raw, value });
  }
  return found;
}

/** An output block's command: what to run, and what of its output to show. */
function parseCommand(line) {
  const all = words(line);
  let cut;
  let end = all.findIndex((word) => word.raw === "|");
  if (end >= 0) {
    const [tool, flag, count, ...rest] = all.slice(end + 1).map((word) => word.value);
    if (!["head", "tail"].includes(tool) || flag !== "-n" || !/^\d+$/.test(count) || rest.length) {
      throw new Error(`only "| head -n <N>" or "| tail -n <N>" may follow the command: ${line}`);
    }
    cut = { tool, count: Number(count) };
  } else {
    end = all.length;
  }
  let run = all.slice(0, end);
  const quiet = run.at(-1)?.raw === "2>/dev/null";
  if (quiet) run = run.slice(0, -1);
  const git = run[0]?.value === "git";
  return {
    program: git ? "git" : "aitb",
    args: (git ? run.slice(1) : run).map((word) => word.value),
    shown: [...(git ? [] : ["aitb"]), ...all.map((word) => word.raw)],
    quiet,
    cut,
  };
}

/** `$ <command>`, wrapped before an option (or a pipe) with `\` continuations. */
function promptLines(shown) {
  const groups = [];
  for (const word of shown) {
    if (groups.length === 0 || /^(-|\||2>)/.test(word)) groups.push(word);
    else groups[groups.length - 1] += ` ${word}`;
  }
  const lines = [`$ ${groups.shift()}`];
  for (const group of groups) {
    const last = lines.length - 1;
    if (lines[last].length + 1 + group.length + 2 > WIDTH) lines.push(`    ${group}`);
    else lines[last] += ` ${group}`;
  }
  return lines.map((line, i) => (i < lines.length - 1 ? `${line} \\` : line));
}

function cutLines(lines, cut) {
  if (!cut || lines.length <= cut.count) return lines;
  const left = lines.length - cut.count;
  return cut.tool === "head"
    ? [...lines.slice(0, cut.count), `… (${left} more lines)`]
    : [`… (${left} lines before)`, ...lines.slice(left)];
}

function fenced(info, content) {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map(([ticks]) => ticks.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `\n\n${fence}${info}\n${content}\n${fence}\n\n`;
}

/** The steps of a markdown file in order; an output block keeps where its body is. */
function parseSteps(file, text) {
  const steps = [];
  const open = new RegExp(OPEN.source, "g");
  for (let match = open.exec(text); match; match = open.exec(text)) {
    const [marker, kind, copy, at = CLOCK, rest] = match;
    const step = {
      file,
      kind,
      copy,
      at,
      rest,
      line: text.slice(0, match.index).split("\n").length,
    };
    if (kind === "output") {
      const start = match.index + marker.length;
      const end = text.indexOf(CLOSE, start);
      if (end < 0) throw new Error(`${where(step)}: no ${CLOSE} after the marker`);
      const body = text.slice(start, end);
      const fence = /^(`{3,}|~{3,})(.*)$/m.exec(body);
      Object.assign(step, { start, end, body, info: fence ? fence[2].trim() : "text" });
      open.lastIndex = end + CLOSE.length;
    } else if (!copy) {
      throw new Error(`${where(step)}: aitb-${kind} needs a copy to act on (in <name>)`);
    }
    steps.push(step);
  }
  return steps;
}

function where(step) {
  return `${path.relative(process.cwd(), step.file) || step.file}:${step.line}`;
}

function executable(name) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`no ${name} on PATH`);
}

/** The folder of the copies, the clock preload and the commands' PATH and HOME. */
function makeWorkspace() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "aitb-docs-")));
  for (const sub of ["bin", "home", "out", "copies"]) fs.mkdirSync(path.join(dir, sub));
  const git = executable("git");
  fs.symlinkSync(git, path.join(dir, "bin/git"));
  const clock = path.join(dir, "fixed-clock.cjs");
  fs.writeFileSync(
    clock,
    [
      "const fixed = Date.parse(process.env.AITB_DOCS_CLOCK);",
      "class FixedDate extends Date {",
      "  constructor(...args) { if (args.length === 0) super(fixed); else super(...args); }",
      "  static now() { return fixed; }",
      "}",
      "globalThis.Date = FixedDate;",
      "",
    ].join("\n"),
  );
  return { dir, git, clock };
}

function commandEnv(workspace, at) {
  return {
    PATH: path.join(workspace.dir, "bin"),
    HOME: path.join(workspace.dir, "home"),
    TZ: "UTC",
    LANG: "C.UTF-8",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    AITB_OPERATOR: OPERATOR,
    AITB_DOCS_CLOCK: at,
  };
}

/** A git repository with the stack files committed on main, like a checkout of this one. */
function makeCopy(workspace, name) {
  const dir = fs.mkdtempSync(path.join(workspace.dir, "copies", `${name}-`));
  const files = fs
    .readdirSync(ROOT)
    .filter((file) => /^Pulumi(\.[\w-]+)?\.yaml$/.test(file))
    .concat("policies/config.json");
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  const author = { NAME: "aitb docs", EMAIL: "docs@aitb.invalid", DATE: CLOCK };
  const env = { ...commandEnv(workspace, CLOCK) };
  for (const [key, value] of Object.entries(author)) {
    env[`GIT_AUTHOR_${key}`] = value;
    env[`GIT_COMMITTER_${key}`] = value;
  }
  const git = (...args) => execFileSync(workspace.git, args, { cwd: dir, env, stdio: "ignore" });
  git("init", "-q");
  git("symbolic-ref", "HEAD", "refs/heads/main");
  git("add", "--", ...files);
  git("commit", "-q", "--no-verify", "--no-gpg-sign", "-m", "stack files");
  return dir;
}

/** Run one command in a copy; stdout and stderr share one file, so their order is kept. */
function run(workspace, copyDir, at, command) {
  const outFile = fs.mkdtempSync(path.join(workspace.dir, "out", "run-")) + "/output.txt";
  const fd = fs.openSync(outFile, "w");
  const [file, args] =
    command.program === "git"
      ? [workspace.git, command.args]
      : [process.execPath, ["--require", workspace.clock, CLI, ...command.args]];
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: copyDir,
      env: commandEnv(workspace, at),
      stdio: ["ignore", fd, command.quiet ? "ignore" : fd],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), COMMAND_TIMEOUT_MS);
    const done = (code) => {
      clearTimeout(timer);
      fs.closeSync(fd);
      resolve({ code, output: fs.readFileSync(outFile, "utf8") });
    };
    child.on("error", (error) => {
      fs.writeSync(fd, `${error.message}\n`);
      done(127);
    });
    child.on("close", (code, signal) => done(signal ? `killed (${signal})` : code));
  });
}

function normalise(output, copyDir) {
  let text = output;
  for (const [pattern, replacement] of SUBSTITUTIONS) text = text.replace(pattern, replacement);
  return text
    .replaceAll(`${copyDir}/`, "")
    .replaceAll(copyDir, ".")
    .replaceAll(ROOT, "<checkout>")
    .replace(/\s+$/, "");
}

function setKey(copyDir, rest) {
  const [stackFile, key, value] = words(rest).map((word) => word.value);
  const file = path.join(copyDir, stackFile);
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  doc.setIn(["config", key], value);
  fs.writeFileSync(file, doc.toString());
}

async function writeOutputs(workspace, copyDir, step) {
  const [target, ...args] = words(step.rest).map((word) => word.value);
  if (args[0] !== "plan") throw new Error(`${where(step)}: aitb-outputs takes a plan command`);
  const command = { program: "aitb", args: [...args, "--format", "json"], quiet: true };
  const { code, output } = await run(workspace, copyDir, step.at, command);
  if (code !== 0) throw new Error(`${where(step)}: aitb ${args.join(" ")} exited ${code}`);
  const outputs = JSON.parse(output).outputs;
  fs.writeFileSync(path.join(copyDir, target), `${JSON.stringify(outputs, null, 2)}\n`);
}

async function execute(workspace, copyDir, step) {
  if (step.kind === "set") setKey(copyDir, step.rest);
  if (step.kind === "outputs") await writeOutputs(workspace, copyDir, step);
  if (step.kind !== "output") return {};
  const { code, output } = await run(workspace, copyDir, step.at, parseCommand(step.rest));
  return { code, text: normalise(output, copyDir) };
}

/** The files of a copy (not .git): what the steps so far made of it. */
function snapshot(dir, sub = "") {
  return fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((entry) => {
    const name = path.join(sub, entry.name);
    if (entry.isDirectory()) return name === ".git" ? [] : snapshot(dir, name);
    return [[name, fs.readFileSync(path.join(dir, name))]];
  });
}

function restore(dir, files) {
  for (const [name, content] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/**
 * The steps of one copy, in order. A step after the same steps as one already run (in any file)
 * is taken from it, with the files it left: the README repeats commands of the walkthrough.
 */
async function renderCopy(workspace, steps, memo) {
  const copyDir = makeCopy(workspace, steps[0].copy ?? "block");
  const history = [];
  for (const step of steps) {
    const command = step.kind === "output" ? parseCommand(step.rest) : undefined;
    history.push([
      step.kind,
      step.at,
      command ? [command.program, command.quiet, command.args] : step.rest,
    ]);
    const key = JSON.stringify(history);
    const known = memo.get(key);
    if (known) {
      restore(copyDir, (await known).files);
    } else {
      const done = execute(workspace, copyDir, step).then((result) => ({
        ...result,
        files: snapshot(copyDir),
      }));
      memo.set(key, done);
      await done;
    }
    if (!command) continue;
    const { code, text } = await memo.get(key);
    const lines = text === "" ? [] : cutLines(text.split("\n"), command.cut);
    step.rendered = fenced(
      step.info,
      [...promptLines(command.shown), ...lines, `# exit ${code}`].join("\n"),
    );
  }
}

/** Copies run side by side, the steps of one copy one after the other. */
async function renderAll(steps) {
  const groups = new Map();
  for (const step of steps) {
    const key = `${step.file}\0${step.copy ?? step.start}`;
    groups.set(key, [...(groups.get(key) ?? []), step]);
  }
  const queue = [...groups.values()];
  const memo = new Map();
  const workspace = makeWorkspace();
  try {
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        await renderCopy(workspace, group, memo);
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(os.availableParallelism(), queue.length) }, worker),
    );
  } finally {
    fs.rmSync(workspace.dir, { recursive: true, force: true });
  }
}

function report(blocks, stale) {
  for (const block of stale) {
    const command = parseCommand(block.rest).shown.join(" ");
    console.log(`${where(block)}: \`${command}\` prints something else now:`);
    console.log(
      createTwoFilesPatch(
        `${where(block)} (in the file)`,
        "(printed now)",
        block.body,
        block.rendered,
      ),
    );
  }
  console.log(
    stale.length === 0
      ? `No generated block differs from what its command prints (${blocks.length} checked).`
      : `${stale.length} of ${blocks.length} generated blocks differ; rewrite them with: npm run docs:render`,
  );
}

async function main(argv) {
  const check = argv.includes("--check");
  const unknown = argv.filter((arg) => arg.startsWith("-") && arg !== "--check");
  if (unknown.length > 0) {
    console.error(`usage: render-docs [--check] [file.md...]; unknown: ${unknown.join(" ")}`);
    return 2;
  }
  if (!fs.existsSync(CLI)) {
    console.error(`no ${CLI}: build the command line first (npm run build)`);
    return 2;
  }
  const named = argv.filter((arg) => !arg.startsWith("-"));
  const files = (named.length > 0 ? named : DEFAULT_FILES.map((file) => path.join(ROOT, file))).map(
    (file) => path.resolve(file),
  );
  const texts = new Map(files.map((file) => [file, fs.readFileSync(file, "utf8")]));
  const steps = files.flatMap((file) => parseSteps(file, texts.get(file)));
  await renderAll(steps);

  const blocks = steps.filter((step) => step.kind === "output");
  const stale = blocks.filter((block) => block.rendered !== block.body);
  if (check) {
    report(blocks, stale);
    return stale.length === 0 ? 0 : 1;
  }
  for (const file of files) {
    const own = stale.filter((block) => block.file === file).reverse();
    let text = texts.get(file);
    for (const block of own) {
      text = text.slice(0, block.start) + block.rendered + text.slice(block.end);
    }
    if (own.length > 0) fs.writeFileSync(file, text);
    const total = blocks.filter((block) => block.file === file).length;
    console.log(
      `${path.relative(process.cwd(), file) || file}: ${own.length} of ${total} blocks rewritten`,
    );
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`render-docs: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
