import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO } from "./support";

interface Step {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
}
interface Workflow {
  on: { pull_request: { paths: string[] } };
  jobs: Record<string, { steps: Step[]; if?: string }>;
}

const workflow = parse(
  fs.readFileSync(path.join(REPO, ".github/workflows/stack-config-review.yml"), "utf8"),
) as Workflow;

function step(job: string, id: string): Step {
  const found = workflow.jobs[job].steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in job ${job}`);
  return found;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

/** Run the workflow's stack-selection step in a git repository whose last commit changed `files`. */
function changedStacks(files: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-pr-"));
  try {
    git(dir, "init", "-q");
    for (const file of [
      "Pulumi.yaml",
      "Pulumi.dev.yaml",
      "Pulumi.staging.yaml",
      "Pulumi.prod.yaml",
    ]) {
      fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, "README.md"), "x\n");
    git(dir, "add", ".");
    git(dir, "commit", "-qm", "base");
    const base = git(dir, "rev-parse", "HEAD");
    for (const file of files) fs.appendFileSync(path.join(dir, file), "# changed\n");
    git(dir, "commit", "-qam", "change");
    const output = path.join(dir, "github-output");
    execFileSync("bash", ["-e", "-c", step("diff", "stacks").run as string], {
      cwd: dir,
      env: { ...process.env, BASE_SHA: base, GITHUB_OUTPUT: output },
    });
    return /stacks=(.*)/.exec(fs.readFileSync(output, "utf8"))?.[1] ?? "";
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the pull-request workflow", () => {
  test("runs for changes to the stack files and the project file", () => {
    expect(workflow.on.pull_request.paths).toEqual(["Pulumi.yaml", "Pulumi.*.yaml"]);
  });

  test("diffs each changed stack against the pull request's base, as markdown", () => {
    const run = step("diff", "diff").run ?? "";
    expect(run).toContain(
      'node dist/cli/main.js diff --stack "$stack" --base "$BASE_SHA" --format markdown',
    );
  });

  test("previews with the policy pack, only where credentials exist", () => {
    const steps = workflow.jobs.preview.steps;
    const preview = steps.find((s) => s.run?.includes("pulumi preview --policy-pack"));
    expect(preview?.run).toContain('pulumi preview --policy-pack policies --stack "$stack"');
    expect(JSON.stringify(preview)).toContain("steps.credentials.outputs.present == 'true'");
  });

  test("selects only the stacks whose file changed; a change to Pulumi.yaml selects all", () => {
    expect(changedStacks(["Pulumi.prod.yaml"])).toBe("prod");
    expect(changedStacks(["Pulumi.dev.yaml", "Pulumi.staging.yaml"])).toBe("dev staging");
    expect(changedStacks(["Pulumi.yaml"])).toBe("dev prod staging");
    expect(changedStacks(["README.md"])).toBe("");
  });
});
