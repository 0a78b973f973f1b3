import { rollbackIntent, type RollbackRequest } from "../../cli/commands/rollback/rollbackIntent";
import { lastKnownGood } from "../../cli/shared/releaseHistory";
import { InputError } from "../../cli/exitCodes";
import { readStackSource } from "../../cli/engine/stackFiles";
import { validateStackConfig } from "../../config/validate";
import type { ParsedStackConfig } from "../../config/schema";
import { REPO } from "./support";

const NOW = new Date("2026-11-28T15:00:00Z");

function prod(changes: Partial<Record<keyof ParsedStackConfig, unknown>> = {}): ParsedStackConfig {
  return validateStackConfig({ ...readStackSource(REPO, "prod").values, ...changes }, NOW);
}

function request(extra: Partial<RollbackRequest> = {}): RollbackRequest {
  return {
    changeClass: "immediate",
    reason: "Bot errors",
    incident: "INC-1",
    requestedBy: "alice",
    now: NOW,
    writtenAt: NOW,
    ...extra,
  };
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.issues.map((i) => `${i.key}: ${i.message}`);
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("the last known-good release", () => {
  const history = [
    {
      release: "2026.11.2",
      color: "green" as const,
      activatedAt: "2026-11-10T22:00:00Z",
      deactivatedAt: "2026-11-17T22:05:00Z",
    },
    {
      release: "2026.11.3",
      color: "blue" as const,
      activatedAt: "2026-11-17T22:05:00Z",
      deactivatedAt: "2026-11-24T22:15:00Z",
    },
    { release: "2026.11.4", color: "green" as const, activatedAt: "2026-11-24T22:15:00Z" },
  ];
  test("is the newest release live before the one live now", () => {
    expect(lastKnownGood(history, "2026.11.4")).toBe("2026.11.3");
  });
  test("skips the live release wherever it appears", () => {
    expect(lastKnownGood(history, "2026.11.3")).toBe("2026.11.4");
    expect(lastKnownGood([history[2]], "2026.11.4")).toBeUndefined();
  });
});

describe("rollbackIntent", () => {
  test("without --to it switches to the standby and keeps its pin", () => {
    const intent = rollbackIntent(prod(), request());
    expect(intent.kind).toBe("switch");
    expect(intent.activeColor).toBe("blue");
    expect(intent.repin).toBeUndefined();
    expect(intent.target).toEqual({ color: "blue", release: "2026.11.3" });
  });

  test("--release re-pins the target; when the pin already matches it is a plain switch with a note", () => {
    const full = rollbackIntent(prod(), request({ release: "2026.11.2" }));
    expect(full.kind).toBe("full");
    expect(full.repin).toEqual({ color: "blue", from: "2026.11.3", to: "2026.11.2" });
    const same = rollbackIntent(prod(), request({ release: true }));
    expect(same.kind).toBe("switch");
    expect(same.notes).toEqual(["blue is already pinned to 2026.11.3; no re-pin needed"]);
  });

  test("--restore restores the standby and does not switch yet", () => {
    const intent = rollbackIntent(prod(), request({ restore: "2026-11-28T09:00:00.000Z" }));
    expect(intent.kind).toBe("restore");
    expect(intent.activeColor).toBeUndefined();
    expect(intent.restore).toEqual({
      color: "blue",
      reason: "Bot errors",
      incident: "INC-1",
      pointInTime: "2026-11-28T09:00:00Z",
    });
  });

  test("refuses the live color, an unknown release or restore point, a past expiry and a class the matrix contradicts", () => {
    expect(issuesOf(() => rollbackIntent(prod(), request({ to: "green" })))).toEqual([
      expect.stringContaining('--to: "green" is already the active color'),
    ]);
    expect(issuesOf(() => rollbackIntent(prod(), request({ release: "1.0" })))[0]).toContain(
      '--release: "1.0" is not in the release catalog',
    );
    expect(issuesOf(() => rollbackIntent(prod(), request({ restore: "yesterday" })))[0]).toContain(
      '--restore: "yesterday" is neither an ISO-8601 time nor a release',
    );
    expect(
      issuesOf(() => rollbackIntent(prod(), request({ expires: "2026-11-28T14:00:00Z" })))[0],
    ).toContain("--expires");
    expect(
      issuesOf(() =>
        rollbackIntent(prod(), request({ changeClass: "planned", trigger: "data-loss" })),
      )[0],
    ).toContain('--class: "planned" contradicts the decision matrix');
  });

  test("a full rollback without history to fall back on asks for a pin", () => {
    expect(
      issuesOf(() => rollbackIntent(prod({ releaseHistory: [] }), request({ release: true })))[0],
    ).toContain("--release: aitb:releaseHistory names no release that was live before 2026.11.4");
  });
});
