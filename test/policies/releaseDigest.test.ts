import {
  canonicalJson,
  contentDigest,
  releaseDigest,
  shortDigest,
} from "../../domain/releaseDigest";

const RELEASE = {
  notes: "Model m-43",
  services: {
    bot: {
      image: "ghcr.io/aitb/bot:2026.11.4",
      digest: `sha256:${"b".repeat(64)}`,
      env: { MAX_POSITION_USD: "300000" },
    },
    webapp: { build: "reference" },
  },
};

describe("release content digests", () => {
  test("canonical JSON sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: undefined }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[1,{"z":1}]},"b":1}',
    );
  });

  test("a digest is sha256 of the canonical JSON", () => {
    // echo -n '{"a":1}' | sha256sum
    expect(contentDigest({ a: 1 })).toBe(
      "sha256:015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862",
    );
  });

  test("the same content written in another order, or with empty env and files spelt out, is the same release", () => {
    const respelt = {
      services: {
        webapp: { build: "reference", env: {}, files: {} },
        bot: {
          env: { MAX_POSITION_USD: "300000" },
          digest: RELEASE.services.bot.digest,
          image: RELEASE.services.bot.image,
        },
      },
    };
    expect(releaseDigest(respelt)).toBe(releaseDigest(RELEASE));
  });

  test("notes are not content; env, files, image and digest are", () => {
    expect(releaseDigest({ ...RELEASE, notes: "corrected" })).toBe(releaseDigest(RELEASE));
    const bot = RELEASE.services.bot;
    for (const changed of [
      { ...bot, env: { MAX_POSITION_USD: "50000000" } },
      { ...bot, image: "ghcr.io/aitb/bot:2026.11.5" },
      { ...bot, digest: `sha256:${"c".repeat(64)}` },
      { ...bot, files: { "/etc/aitb/risk.yaml": "max_position_usd: 1\n" } },
    ]) {
      expect(releaseDigest({ services: { ...RELEASE.services, bot: changed } })).not.toBe(
        releaseDigest(RELEASE),
      );
    }
  });

  test("the short form keeps 12 hex digits", () => {
    expect(shortDigest(contentDigest({ a: 1 }))).toBe("sha256:015abd7f5cc5");
  });
});
