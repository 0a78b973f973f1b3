import { FRESH_CHANGE_RECORD, freshChangeRecord } from "../../policies/freshChangeRecord";
import { changeRecord, DEPLOYED, PLANNED_CHANGE, violationsOf, messagesOf } from "./fixtures";

/** Wednesday 2026-11-25, 15:00 New York. */
const NOW = new Date("2026-11-25T20:00:00Z");
const policy = freshChangeRecord({ now: () => NOW });
const FLIP = { desired: { activeColor: "blue" as const } };
const WRITTEN = "2026-11-25T19:45:00Z";
const LAST = {
  class: "planned",
  reason: PLANNED_CHANGE.reason,
  incident: PLANNED_CHANGE.incident,
  at: PLANNED_CHANGE.at,
};

describe("fresh-change-record", () => {
  test("pass: a flip under a record written a quarter of an hour ago", async () => {
    expect(await messagesOf(policy, [changeRecord({ ...FLIP, change: { at: WRITTEN } })])).toEqual(
      [],
    );
  });

  test("deny: a flip under a record older than 24 h, naming the fix", async () => {
    const violations = await violationsOf(policy, [
      changeRecord({ ...FLIP, change: { at: "2026-11-24T19:59:00Z" } }),
    ]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: FRESH_CHANGE_RECORD,
        level: "mandatory",
        urn: expect.stringContaining("aitb-change-entry"),
        message: expect.stringContaining("is more than 24 h before now (2026-11-25T20:00:00Z)"),
      }),
    ]);
  });

  test("deny: a record dated more than 5 min ahead of the clock; 4 min is skew", async () => {
    const ahead = (at: string) => messagesOf(policy, [changeRecord({ ...FLIP, change: { at } })]);
    expect(await ahead("2026-11-25T20:04:00Z")).toEqual([]);
    expect((await ahead("2026-11-25T20:06:00Z"))[0]).toContain("more than 5 min after now");
  });

  test("the bounds are settings", async () => {
    const strict = freshChangeRecord({ now: () => NOW, maxAgeHours: 0.1 });
    expect(
      await messagesOf(strict, [changeRecord({ ...FLIP, change: { at: WRITTEN } })]),
    ).toHaveLength(1);
  });

  test("deny: the record the stack was last deployed with, reused for a new change", async () => {
    const deployed = { ...DEPLOYED, change: LAST };
    const reused = changeRecord({ ...FLIP, deployed, change: { at: PLANNED_CHANGE.at } });
    const lenient = freshChangeRecord({ now: () => NOW, maxAgeHours: 48 });
    const [message] = await messagesOf(lenient, [reused]);
    expect(message).toContain("is the record the stack was last deployed with");
    const rewritten = changeRecord({ ...FLIP, deployed, change: { at: WRITTEN } });
    expect(await messagesOf(lenient, [rewritten])).toEqual([]);
  });

  test("pass: an update that changes nothing judged needs no new record", async () => {
    const deployed = { ...DEPLOYED, change: LAST };
    expect(await messagesOf(policy, [changeRecord({ deployed })])).toEqual([]);
  });

  test("deny: an emergency authorised for longer than 8 h after its record; 8 h passes", async () => {
    const emergency = (expires: string) =>
      changeRecord({ ...FLIP, change: { class: "emergency", at: WRITTEN, expires } });
    expect(await messagesOf(policy, [emergency("2026-11-26T03:45:00Z")])).toEqual([]);
    const [message] = await messagesOf(policy, [emergency("2036-11-25T19:45:00Z")]);
    expect(message).toContain("is more than 8 h after aitb:change.at");
  });

  test("the emergency cap holds even when nothing judged changes", async () => {
    const record = changeRecord({
      change: { class: "emergency", at: WRITTEN, expires: "2026-12-25T19:45:00Z" },
    });
    expect(await messagesOf(policy, [record])).toHaveLength(1);
  });
});
