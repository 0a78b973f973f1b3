/**
 * The pack's rules file, policies/config.json: its format is the one `pulumi preview
 * --policy-pack-config` reads, `aitb plan` configures the policies from it as the engine does,
 * and a mistake in it is an error naming the setting.
 */
import committedRules from "../../policies/config.json";
import { aitbPolicies } from "../../policies/catalog";
import { reconcilePolicyConfig } from "../../cli/engine/policies";
import {
  calendarOf,
  environmentOfStack,
  judgedEnvironment,
  packRules,
  type PolicyPackConfigFile,
} from "../../policies/rules";
import { NYSE_REGULAR } from "../../domain/calendar";

const policies = aitbPolicies({ now: () => new Date() });

describe("policies/config.json", () => {
  test("names every policy of the pack, each mandatory", () => {
    const names = policies.map((policy) => policy.name).sort();
    expect(Object.keys(committedRules).sort()).toEqual(names);
    for (const entry of Object.values(committedRules)) {
      expect(entry).toMatchObject({ enforcementLevel: "mandatory" });
    }
  });

  test("maps the stacks to their environments: loopback is dev", () => {
    const rules = packRules();
    expect(rules.stackEnvironments).toEqual({
      dev: "dev",
      loopback: "dev",
      staging: "staging",
      prod: "prod",
    });
    expect(environmentOfStack(rules, "loopback")).toBe("dev");
    expect(environmentOfStack(rules, "perf")).toBeUndefined();
    expect(judgedEnvironment(rules, "perf")).toBe("prod");
  });

  test("every policy declares a configSchema for the settings the file gives it", () => {
    for (const policy of policies) {
      const entry = (committedRules as PolicyPackConfigFile)[policy.name];
      const settings = typeof entry === "object" ? Object.keys(entry) : [];
      for (const setting of settings.filter((key) => key !== "enforcementLevel")) {
        expect({
          policy: policy.name,
          setting,
          declared: setting in (policy.configSchema?.properties ?? {}),
        }).toEqual({
          policy: policy.name,
          setting,
          declared: true,
        });
      }
    }
  });

  test("the digest is of the content, not of its key order", () => {
    const reordered = Object.fromEntries(Object.entries(committedRules).reverse());
    expect(packRules(reordered).digest).toBe(packRules().digest);
    const changed = structuredClone(committedRules);
    changed["fresh-change-record"].maxAgeHours = 12;
    expect(packRules(changed).digest).not.toBe(packRules().digest);
  });
});

describe("mistakes in the rules file", () => {
  const withEntry = (name: string, entry: unknown) => ({ ...committedRules, [name]: entry });

  test("a misspelt setting names the policy and the key", () => {
    expect(() => packRules(withEntry("market-hours-change-window", { freezeWindow: [] }))).toThrow(
      /policies\/config\.json: market-hours-change-window: Unrecognized key: "freezeWindow"/,
    );
  });

  test("an unknown policy is named", () => {
    expect(() => packRules(withEntry("market-hours", "mandatory"))).toThrow(
      '"market-hours" is no policy of the pack',
    );
  });

  test("a bad enforcement level, an environment that does not exist, a stack map left empty", () => {
    expect(() => packRules(withEntry("pinned-versions", "strict"))).toThrow("pinned-versions");
    expect(() => packRules(withEntry("warm-standby", { environments: ["production"] }))).toThrow(
      "warm-standby.environments.0",
    );
    expect(() => packRules(withEntry("stack-environment", { stackEnvironments: {} }))).toThrow(
      "stack-environment.stackEnvironments",
    );
  });

  test("a calendar is a name the pack knows or a whole calendar, checked", () => {
    expect(calendarOf("nyse", [], "x").sessions).toEqual(NYSE_REGULAR.sessions);
    expect(() => calendarOf("lse", [], "market-hours-change-window.marketCalendars.prod")).toThrow(
      '"lse" names no calendar',
    );
    expect(() =>
      calendarOf({ name: "x", timeZone: "Mars/Olympus", sessions: {} }, [], "m.prod"),
    ).toThrow(/policies\/config\.json: m\.prod\.timeZone/);
  });
});

describe("aitb plan configures the policies as the engine does", () => {
  test("schema defaults, then the file: its settings and levels; 'all' sets every level first", () => {
    const config: PolicyPackConfigFile = {
      all: "advisory",
      "fresh-change-record": { maxAgeHours: 12 },
      "pinned-versions": "disabled",
    };
    const reconciled = reconcilePolicyConfig(policies, config);
    expect(reconciled.get("fresh-change-record")).toEqual({
      enforcementLevel: "advisory",
      properties: { maxAgeHours: 12, maxFutureMinutes: 5, maxEmergencyHours: 8 },
    });
    expect(reconciled.get("pinned-versions")?.enforcementLevel).toBe("disabled");
    expect(reconciled.get("warm-standby")).toEqual({
      enforcementLevel: "advisory",
      properties: { environments: ["staging", "prod"] },
    });
  });

  test("an entry for a policy the pack does not have is refused", () => {
    expect(() => reconcilePolicyConfig(policies, { "warm-standbys": "advisory" })).toThrow(
      '"warm-standbys" is no policy of the pack',
    );
  });
});
