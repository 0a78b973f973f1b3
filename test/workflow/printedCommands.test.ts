import * as fs from "node:fs";
import * as path from "node:path";
import { planStack } from "../../cli/engine/plan";
import { readStackSource } from "../../cli/engine/stackFiles";
import { runCli, type CliRun } from "../support/cli";
import {
  bareOrigin,
  fakePulumi,
  git,
  GIT_ENV,
  gitProject,
  printedAitbCommands,
  printedGitCommands,
  setClock,
} from "./printedCommands";
import { configOf, removeProject, stackFile } from "./support";

/** Wednesday 10:00 in New York: the NYSE regular session is open (it closes at 21:00Z). */
const OPEN = new Date("2026-11-25T15:00:00Z");
const minutesAfterOpen = (minutes: number) => new Date(OPEN.getTime() + minutes * 60_000);

const originalCwd = process.cwd();
const originalPath = process.env.PATH;
const created: string[] = [];
let dir: string;

// `aitb rollback --commit` commits as whoever git says the user is.
const originalEnv = { ...process.env };
beforeAll(() => Object.assign(process.env, GIT_ENV));
afterAll(() => {
  for (const key of Object.keys(GIT_ENV)) {
    if (originalEnv[key] === undefined) delete process.env[key];
    else process.env[key] = originalEnv[key];
  }
});
beforeEach(() => {
  dir = gitProject();
  created.push(dir);
  process.chdir(dir);
});
afterEach(() => {
  jest.useRealTimers();
  process.chdir(originalCwd);
  process.env.PATH = originalPath;
  for (const folder of created.splice(0)) removeProject(folder);
});

/** What the deployed stack exports once the stack file as it is now has been applied. */
async function outputsOnceApplied(): Promise<Record<string, unknown>> {
  const source = readStackSource(dir, "prod");
  const plan = await planStack({ source, base: source, now: new Date() });
  return { deployed: plan.outputs.deployed, databases: plan.outputs.databases };
}

/**
 * Run every aitb command a report printed, as printed, at the given time. `aitb verify` calls the
 * deployed services, which these stacks do not have (test/workflow/verify.test.ts runs it
 * against a live one).
 */
async function runPrinted(report: string, at: Date): Promise<[string, CliRun][]> {
  const runs: [string, CliRun][] = [];
  for (const [, ...args] of printedAitbCommands(report)) {
    if (args[0] === "verify") continue;
    setClock(at);
    runs.push([args.join(" "), await runCli(args)]);
  }
  return runs;
}

function exitCodes(runs: [string, CliRun][]): Record<string, number> {
  return Object.fromEntries(runs.map(([command, run]) => [command, run.code]));
}

function allZero(runs: [string, CliRun][]): Record<string, number> {
  return Object.fromEntries(runs.map(([command]) => [command, 0]));
}

