/**
 * What an on-call engineer types for the runbook's rollbacks, and how long the tool takes: each
 * scenario runs the built command line (dist/cli/main.js) in a temporary git repository holding
 * copies of the stack files, pushes to a local bare repository, and runs every next command the
 * tool printed as printed. `pulumi up` is not run: the deployed outputs a step needs are written
 * as a fake `pulumi stack output`.
 *
 * npm run oncall-bench
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { commandLine, shellQuote, shellWords } from "../domain/quote";

const ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(ROOT, "dist", "cli", "main.js");
const STACK_FILES = ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"];
/** The target for an immediate rollback: one aitb command plus git push, under 5 s of tool time. */
const IMMEDIATE_TARGET_SECONDS = 5;

interface Run {
  command: string[];
  code: number;
  seconds: number;
  /** CPU seconds of the command and its children; undefined where /proc does not say. */
  cpuSeconds?: number;
  stdout: string;
  stderr: string;
}

interface Scenario {
  name: string;
  typed: Run[];
  /** The next commands the tool printed, run as printed. */
  printed: Run[];
  /** Printed next commands that need a deployed stack (a Pulumi backend, live services). */
  notRun: string[];
}

interface Workspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** What the fake `pulumi stack output --json` prints: the outputs of the last simulated up. */
  outputsFile: string;
}

function shown(command: string[]): string {
  return commandLine(command);
}

/**
 * CPU seconds of the waited-for children of this process (Linux /proc/self/stat cutime + cstime,
 * in clock ticks of 1/100 s): the wall time of a loaded machine says little about the tool itself.
 */
function childCpuSeconds(): number | undefined {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

function run(workspace: Workspace, command: string[]): Run {
  const [program, ...args] = command;
  const executable = program === "aitb" ? process.execPath : program;
  const argv = program === "aitb" ? [CLI, ...args] : args;
  const cpuBefore = childCpuSeconds();
  const started = performance.now();
  const result = spawnSync(executable, argv, {
    cwd: workspace.dir,
    env: workspace.env,
    encoding: "utf8",
    timeout: 120_000,
  });
  return {
    command,
    code: result.status ?? -1,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuBefore === undefined ? undefined : (childCpuSeconds() ?? cpuBefore) - cpuBefore,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
  };
}

function mustPass(step: Run): Run {
  if (step.code !== 0) {
    throw new Error(`${shown(step.command)} exited ${step.code}:\n${step.stderr}${step.stdout}`);
  }
  return step;
}

/** A git repository holding copies of the stack files, a bare `origin`, and a fake `pulumi`. */
function workspace(): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-oncall-"));
  const bin = path.join(dir, ".bench-bin");
  fs.mkdirSync(bin);
  const outputsFile = path.join(bin, "outputs.json");
  fs.writeFileSync(
    path.join(bin, "pulumi"),
    `#!/bin/sh\nif [ "$1 $2" = "stack output" ] && [ -f ${shellQuote(outputsFile)} ]; then cat ${shellQuote(outputsFile)}; exit 0; fi\necho "error: no Pulumi backend in this bench (pulumi $*)" >&2\nexit 255\n`,
    { mode: 0o755 },
  );
  for (const file of STACK_FILES) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, ".gitignore"), ".bench-bin/\norigin.git/\n");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    GIT_AUTHOR_NAME: "on-call",
    GIT_AUTHOR_EMAIL: "on-call@example.com",
    GIT_COMMITTER_NAME: "on-call",
    GIT_COMMITTER_EMAIL: "on-call@example.com",
    AITB_OPERATOR: "on-call",
  };
  const space = { dir, env, outputsFile };
  for (const command of [
    ["git", "init", "-q", "-b", "main"],
    ["git", "add", "."],
    ["git", "commit", "-qm", "Stack files as deployed"],
    ["git", "init", "-q", "--bare", "origin.git"],
    ["git", "remote", "add", "origin", path.join(dir, "origin.git")],
  ]) {
    mustPass(run(space, command));
  }
  return space;
}

/** `pulumi up` of the stack file as it is now, as its outputs: what the program exports. */
function simulateUp(space: Workspace): void {
  const plan = mustPass(
    run(space, [
      "aitb",
      "plan",
      "--stack",
      "prod",
      "--format",
      "json",
      "--base",
      "Pulumi.prod.yaml",
    ]),
  );
  const outputs = (JSON.parse(plan.stdout) as { outputs: Record<string, unknown> }).outputs;
  fs.writeFileSync(
    space.outputsFile,
    JSON.stringify({ deployed: outputs.deployed, databases: outputs.databases }),
  );
}

