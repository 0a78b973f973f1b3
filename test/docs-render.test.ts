/**
 * The real-output blocks of README.md and docs/walkthrough.md are what their commands print now
 * (scripts/render-docs.mjs). Needs dist/ built: the script runs the compiled command line, which
 * `npm test` builds first. The script fixes the clock and the environment and masks timings and
 * paths, so the comparison holds on any machine at any hour.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./support/stacks";
import { removeTempFiles, tempFile } from "./support/tempFiles";

const SCRIPT = path.join(ROOT, "scripts/render-docs.mjs");
/** About 40 s on two idle cores; a busy machine (the whole suite in parallel) takes longer. */
const TIMEOUT_MS = 240_000;

function renderDocs(args: string[]): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: TIMEOUT_MS,
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

afterAll(removeTempFiles);

test(
  "every generated block of the README and the walkthrough is what its command prints now",
  () => {
    const { code, output } = renderDocs(["--check"]);
    if (code !== 0) throw new Error(output);
  },
  TIMEOUT_MS,
);

test("a block that differs is named with its command and how to rewrite it", () => {
  const file = tempFile(
    "doc.md",
    "# Doc\n\n<!-- aitb-output: plan --stack nosuch -->\n\n```text\nstale\n```\n\n<!-- /aitb-output -->\n",
  );
  const check = renderDocs(["--check", file]);
  expect(check.code).toBe(1);
  expect(check.output).toContain("doc.md:3: `aitb plan --stack nosuch` prints something else now");
  expect(check.output).toContain("-stale");
  expect(check.output).toContain("npm run docs:render");

  expect(renderDocs([file]).code).toBe(0);
  expect(fs.readFileSync(file, "utf8")).toMatch(/\$ aitb plan --stack nosuch\n[^]*# exit 2\n```/);
  expect(renderDocs(["--check", file])).toEqual({
    code: 0,
    output: "No generated block differs from what its command prints (1 checked).\n",
  });
});