describe("every aitb command a rollback prints runs as printed during a trading session", () => {
  test("an immediate rollback is one aitb command and the git push it prints; its diff and notice run after", async () => {
    created.push(bareOrigin(dir));
    const deployedAt = git(dir, "rev-parse", "--short=12", "HEAD");
    setClock(OPEN);
    const rollback = await runCli([
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
      "INC-7001",
      "--requested-by",
      "alice",
      "--config",
      "Pulumi.prod.yaml",
      "--commit",
    ]);
    expect(rollback.stderr).toBe("");
    expect(rollback.code).toBe(0);
    expect(git(dir, "symbolic-ref", "--short", "HEAD")).toBe("rollback/prod-inc-7001");
    expect(git(dir, "log", "-1", "--format=%B")).toContain(
      "Reason: Bot execution errors on live positions",
    );
    expect(git(dir, "status", "--porcelain")).toBe("");
    const pushes = printedGitCommands(rollback.stdout);
    expect(pushes).toEqual([["git", "push", "-u", "origin", "rollback/prod-inc-7001"]]);
    git(dir, ...pushes[0].slice(1));
    expect(git(dir, "ls-remote", "--heads", "origin")).toContain(
      "refs/heads/rollback/prod-inc-7001",
    );

    expect(printedAitbCommands(rollback.stdout).map((words) => words.join(" "))).toContain(
      "aitb verify --stack prod --config Pulumi.prod.yaml",
    );
    const runs = await runPrinted(rollback.stdout, minutesAfterOpen(2));
    expect(runs.map(([command]) => command)).toEqual([
      `diff --stack prod --base ${deployedAt} --config Pulumi.prod.yaml`,
      "notice --stack prod --config Pulumi.prod.yaml",
    ]);
    expect(exitCodes(runs)).toEqual(allZero(runs));
    const diff = runs[0][1].stdout;
    expect(diff).not.toContain("No resource changes");
    expect(diff).toContain("switch-record");
  });

  test("a full rollback with a restore: step 2 as printed passes once step 1 is deployed", async () => {
    setClock(OPEN);
    const step1 = await runCli([
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
      "INC-7002",
      "--requested-by",
      "alice",
      "--expires",
      "2h",
      "--restore",
      "2026.11.3",
    ]);
    expect(step1.stderr).toBe("");
    expect(step1.code).toBe(0);
    const printed = printedAitbCommands(step1.stdout).map((words) => words.join(" "));
    expect(printed).toContain(
      "aitb rollback --stack prod --class emergency --reason Trades table corrupted by 2026.11.4 --incident INC-7002 --to blue --expires 2026-11-25T17:00:00Z --trigger data-loss --requested-by alice",
    );
    git(dir, "commit", "-qam", "Step 1: restore blue's database");
    // pulumi up of step 1: the stack's outputs now show the restore.
    process.env.PATH = `${fakePulumi(await outputsOnceApplied())}${path.delimiter}${originalPath}`;

    const step1Runs = await runPrinted(step1.stdout, minutesAfterOpen(25));
    expect(exitCodes(step1Runs)).toEqual(allZero(step1Runs));
    const step2 = step1Runs.find(([command]) => command.startsWith("rollback "))?.[1];
    expect(step2?.stdout).toContain("Policies: no violations");
    const config = configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"));
    expect(config["aitb:activeColor"]).toBe("blue");
    // When the restore ran: the update that deployed it, as its outputs say.
    expect((config["aitb:database"] as { restore: { performedAt: string } }).restore).toEqual(
      expect.objectContaining({ performedAt: "2026-11-25T15:00:00Z" }),
    );

    git(dir, "commit", "-qam", "Step 2: switch to blue");
    const step2Runs = await runPrinted(step2?.stdout ?? "", minutesAfterOpen(27));
    expect(step2Runs.map(([command]) => command.split(" ")[0])).toEqual(["diff", "notice"]);
    expect(exitCodes(step2Runs)).toEqual(allZero(step2Runs));
  });

  test("an emergency renewed in session with --extend: its printed commands run too", async () => {
    setClock(OPEN);
    const emergency = await runCli([
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
      "INC-7003",
      "--requested-by",
      "alice",
      "--expires",
      "1h",
    ]);
    expect(emergency.code).toBe(0);
    git(dir, "commit", "-qam", "Emergency switch to blue");

    setClock(minutesAfterOpen(50));
    const extend = await runCli([
      "rollback",
      "--stack",
      "prod",
      "--extend",
      "2h",
      "--requested-by",
      "bob",
    ]);
    expect(extend.stderr).toBe("");
    expect(extend.code).toBe(0);
    expect(configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"))["aitb:change"]).toEqual({
      class: "emergency",
      reason: "Exchange connectivity lost on green",
      incident: "INC-7003",
      requestedBy: "bob",
      at: "2026-11-25T15:50:00Z",
      expires: "2026-11-25T17:50:00Z",
      trigger: "exchange-connectivity-loss",
    });
    git(dir, "commit", "-qam", "Renew the emergency");
    const runs = await runPrinted(extend.stdout, minutesAfterOpen(52));
    expect(runs.map(([command]) => command.split(" ")[0])).toEqual(["diff", "notice"]);
    expect(exitCodes(runs)).toEqual(allZero(runs));
  });
});