/** The commands a report printed as next steps, and the values hint, each as words. */
function printedCommands(report: string): string[][] {
  const commands: string[][] = [];
  let next = false;
  for (const line of report.split("\n")) {
    for (const hint of line.matchAll(/\(values: (aitb [^)]*)\)/g))
      commands.push(shellWords(hint[1]));
    if (line.startsWith("Next:")) next = true;
    else if (next && /^\s+\S/.test(line) && !line.trim().startsWith("#")) {
      commands.push(shellWords(line.trim()));
    }
  }
  return commands;
}

/** Commands that need a deployed stack: a Pulumi backend, or the services themselves. */
function needsDeployedStack(command: string[]): boolean {
  return command[0] === "pulumi" || (command[0] === "aitb" && command[1] === "verify");
}

/** Type a command; then run what it printed, except what the scenario types itself next. */
function typeCommand(space: Workspace, scenario: Scenario, command: string[]): Run {
  const typed = mustPass(run(space, command));
  scenario.typed.push(typed);
  return typed;
}

function runPrinted(space: Workspace, scenario: Scenario, report: string, skip: string[][]): void {
  for (const command of printedCommands(report)) {
    if (skip.some((typed) => shown(typed) === shown(command))) continue;
    if (needsDeployedStack(command)) {
      scenario.notRun.push(shown(command));
      continue;
    }
    scenario.printed.push(run(space, command));
  }
}

function pushCommandOf(report: string): string[] {
  const push = printedCommands(report).find(
    (command) => command[0] === "git" && command[1] === "push",
  );
  if (!push) throw new Error(`no git push among the next commands:\n${report}`);
  return push;
}

function immediateRollback(): Scenario {
  const space = workspace();
  const scenario: Scenario = { name: "immediate rollback", typed: [], printed: [], notRun: [] };
  const rollback = typeCommand(space, scenario, [
    "aitb",
    "rollback",
    "--stack",
    "prod",
    "--class",
    "immediate",
    "--trigger",
    "bot-execution-errors",
    "--reason",
    "Bot execution errors on live positions",
    "--incident",
    "INC-9001",
    "--commit",
  ]);
  const push = typeCommand(space, scenario, pushCommandOf(rollback.stdout));
  runPrinted(space, scenario, rollback.stdout, [push.command]);
  // The review text the pull-request workflow posts for the pushed branch.
  const base = /--base ([0-9a-f]+)/.exec(rollback.stdout)?.[1] ?? "main";
  scenario.printed.push(
    run(space, ["aitb", "diff", "--stack", "prod", "--base", base, "--format", "markdown"]),
  );
  fs.rmSync(space.dir, { recursive: true, force: true });
  return scenario;
}

function fullRollbackWithRestore(): Scenario {
  const space = workspace();
  const scenario: Scenario = {
    name: "full rollback with restore (2 steps)",
    typed: [],
    printed: [],
    notRun: [],
  };
  const step1 = typeCommand(space, scenario, [
    "aitb",
    "rollback",
    "--stack",
    "prod",
    "--class",
    "emergency",
    "--trigger",
    "data-loss",
    "--reason",
    "Trades table corrupted by 2026.11.4",
    "--incident",
    "INC-9002",
    "--expires",
    "2h",
    "--restore",
    "2026.11.3",
    "--commit",
  ]);
  const push1 = typeCommand(space, scenario, pushCommandOf(step1.stdout));
  simulateUp(space);
  const step2Command = printedCommands(step1.stdout).find(
    (command) => command[0] === "aitb" && command[1] === "rollback",
  );
  if (!step2Command) throw new Error(`step 1 printed no step 2:\n${step1.stdout}`);
  runPrinted(space, scenario, step1.stdout, [push1.command, step2Command]);
  const step2 = typeCommand(space, scenario, step2Command);
  const push2 = typeCommand(space, scenario, pushCommandOf(step2.stdout));
  runPrinted(space, scenario, step2.stdout, [push2.command]);
  fs.rmSync(space.dir, { recursive: true, force: true });
  return scenario;
}

