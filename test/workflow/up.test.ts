import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runUp } from "../../cli/commands/up";
import { findPulumi } from "../../cli/shared/pulumiCli";
import { revertFlags, rollbackArgs } from "../../cli/commands/up/revert";
import { validateStackConfig } from "../../config/validate";
import { readStackSource } from "../../cli/engine/stackFiles";
import type { DeployedState } from "../../domain/deployed";
import { captureIo, REPO } from "./support";

let bin: string;
beforeEach(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-bin-"));
});
afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

describe("aitb up", () => {
  test("without a Pulumi CLI on PATH it says so in one line with the install hint and exits 2", async () => {
    const io = captureIo(REPO);
    const code = await runUp({ stack: "dev", yes: true }, io, { PATH: bin });
    expect(code).toBe(2);
    expect(io.stdout()).toBe("");
    const lines = io.stderr().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("no Pulumi CLI on PATH");
    expect(lines[0]).toContain("curl -fsSL https://get.pulumi.com | sh");
  });

  test("finds an executable pulumi on PATH, and ignores one that is not executable", () => {
    const pulumi = path.join(bin, "pulumi");
    fs.writeFileSync(pulumi, "#!/bin/sh\n", { mode: 0o644 });
    expect(findPulumi({ PATH: bin })).toBeUndefined();
    fs.chmodSync(pulumi, 0o755);
    expect(findPulumi({ PATH: `/nonexistent${path.delimiter}${bin}` })).toBe(pulumi);
  });
});

describe("the revert offered after a failed verification", () => {
  const now = new Date("2026-11-28T15:00:00Z");
  const deployed: DeployedState = {
    activeColor: "green",
    releases: { blue: "2026.11.3", green: "2026.11.4" },
    database: "aitb-prod",
    restore: "",
    knownGoodReleases: ["2026.11.2", "2026.11.3", "2026.11.4"],
  };
  function prodAfterSwitch(changeClass: "immediate" | "planned") {
    const source = readStackSource(REPO, "prod");
    return validateStackConfig(
      {
        ...source.values,
        activeColor: "blue",
        change: {
          class: changeClass,
          reason: "Bot execution errors",
          incident: "INC-4411",
          requestedBy: "alice",
          at: "2026-11-28T14:55:00Z",
        },
      },
      now,
    );
  }

  const failed = "post-promotion analysis failed (paper-order-blue: paper order rejected)";

  test("an immediate switch is reverted to the color that was live before, same incident, marking the release it leaves failed", () => {
    expect(revertFlags("prod", deployed, prodAfterSwitch("immediate"), now, failed)).toEqual({
      stack: "prod",
      automatic: true,
      class: "immediate",
      reason: `Revert: ${failed} after "Bot execution errors"`,
      failedAnalysis: `${prodAfterSwitch("immediate").slots.blue.release} on blue: ${failed}`,
      incident: "INC-4411",
      requestedBy: "alice",
      to: "green",
      release: undefined,
      expires: undefined,
      now,
    });
  });

  test("a planned switch is offered a revert as an immediate change, never carried out without a yes", () => {
    const revert = revertFlags("prod", deployed, prodAfterSwitch("planned"), now, failed);
    expect(revert).toMatchObject({
      automatic: false,
      class: "immediate",
      trigger: "critical-failure-in-session",
      to: "green",
    });
    expect(rollbackArgs(revert!)).toEqual(
      expect.arrayContaining(["--trigger", "critical-failure-in-session", "--failed-analysis"]),
    );
  });

  test("nothing is reverted on a new stack or when the active color did not change", () => {
    expect(
      revertFlags("prod", undefined, prodAfterSwitch("immediate"), now, failed),
    ).toBeUndefined();
    expect(
      revertFlags(
        "prod",
        { ...deployed, activeColor: "blue" },
        prodAfterSwitch("immediate"),
        now,
        failed,
      ),
    ).toBeUndefined();
  });
});

describe("aitb up bounds a hung engine", () => {
  test("a pulumi up that does not finish is cancelled after --timeout-minutes, with the unlock hint", async () => {
    // A Pulumi CLI that answers the Automation API's questions and then hangs in `up`.
    const pulumi = path.join(bin, "pulumi");
    fs.writeFileSync(
      pulumi,
      [
        "#!/bin/sh",
        'case "$1" in',
        "  version) echo v3.248.0 ;;",
        '  stack) if [ "$2" = output ]; then echo "{}"; fi ;;',
        "  up) exec sleep 300 ;;",
        "esac",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const io = captureIo(REPO);
    const saved = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${saved ?? ""}`;
    const started = Date.now();
    try {
      const code = await runUp({ stack: "dev", yes: true, timeoutMinutes: 0.05 }, io, process.env);
      expect(code).toBe(1);
    } finally {
      process.env.PATH = saved;
    }
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(io.stderr()).toContain(
      "pulumi up failed: cancelled after 0.05 min (--timeout-minutes); run `pulumi cancel --stack dev` if the engine still holds the lock",
    );
  }, 60_000);
});
