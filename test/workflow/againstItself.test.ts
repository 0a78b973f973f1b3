import { planStack } from "../../cli/engine/plan";
import { readStackSource, withConfigValues } from "../../cli/engine/stackFiles";
import { ConfigError } from "../../config/errors";
import { REPO } from "./support";

const NOW = new Date("2026-11-28T15:00:00Z");

describe("a config planned against itself in one evaluation", () => {
  test.each(["dev", "prod"])(
    "%s: the same plan as evaluating it once for its deployed state and again against that",
    async (stack) => {
      const source = readStackSource(REPO, stack);
      const twice = await planStack({ source, base: source, now: NOW });
      const once = await planStack({ source, base: source, againstItself: true, now: NOW });
      expect(once.deployed).toEqual(twice.deployed);
      expect(once.outputs).toEqual(twice.outputs);
      expect(once.resources).toEqual(twice.resources);
      expect(once.baseOrigin).toBe(twice.baseOrigin);
    },
  );

  test("a config error names the config as the base", async () => {
    const source = withConfigValues(readStackSource(REPO, "dev"), { activeColor: "purple" });
    const error = await planStack({ source, base: source, againstItself: true, now: NOW }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("(base Pulumi.dev.yaml)");
  });
});
