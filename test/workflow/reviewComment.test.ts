/**
 * The pull-request comment (`aitb diff --format markdown`) as a reviewer reads it: the verdict and
 * the change record first, what to do next, the blast radius, the rest folded.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runDiff } from "../../cli/commands/diff";
import { masked } from "../../cli/shared/io";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { captureIo, removeProject, stackFile, tempProject } from "./support";

/** A Wednesday during the NYSE regular session. */
const SESSION = new Date("2026-11-25T15:00:00Z");
const WEEKEND = new Date("2026-11-28T15:00:00Z");
/** How long the head, before the first folded section, may be. */
const HEAD_LINES = 25;

let dir: string;
beforeAll(() => {
  dir = tempProject();
});
afterAll(() => removeProject(dir));

function proposed(stack: string, name: string, edits: [string, (string | number)[], unknown][]) {
  const editor = new StackFileEditor(fs.readFileSync(stackFile(dir, stack), "utf8"), name);
  for (const [key, at, value] of edits) editor.set(key, at, value);
  const file = path.join(dir, name);
  fs.writeFileSync(file, editor.text());
  return file;
}

async function comment(stack: string, config: string, now: Date) {
  const io = captureIo(dir);
  // Written through the mask, as the command line writes.
  const code = await runDiff(
    { stack, base: stackFile(dir, stack), config, now, format: "markdown" },
    { ...io, out: masked(io.out) },
  );
  const out = io.stdout();
  const lines = out.split("\n");
  const folded = lines.findIndex((line) => line.startsWith("<details>"));
  return { code, out, head: lines.slice(0, folded < 0 ? lines.length : folded), io };
}

/** Each needle is found, in this order. */
function inOrder(text: string, needles: string[]): void {
  let at = -1;
  for (const needle of needles) {
    const next = text.indexOf(needle, at + 1);
    if (next < 0) throw new Error(`not found after position ${at}: ${needle}\n${text}`);
    at = next;
  }
}

const IMMEDIATE = {
  class: "immediate",
  trigger: "bot-execution-errors",
  reason: "Bot rejects orders on live positions after 2026.11.4",
  incident: "INC-4411",
  requestedBy: "oncall-anna",
  at: "2026-11-25T14:58:00Z",
};