function emergencyPreviewAndExtension(): Scenario {
  const space = workspace();
  const scenario: Scenario = {
    name: "emergency: preview, write, extend",
    typed: [],
    printed: [],
    notRun: [],
  };
  const emergency = [
    "aitb",
    "rollback",
    "--stack",
    "prod",
    "--class",
    "emergency",
    "--trigger",
    "exchange-connectivity-loss",
    "--reason",
    "Exchange connectivity lost on green",
    "--incident",
    "INC-9003",
    "--expires",
    "1h",
  ];
  typeCommand(space, scenario, [...emergency, "--dry-run"]);
  const written = typeCommand(space, scenario, [...emergency, "--commit"]);
  const push1 = typeCommand(space, scenario, pushCommandOf(written.stdout));
  runPrinted(space, scenario, written.stdout, [push1.command]);
  const extend = typeCommand(space, scenario, [
    "aitb",
    "rollback",
    "--stack",
    "prod",
    "--extend",
    "2h",
    "--commit",
  ]);
  const push2 = typeCommand(space, scenario, pushCommandOf(extend.stdout));
  runPrinted(space, scenario, extend.stdout, [push2.command]);
  fs.rmSync(space.dir, { recursive: true, force: true });
  return scenario;
}

function short(command: string[]): string {
  const flags = command.filter((word) => word.startsWith("--") && word !== "--stack");
  if (command[0] === "git") return shown(command.slice(0, 2));
  return `${command.slice(0, 2).join(" ")} ${flags.join(" ")}`.trim();
}

function table(scenarios: Scenario[]): string {
  const rows = scenarios.map((scenario) => {
    const typed = scenario.typed.map((step) => `\`${short(step.command)}\``).join(", ");
    const seconds = scenario.typed.map((step) => `${step.seconds.toFixed(1)}`).join(" + ");
    const total = scenario.typed.reduce((sum, step) => sum + step.seconds, 0);
    const cpu = scenario.typed.reduce((sum, step) => sum + (step.cpuSeconds ?? NaN), 0);
    const passed = scenario.printed.filter((step) => step.code === 0).length;
    const failed = scenario.printed
      .filter((step) => step.code !== 0)
      .map((step) => shown(step.command));
    const printed = `${passed}/${scenario.printed.length} exit 0${failed.length > 0 ? ` (FAILED: ${failed.join("; ")})` : ""}${scenario.notRun.length > 0 ? `; not run (need a deployed stack): ${[...new Set(scenario.notRun.map((c) => shellWords(c).slice(0, 2).join(" ")))].join(", ")}` : ""}`;
    return `| ${scenario.name} | ${scenario.typed.length}: ${typed} | ${seconds} = ${total.toFixed(1)} | ${Number.isNaN(cpu) ? "n/a" : cpu.toFixed(1)} | ${printed} |`;
  });
  return [
    "| scenario | commands typed | tool wall s (each = total) | tool CPU s | printed next commands run as printed |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function main(): number {
  if (!fs.existsSync(CLI)) {
    process.stderr.write(`no ${CLI}: run npm run build first\n`);
    return 2;
  }
  const scenarios = [
    immediateRollback(),
    fullRollbackWithRestore(),
    emergencyPreviewAndExtension(),
  ];
  process.stdout.write(`${table(scenarios)}\n\n`);
  const immediate = scenarios[0];
  const aitbCommands = immediate.typed.filter((step) => step.command[0] === "aitb").length;
  const gitCommands = immediate.typed.filter((step) => step.command[0] === "git").length;
  const toolSeconds = immediate.typed.reduce((sum, step) => sum + step.seconds, 0);
  const load = os.loadavg()[0].toFixed(1);
  const shape = aitbCommands === 1 && gitCommands === 1;
  const fast = toolSeconds < IMMEDIATE_TARGET_SECONDS;
  process.stdout.write(
    `immediate rollback: ${aitbCommands} aitb command + ${gitCommands} git command (target: 1 + git push): ${shape ? "met" : "MISSED"}; ` +
      `tool time ${toolSeconds.toFixed(1)} s (target: under ${IMMEDIATE_TARGET_SECONDS} s): ${fast ? "met" : "MISSED"} ` +
      `(load average ${load} on ${os.cpus().length} CPUs)\n`,
  );
  const failures = scenarios.flatMap((scenario) =>
    scenario.printed.filter((step) => step.code !== 0),
  );
  for (const step of failures) {
    process.stderr.write(`${shown(step.command)} exited ${step.code}:\n${step.stderr}\n`);
  }
  return failures.length === 0 && shape ? 0 : 1;
}

process.exitCode = main();
