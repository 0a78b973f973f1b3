import * as fs from "node:fs";
import * as path from "node:path";
import { runDiff } from "../../cli/commands/diff";
import { runPlan } from "../../cli/commands/plan";
import { planStack } from "../../cli/engine/plan";
import { readStackSource } from "../../cli/engine/stackFiles";
import { judgedBase } from "../../cli/engine/judgedBase";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { failingPulumi, fakePulumi, git, gitProject } from "./printedCommands";
import { captureIo, removeProject, stackFile } from "./support";

/** Wednesday 10:00 in New York: the NYSE regular session is open. */
const IN_SESSION = new Date("2026-11-25T15:00:00Z");
/** The same day after the close, when a planned change may proceed. */
const AFTER_CLOSE = new Date("2026-11-25T22:00:00Z");

const created: string[] = [];
let dir: string;
beforeEach(() => {
  dir = gitProject();
  created.push(dir);
});
afterEach(() => {
  for (const folder of created.splice(0)) removeProject(folder);
});

function pathWith(bin: string): NodeJS.ProcessEnv {
  created.push(bin);
  return { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
}

/** What the stack exports once prod as committed now is deployed. */
async function deployedProd(): Promise<Record<string, unknown>> {
  const source = readStackSource(dir, "prod");
  const plan = await planStack({ source, base: source, now: IN_SESSION });
  return { deployed: plan.outputs.deployed };
}

/** Commit a planned switch of prod with a record of its own, written just before IN_SESSION. */
function commitPlannedSwitch(): void {
  const file = stackFile(dir, "prod");
  const editor = new StackFileEditor(fs.readFileSync(file, "utf8"), file);
  editor.set("activeColor", [], "blue");
  editor.set("change", [], {
    class: "planned",
    reason: "Order-book heatmap feedback",
    incident: "CHG-2310",
    requestedBy: "alice",
    at: "2026-11-25T14:55:00Z",
  });
  fs.writeFileSync(file, editor.text());
  git(dir, "commit", "-qam", "Planned switch of prod to blue");
}

const base = (env: NodeJS.ProcessEnv, needsConfig = false) =>
  judgedBase({ root: dir, stack: "prod", needsConfig, env, timeoutMs: 2_000 });

describe("what plan and diff judge against by default", () => {
  test("without a Pulumi CLI: the committed file, saying why, and nothing on stderr", async () => {
    const judged = await base({ ...process.env, PATH: "/nonexistent" });
    expect(judged.description).toBe(
      "HEAD:Pulumi.prod.yaml (no Pulumi backend reachable: no Pulumi CLI on PATH)",
    );
    expect(judged.deployed).toBeUndefined();
    expect(judged.source?.origin).toBe("HEAD:Pulumi.prod.yaml");
  });

  test("a backend that refuses: the committed file, with the CLI's first line", async () => {
    const judged = await base(pathWith(failingPulumi("error: no stack named 'prod' found")));
    expect(judged.description).toBe(
      "HEAD:Pulumi.prod.yaml (no Pulumi backend reachable: pulumi stack output --json --stack prod failed: error: no stack named 'prod' found)",
    );
  });

  test("a backend that hangs is given up on after the timeout", async () => {
    const started = Date.now();
    const judged = await judgedBase({
      root: dir,
      stack: "prod",
      needsConfig: false,
      env: pathWith(failingPulumi("never printed", 30)),
      timeoutMs: 300,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(judged.description).toContain("failed: timed out after 0.3 s");
    expect(judged.source?.origin).toBe("HEAD:Pulumi.prod.yaml");
  });

  test("a stack never updated by this program has no deployed output: the committed file", async () => {
    const judged = await base(pathWith(fakePulumi({ other: 1 })));
    expect(judged.description).toContain(
      "(stack prod has no deployed output (pulumi stack output --json --stack prod): never updated by this program)",
    );
  });

  test("a reachable backend: its deployed state; a diff compares resources with the version deployed", async () => {
    const env = pathWith(fakePulumi(await deployedProd()));
    const deployedAt = git(dir, "rev-parse", "--short", "HEAD");
    commitPlannedSwitch();
    const forPlan = await base(env);
    expect(forPlan.description).toBe(
      "the deployed state of stack prod (pulumi stack output --json --stack prod)",
    );
    expect(forPlan.deployed?.activeColor).toBe("green");
    const forDiff = await base(env, true);
    expect(forDiff.description).toBe(
      `the deployed state of stack prod (pulumi stack output --json --stack prod), deployed from ${deployedAt}:Pulumi.prod.yaml`,
    );
    expect(forDiff.source?.values.activeColor).toBe("green");
  });

  test("no version in the history carries the deployed record: resources are compared with HEAD, and the output says so", async () => {
    const outputs = await deployedProd();
    const deployed = outputs.deployed as { change: { at: string } };
    deployed.change.at = "2026-11-20T10:00:00Z";
    const judged = await base(pathWith(fakePulumi(outputs)), true);
    expect(judged.description).toBe(
      "the deployed state of stack prod (pulumi stack output --json --stack prod); resources compared with HEAD:Pulumi.prod.yaml (no version of Pulumi.prod.yaml in the last commits carries the deployed change record)",
    );
  });
});

describe("plan and diff against the deployed state", () => {
  test("a committed planned switch is judged as a change in session against what is deployed, and as none against HEAD", async () => {
    const env = pathWith(fakePulumi(await deployedProd()));
    commitPlannedSwitch();
    const flags = { stack: "prod", now: IN_SESSION, format: "text", inputs: false } as const;

    const deployed = captureIo(dir);
    expect(await runPlan(flags, deployed, env)).toBe(1);
    expect(deployed.stdout()).toContain(
      "judged against: the deployed state of stack prod (pulumi stack output --json --stack prod)",
    );
    expect(deployed.stdout()).toContain("market-hours-change-window");

    const head = captureIo(dir);
    expect(await runPlan({ ...flags, base: "HEAD" }, head, env)).toBe(0);
    expect(head.stdout()).toContain("judged against: HEAD:Pulumi.prod.yaml");
  });

  test("after the commit, aitb diff without --base shows the switch against the deployed version", async () => {
    const env = pathWith(fakePulumi(await deployedProd()));
    commitPlannedSwitch();
    const io = captureIo(dir);
    const code = await runDiff({ stack: "prod", now: AFTER_CLOSE, format: "text" }, io, env);
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(io.stdout()).toContain("base:   the deployed state of stack prod");
    expect(io.stdout()).not.toContain("No resource changes");
    expect(io.stdout()).toContain("switch-record");
  });

  test("a committed, unchanged stack plans with exit 0 in session against its deployed state", async () => {
    const env = pathWith(fakePulumi(await deployedProd()));
    const io = captureIo(dir);
    const code = await runPlan(
      { stack: "prod", now: IN_SESSION, format: "text", inputs: false },
      io,
      env,
    );
    expect(io.stdout()).toContain("policies: no violations");
    expect(code).toBe(0);
  });
});