describe("the review comment", () => {
  test("an allowed switch: verdict, change record, switch and next step first, under 25 lines", async () => {
    const config = proposed("prod", "allowed.yaml", [
      ["activeColor", [], "blue"],
      ["change", [], IMMEDIATE],
    ]);
    const { code, out, head } = await comment("prod", config, SESSION);
    expect(code).toBe(0);
    expect(head[0]).toBe("### ✅ `prod`: allowed");
    inOrder(head.join("\n"), [
      "- **Class:** immediate, trigger `bot-execution-errors` (Trading bot execution errors affecting live positions)",
      "- **Reason:** Bot rejects orders on live positions after 2026.11.4",
      "- **Incident:** INC-4411",
      "- **Requested by:** oncall-anna (recorded 2026-11-25T14:58:00Z)",
      "- **Switch:** green → blue, live release 2026.11.4 → 2026.11.3 (blue @ 2026.11.3, green @ 2026.11.4)",
      "**Next:** merge, then `pulumi up --stack prod`",
      "judged as of 2026-11-25T15:00:00Z",
      "**Blast radius** (",
      "- routing: the switch record changes",
      "- database: no change",
    ]);
    expect(head.length).toBeLessThanOrEqual(HEAD_LINES);
    // No violations: no policy table to fold; the resource diff is folded.
    expect(out).not.toContain("Policy verdicts");
    expect(out).toMatch(
      /<details><summary>\d+ resources change<\/summary>[\s\S]*```diff[\s\S]*<\/details>\n$/,
    );
  });

  test("a denial says so first, with why and the fix, and no merge step", async () => {
    const config = proposed("prod", "denied.yaml", [
      ["activeColor", [], "blue"],
      [
        "change",
        [],
        {
          class: "planned",
          trigger: "feature-feedback",
          reason: "Heatmap feedback",
          incident: "CHG-2310",
          requestedBy: "alice",
          at: "2026-11-25T14:55:00Z",
        },
      ],
    ]);
    const { code, out, head } = await comment("prod", config, SESSION);
    expect(code).toBe(1);
    expect(head[0]).toBe("### ❌ `prod`: denied, do not merge");
    inOrder(head.join("\n"), [
      "- **Class:** planned, trigger `feature-feedback` (Feature rollback after user feedback)",
      "- **Reason:** Heatmap feedback",
      "- **Switch:** green → blue",
      "**Denied**, judged as of 2026-11-25T15:00:00Z; fix `Pulumi.prod.yaml` and push",
      "- ❌ `market-hours-change-window`: a planned change to routing",
      "  - **Fix:** schedule it after the close",
      "**Blast radius**",
    ]);
    expect(out).not.toContain("**Next:**");
    expect(head.length).toBeLessThanOrEqual(HEAD_LINES);
    expect(out).toContain("<details><summary>Policy verdicts</summary>");
  });

  test("a re-pin without a switch shows the release moving and the live color staying", async () => {
    const config = proposed("dev", "repin.yaml", [
      ["slots", ["green", "release"], "2026.11.4"],
      [
        "change",
        [],
        {
          class: "planned",
          reason: "Stage 2026.11.4 on green",
          requestedBy: "dev-team",
          at: "2026-11-28T14:55:00Z",
        },
      ],
    ]);
    const { code, head } = await comment("dev", config, WEEKEND);
    expect(code).toBe(0);
    const text = head.join("\n");
    expect(text).toContain(
      "- **Switch:** none, blue stays live on 2026.11.4 (blue @ 2026.11.4, green 2026.11.3 → 2026.11.4)",
    );
    expect(text).toContain("- **Class:** planned, no trigger");
    expect(text).toContain("- **Incident:** none");
    expect(text).toContain("- green: inference, bot, webapp, dashboard, notifier (re-pinned");
    expect(head.length).toBeLessThanOrEqual(HEAD_LINES);
  });

  test("free text from the stack file is shown as text, with secrets masked", async () => {
    const config = proposed("dev", "markup.yaml", [
      ["activeColor", [], "green"],
      [
        "change",
        [],
        {
          class: "planned",
          reason: "Undo <img src=x> **now** [see](http://x) with Bearer abcdefgh12345678",
          requestedBy: "dev_team",
          at: "2026-11-28T14:55:00Z",
        },
      ],
    ]);
    const { out, head } = await comment("dev", config, WEEKEND);
    const text = head.join("\n");
    expect(text).toContain("- **Reason:** Undo \\<img src=x> \\*\\*now\\*\\* \\[see\\](http://x)");
    expect(text).not.toMatch(/[^\\]<img/);
    expect(out).not.toContain("abcdefgh12345678");
    expect(out).toContain("- **Requested by:** dev\\_team");
  });

  test("a config error is a comment too: key, message and fix; exit 2", async () => {
    const config = proposed("dev", "invalid.yaml", [["activeColor", [], "purple"]]);
    const { code, out, io } = await comment("dev", config, WEEKEND);
    expect(code).toBe(2);
    expect(out.split("\n")[0]).toBe("### ❌ `dev`: config error, do not merge");
    inOrder(out, [
      "`aitb diff` cannot judge `Pulumi.dev.yaml`: 1 problem.",
      '- `aitb:activeColor`: "purple" is not valid',
      '  - **Fix:** Invalid option: expected one of "blue"|"green"',
      "Fix the file and push: this comment updates.",
    ]);
    // The log keeps the message as the other commands print it.
    expect(io.stderr()).toContain('aitb:activeColor: "purple" is not valid');
  });

  test("a stack file that is not YAML names the file", async () => {
    const config = path.join(dir, "broken.yaml");
    fs.writeFileSync(config, "config: [unclosed\n");
    const { code, out } = await comment("dev", config, WEEKEND);
    expect(code).toBe(2);
    expect(out).toContain("### ❌ `dev`: config error, do not merge");
    expect(out).toContain("- `Pulumi.dev.yaml`: ");
    expect(out).toContain("  - **Fix:** correct the file");
  });
});
