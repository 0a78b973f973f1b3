import { readStackSource } from "../cli/engine/stackFiles";
import { ConfigError } from "../config/errors";
import { validateStackConfig } from "../config/validate";
import { TRADING_SCHEMA_ENV, withTradingSchema } from "../contract/tradingData";
import { REPO } from "./workflow/support";
import { planOf } from "./support/stacks";

const now = new Date("2026-11-30T12:00:00Z");
const dev = () => readStackSource(REPO, "dev").values;

describe("aitb:tradingData", () => {
  test("defaults to the live schema trading", () => {
    expect(validateStackConfig(dev(), now).tradingData).toEqual({ schema: "trading" });
  });

  test("a schema that is no plain PostgreSQL name is refused naming the key and the fix", () => {
    const raw = { ...dev(), tradingData: { schema: "Trading; drop table x" } };
    let error: unknown;
    try {
      validateStackConfig(raw, now);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("tradingData.schema");
    expect((error as Error).message).toContain("lower-case letters, digits and");
  });

  test("a restored schema with where it came from is accepted, and handed to a service's env", () => {
    const raw = {
      ...dev(),
      tradingData: {
        schema: "trading_restore_20261127_inc_7",
        restoredFrom: {
          day: "2026-11-27",
          types: ["trades"],
          manifestSha256: "a".repeat(64),
          at: "2026-11-30T11:00:00Z",
        },
      },
    };
    const config = validateStackConfig(raw, now);
    expect(config.tradingData.schema).toBe("trading_restore_20261127_inc_7");
    const spec = withTradingSchema({ env: { PORT: "8080" } }, config.tradingData.schema);
    expect(spec.env).toEqual({
      PORT: "8080",
      [TRADING_SCHEMA_ENV]: "trading_restore_20261127_inc_7",
    });
  });

  test("the plan hands a restored schema to every service, and the live one to none (their env stays as it was)", async () => {
    const envsOf = (plan: Awaited<ReturnType<typeof planOf>>) =>
      plan.resources
        .filter(
          (r) => r.type === "docker:index/container:Container" && /-(blue|green)$/.test(r.name),
        )
        .map((r) => ({ name: r.name, envs: (r.inputs as { envs: string[] }).envs }));
    const live = envsOf(await planOf("dev"));
    expect(live).toHaveLength(10);
    for (const service of live) {
      expect(service.envs.some((e) => e.startsWith(`${TRADING_SCHEMA_ENV}=`))).toBe(false);
    }
    const restored = envsOf(
      await planOf("dev", { tradingData: { schema: "trading_restore_20261127_inc_7" } }),
    );
    for (const service of restored) {
      expect({ name: service.name, envs: service.envs }).toEqual({
        name: service.name,
        envs: expect.arrayContaining([`${TRADING_SCHEMA_ENV}=trading_restore_20261127_inc_7`]),
      });
    }
  });
});
