import * as fs from "node:fs";
import { runRollback, type RollbackFlags } from "../../cli/commands/rollback";
import { rollbackBranch } from "../../cli/commands/rollback/rollbackCommit";
import { git, gitProject } from "./printedCommands";
import { captureIo, removeProject, stackFile } from "./support";

const WEEKEND = new Date("2026-11-28T15:00:00Z");

let dir: string;
beforeEach(() => {
  dir = gitProject();
});
afterEach(() => removeProject(dir));

const immediate: RollbackFlags = {
  stack: "prod",
  class: "immediate",
  reason: "Bot execution errors on live positions",
  incident: "INC-4411",
  requestedBy: "alice",
  now: WEEKEND,
  commit: true,
};

async function rollback(flags: RollbackFlags) {
  const io = captureIo(dir, () => WEEKEND);
  return { code: await runRollback(flags, io), io };
}

describe("aitb rollback --commit", () => {
  test("names the branch after the stack and the incident", () => {
    expect(rollbackBranch("prod", "INC-4411")).toBe("rollback/prod-inc-4411");
    expect(rollbackBranch("dev", "CHG 2310 / heatmap")).toBe("rollback/dev-chg-2310-heatmap");
  });

  test("refuses a stack file with edits that are not committed, before writing anything", async () => {
    const file = stackFile(dir, "prod");
    fs.appendFileSync(file, "# an edit nobody committed\n");
    const before = fs.readFileSync(file, "utf8");
    const { code, io } = await rollback(immediate);
    expect(code).toBe(2);
    expect(io.stderr()).toContain(
      "--commit: Pulumi.prod.yaml has changes that are not committed; commit or stash them first",
    );
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });

  test("refuses a branch of that name that is not checked out", async () => {
    git(dir, "branch", "rollback/prod-inc-4411");
    const { code, io } = await rollback(immediate);
    expect(code).toBe(2);
    expect(io.stderr()).toContain(
      "--commit: branch rollback/prod-inc-4411 exists already; check it out (git switch rollback/prod-inc-4411)",
    );
    expect(git(dir, "status", "--porcelain")).toBe("");
  });

  test("a dry run has nothing to commit", async () => {
    const { code, io } = await rollback({ ...immediate, dryRun: true });
    expect(code).toBe(2);
    expect(io.stderr()).toContain("--commit: a dry run writes nothing to commit");
  });
});
