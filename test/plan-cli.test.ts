import * as fs from "node:fs";
import * as path from "node:path";
import { planStack } from "../cli/engine/plan";
import { readStackSource } from "../cli/engine/stackFiles";
import { runCli } from "./support/cli";
import { fakePulumi, pathWithoutPulumi } from "./workflow/printedCommands";
import { ROOT } from "./support/stacks";
import { removeTempFiles, tempFile } from "./support/tempFiles";

describe("aitb plan", () => {
  const originalCwd = process.cwd();
  beforeAll(() => process.chdir(ROOT));
  afterAll(() => {
    process.chdir(originalCwd);
    removeTempFiles();
  });

  it("prints the dev stack as a tree with options and its time", async () => {
    const run = await runCli(["plan", "--stack", "dev", "--now", "2026-11-24T20:00:00Z"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("active blue @ 2026.11.4, standby green @ 2026.11.3");
    expect(run.stdout).toMatch(
      /postgres-data {2}docker:index\/volume:Volume {2}\[protect, retain\]/,
    );
    expect(run.stdout).toMatch(/envs: \[.*"\[secret\]"/);
    // The database volume and each color's log volume.
    expect(run.stdout).toMatch(/logs-blue {2}docker:index\/volume:Volume {2}\[protect, retain\]/);
    expect(run.stdout).toMatch(
      /\d+ resources \(\d+ custom, \d+ components\), 3 protected; evaluated in \d+\.\d\d s/,
    );
  });

  it("prints JSON with each resource's urn, type, parent, inputs and options", async () => {
    const run = await runCli([
      "plan",
      "--stack",
      "dev",
      "--format",
      "json",
      "--now",
      "2026-11-24T20:00:00Z",
    ]);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      activeColor: string;
      standbyColor: string;
      releases: Record<string, string>;
      resources: {
        urn: string;
        type: string;
        parent?: string;
        protect: boolean;
        retainOnDelete: boolean;
        dependsOn: string[];
        inputs: object;
      }[];
      ms: number;
    };
    expect(plan).toMatchObject({
      activeColor: "blue",
      standbyColor: "green",
      releases: { blue: "2026.11.4", green: "2026.11.3" },
    });
    const volume = plan.resources.find((r) => r.urn.endsWith("::postgres-data"));
    expect(volume).toMatchObject({
      type: "docker:index/volume:Volume",
      protect: true,
      retainOnDelete: true,
    });
    expect(volume?.parent).toMatch(/aitb:deploy:BlueGreenDeployment::aitb$/);
    expect(typeof plan.ms).toBe("number");
  });

  it("judges against the committed stack file by default: an unchanged prod plans with exit 0 in session", async () => {
    const originalPath = process.env.PATH;
    process.env.PATH = pathWithoutPulumi();
    // Tuesday 13:00 in New York, a week after prod's change record was written.
    const run = await runCli(["plan", "--stack", "prod", "--now", "2026-12-01T18:00:00Z"]).finally(
      () => (process.env.PATH = originalPath),
    );
    expect(run.stdout).toContain(
      "judged against: HEAD:Pulumi.prod.yaml (no Pulumi backend reachable: no Pulumi CLI on PATH)",
    );
    expect(run.stdout).toContain("policies: no violations");
    expect(run.code).toBe(0);
    const asNew = await runCli([
      "plan",
      "--stack",
      "prod",
      "--new-stack",
      "--now",
      "2026-12-01T18:00:00Z",
    ]);
    expect(asNew.stdout).toContain("judged against: nothing deployed (a new stack)");
    expect(asNew.code).toBe(1);
  });

  it("judges against the stack's deployed state when a Pulumi backend answers: an unchanged prod plans with exit 0 in session", async () => {
    const source = readStackSource(ROOT, "prod");
    const deployed = (await planStack({ source, base: source, now: new Date() })).outputs.deployed;
    const bin = fakePulumi({ deployed });
    const originalPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${originalPath}`;
    try {
      // Tuesday 13:00 in New York.
      const run = await runCli(["plan", "--stack", "prod", "--now", "2026-12-01T18:00:00Z"]);
      expect(run.stdout).toContain(
        "judged against: the deployed state of stack prod (pulumi stack output --json --stack prod)",
      );
      expect(run.stdout).toContain("policies: no violations");
      expect(run.code).toBe(0);
    } finally {
      process.env.PATH = originalPath;
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it("exits 2 naming the key when the stack file is malformed, and prints no plan", async () => {
    const text = fs
      .readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
      .replace("aitb:activeColor: blue", "aitb:activeColor: purple");
    const file = tempFile("Pulumi.dev.yaml", text);
    const run = await runCli(["plan", "--stack", "dev", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('aitb:activeColor: "purple" is not valid');
  });

  it("exits 2 on a stack file that is not YAML", async () => {
    const file = tempFile("Pulumi.dev.yaml", "config:\n  aitb:activeColor: [blue\n");
    const run = await runCli(["plan", "--stack", "dev", "--config", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is not valid YAML");
  });

  it("reads the deployed state from the base config", async () => {
    const text = fs
      .readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")
      .replace("aitb:activeColor: blue", "aitb:activeColor: green")
      // A new change carries a record of its own (fresh-change-record).
      .replace('at: "2026-11-24T15:10:00Z"', 'at: "2026-11-26T09:00:00Z"')
      .replace("reason: Deploy 2026.11.4 to the dev stack", "reason: Switch dev to green");
    const file = tempFile("Pulumi.dev.yaml", text);
    const run = await runCli([
      "plan",
      "--now",
      "2026-11-26T09:30:00Z",
      "--stack",
      "dev",
      "--config",
      file,
      "--base",
      path.join(ROOT, "Pulumi.dev.yaml"),
      "--format",
      "json",
    ]);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as {
      activeColor: string;
      deployed: { activeColor: string };
    };
    expect(plan.activeColor).toBe("green");
    expect(plan.deployed.activeColor).toBe("blue");
  });
});
