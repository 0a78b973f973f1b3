import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "./support/stacks";

/** The compiled command line as a user runs it: real exit codes, real stderr. */
function aitb(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [path.join(ROOT, "dist/cli/main.js"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const STACK_TRACE = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe("usage errors exit 2, name the option and print no stack trace", () => {
  test("--now garbage", () => {
    const run = aitb(["plan", "--stack", "dev", "--now", "garbage"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--now");
    expect(run.stderr).not.toMatch(STACK_TRACE);
  });

  test("an unknown option", () => {
    const run = aitb(["plan", "--stack", "dev", "--colour", "blue"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--colour");
  });

  test("a time without an offset is refused the same way under any TZ", () => {
    for (const TZ of ["UTC", "America/New_York"]) {
      const run = aitb(["plan", "--stack", "prod", "--now", "2026-12-01T13:00:00"], { TZ });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--now.*offset/s);
    }
  });

  test("a time that is not on the calendar", () => {
    const run = aitb(["plan", "--stack", "dev", "--now", "2026-02-30T13:00:00Z"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("not a real calendar time");
  });

  test("an expiry of twenty digits of days is refused, not a RangeError", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-hygiene-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), file);
    try {
      const run = aitb([
        "rollback",
        "--stack",
        "prod",
        "--config",
        file,
        "--class",
        "emergency",
        "--reason",
        "Data feed corrupt",
        "--incident",
        "INC-1",
        "--expires",
        "99999999999999999999d",
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--expires");
      expect(run.stderr).not.toContain("RangeError");
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(fs.readFileSync(file, "utf8")).toBe(
        fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8"),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("--base never reaches git as an option", () => {
  test.each(["--output=/tmp/aitb-base-probe", "-p", "--end-of-options"])(
    "%s is refused and git writes nothing",
    (base) => {
      const probe = "/tmp/aitb-base-probe";
      fs.rmSync(probe, { force: true });
      const run = aitb(["diff", "--stack", "prod", `--base=${base}`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("--base");
      expect(fs.existsSync(probe)).toBe(false);
    },
  );

  test("a revision that names no commit is refused with the fix", () => {
    const run = aitb(["diff", "--stack", "prod", "--base", "no-such-branch-xyz"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("expected a git revision");
  });
});

/** Every TypeScript file under a folder of the repository, as paths relative to ROOT. */
function sourcesUnder(folder: string): string[] {
  const dir = path.join(ROOT, folder);
  return fs
    .readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => path.join(folder, file))
    .sort();
}

/** The relative modules a source file imports (import, export from, require, import()). */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specifiers = [
    ...text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["'](\.[^"']*)["']/g),
  ];
  return specifiers.map((match) => path.join(path.dirname(file), match[1]));
}

describe("the command line's layout", () => {
  test("cli/engine imports nothing from cli/commands", () => {
    const engine = sourcesUnder("cli/engine");
    expect(engine.length).toBeGreaterThan(0);
    const offending = engine.flatMap((file) =>
      relativeImports(file)
        .filter((target) => !path.relative("cli/commands", target).startsWith(".."))
        .map((target) => `${file} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });

  test("cli/workflow and cli/plan are gone", () => {
    expect(fs.existsSync(path.join(ROOT, "cli/workflow"))).toBe(false);
    expect(fs.existsSync(path.join(ROOT, "cli/plan"))).toBe(false);
  });

  test("exit codes are defined once, in cli/exitCodes.ts", () => {
    const offending = sourcesUnder("cli")
      .filter((file) => file !== path.join("cli", "exitCodes.ts"))
      .filter((file) =>
        /\bEXIT\s*=|process\.exitCode\s*=\s*\d|\breturn\s+\d+\s*;/.test(
          fs.readFileSync(path.join(ROOT, file), "utf8"),
        ),
      );
    expect(offending).toEqual([]);
  });
});
