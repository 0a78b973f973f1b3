import { STACK_ENVIRONMENT, stackEnvironment } from "../../policies/stackEnvironment";
import { changeRecord, messagesOf, violationsOf } from "./fixtures";

const policy = stackEnvironment();

describe("stack-environment", () => {
  test("pass: each stack of the map, the program configured as its environment", async () => {
    for (const [stack, environment] of [
      ["dev", "dev"],
      ["loopback", "dev"],
      ["staging", "staging"],
      ["prod", "prod"],
    ]) {
      expect(await messagesOf(policy, [changeRecord({ stack, environment })])).toEqual([]);
    }
  });

  test("deny: a program configured as staging on the prod stack, saying where the map lives", async () => {
    const violations = await violationsOf(policy, [
      changeRecord({ stack: "prod", environment: "staging" }),
    ]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: STACK_ENVIRONMENT,
        level: "mandatory",
        message: expect.stringContaining(
          'stack "prod" is "prod" per policies/config.json (stack-environment.stackEnvironments)',
        ),
      }),
    ]);
  });

  test("deny: a stack the map does not name", async () => {
    const [message] = await messagesOf(policy, [
      changeRecord({ stack: "perf", environment: "staging" }),
    ]);
    expect(message).toContain('stack "perf" has no environment in policies/config.json');
  });

  test("the map is a setting of the pack's config", async () => {
    const custom = stackEnvironment({
      rules: { config: {}, digest: "sha256:x", stackEnvironments: { perf: "staging" } },
    });
    expect(
      await messagesOf(custom, [changeRecord({ stack: "perf", environment: "staging" })]),
    ).toEqual([]);
  });
});
