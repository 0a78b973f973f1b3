import { IMMUTABLE_RELEASES, immutableReleases } from "../../policies/immutableReleases";
import type { DeployedState } from "../../domain/deployed";
import { changeRecord, DEPLOYED, violationsOf, messagesOf } from "./fixtures";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const C = `sha256:${"c".repeat(64)}`;
const policy = immutableReleases();

const deployed: DeployedState = {
  ...DEPLOYED,
  releaseDigests: { blue: B, green: C },
  recordedDigests: { "2026.11.2": A, "2026.11.3": B, "2026.11.4": C },
};

describe("immutable-releases", () => {
  test("pass: the same pins with the same content", async () => {
    expect(await messagesOf(policy, [changeRecord({ deployed, desired: deployed })])).toEqual([]);
  });

  test("deny: the live pin keeps its name while its content changes, at any hour, saying to cut a new pin", async () => {
    const desired = { ...deployed, releaseDigests: { blue: B, green: A } };
    const violations = await violationsOf(policy, [changeRecord({ deployed, desired })]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: IMMUTABLE_RELEASES,
        level: "mandatory",
        urn: expect.stringContaining("aitb-change-entry"),
        message: expect.stringContaining(
          "release 2026.11.4 runs on green with content sha256:cccccccccccc, and this update changes its content under the same pin to sha256:aaaaaaaaaaaa",
        ),
      }),
    ]);
    expect(violations[0].message).toContain("put the new content under a new pin");
  });

  test("deny: a rollback to a release whose content is not what was live", async () => {
    const desired = {
      ...deployed,
      releases: { blue: "2026.11.2", green: "2026.11.4" },
      releaseDigests: { blue: B, green: C },
    };
    const [message] = await messagesOf(policy, [changeRecord({ deployed, desired })]);
    expect(message).toContain(
      "release 2026.11.2 was live with content sha256:aaaaaaaaaaaa (aitb:releaseHistory), but the catalog now gives sha256:bbbbbbbbbbbb",
    );
  });

  test("pass: a rollback to the same bytes that were live", async () => {
    const desired = {
      ...deployed,
      releases: { blue: "2026.11.2", green: "2026.11.4" },
      releaseDigests: { blue: A, green: C },
    };
    expect(await messagesOf(policy, [changeRecord({ deployed, desired })])).toEqual([]);
  });

  test("deny: rewriting a recorded digest to match edited content", async () => {
    const desired = {
      ...deployed,
      releases: { blue: "2026.11.2", green: "2026.11.4" },
      releaseDigests: { blue: B, green: C },
      recordedDigests: { ...deployed.recordedDigests, "2026.11.2": B },
    };
    const messages = await messagesOf(policy, [changeRecord({ deployed, desired })]);
    expect(messages).toEqual([
      expect.stringContaining("release 2026.11.2 was live with content sha256:aaaaaaaaaaaa"),
      expect.stringContaining("aitb:releaseHistory rewrites the digest recorded for 2026.11.2"),
    ]);
  });

  test("pass: a new release never live before, and a deployed state from before digests", async () => {
    const desired = {
      ...deployed,
      releases: { blue: "2026.12.1", green: "2026.11.4" },
      releaseDigests: { blue: A, green: C },
    };
    expect(await messagesOf(policy, [changeRecord({ deployed, desired })])).toEqual([]);
    expect(
      await messagesOf(policy, [changeRecord({ deployed: DEPLOYED, desired: deployed })]),
    ).toEqual([]);
  });
});
