import { SINGLE_LIVE_BOT, singleLiveBot } from "../../policies/singleLiveBot";
import {
  azureService,
  changeRecord,
  colors,
  dockerService,
  messagesOf,
  resource,
  violationsOf,
} from "./fixtures";

const policy = singleLiveBot();
/** The record says blue is active. */
const BLUE_ACTIVE = changeRecord({ desired: { activeColor: "blue" } });

describe("single-live-bot", () => {
  test("pass: Docker, the active color's bot live after the standby bot", async () => {
    expect(await messagesOf(policy, [...colors(dockerService, "blue"), BLUE_ACTIVE])).toEqual([]);
  });

  test("pass: Azure, the same with Container Apps tagged by trading mode", async () => {
    expect(await messagesOf(policy, [...colors(azureService, "blue"), BLUE_ACTIVE])).toEqual([]);
  });

  test("deny: two live bots, naming the one that must step down", async () => {
    const services = colors(dockerService, "blue", { "bot-green": { tradingMode: "live" } });
    const violations = await violationsOf(policy, [...services, BLUE_ACTIVE]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: SINGLE_LIVE_BOT,
        level: "mandatory",
        urn: expect.stringContaining("bot-green"),
        message: expect.stringContaining("2 bots are live (bot-green, bot-blue)"),
      }),
    ]);
  });

  test("deny: no live bot", async () => {
    const services = colors(azureService, "blue", { "bot-blue": { tradingMode: "paper" } });
    const [message] = await messagesOf(policy, [...services, BLUE_ACTIVE]);
    expect(message).toContain("no bot is live");
  });

  test("deny: the live bot belongs to the standby color", async () => {
    const record = changeRecord({ desired: { activeColor: "green" } });
    const [message] = await messagesOf(policy, [...colors(dockerService, "blue"), record]);
    expect(message).toContain("belongs to blue, but the active color is green");
  });

  test("deny: the live bot does not wait for the standby bot's demotion", async () => {
    const services = colors(dockerService, "blue", { "bot-blue": { dependsOn: [] } });
    const [message] = await messagesOf(policy, [...services, BLUE_ACTIVE]);
    expect(message).toContain("is not ordered after the standby bot bot-green");
  });

  test("pass: the trading mode read from the bot's environment when no label carries it", async () => {
    const services = colors(dockerService, "blue", {
      "bot-blue": { tradingMode: undefined, env: { AITB_TRADING_MODE: "live" } },
    });
    const blue = services.find((s) => s.name === "bot-blue");
    const green = services.find((s) => s.name === "bot-green");
    if (blue && green) blue.dependsOn = [green.urn];
    expect(await messagesOf(policy, [...services, BLUE_ACTIVE])).toEqual([]);
  });

  test("pass: a stack that runs no services has nothing to judge", async () => {
    expect(await messagesOf(policy, [BLUE_ACTIVE])).toEqual([]);
  });

  test("deny: services but no bot at all", async () => {
    const services = colors(dockerService).filter((s) => !s.name.startsWith("bot-"));
    const [message] = await messagesOf(policy, [...services, BLUE_ACTIVE]);
    expect(message).toContain("no bot is live (no bot is declared)");
  });
});

describe("single-live-bot with bots under the trading lease", () => {
  const leased = (standbyMode = "paper") => ({
    tradingMode: undefined,
    dependsOn: [],
    env: {
      AITB_TRADING_LEASE: "postgres",
      AITB_SWITCH_RECORD: "/run/aitb/switch",
      AITB_STANDBY_TRADING_MODE: standbyMode,
    },
  });
  const bots = { "bot-blue": leased(), "bot-green": leased("suspended") };
  const dockerRecord = (activeColor: string) =>
    resource("command:local:Command", "switch-record", {
      create: "…",
      environment: {
        AITB_ROLE: "switch-record",
        AITB_SWITCH_RECORD: JSON.stringify({ activeColor }),
      },
    });
  const azureRecord = (activeColor: string) =>
    resource("azure-native:storage:Blob", "switch-record", {
      metadata: { aitb_role: "switch-record", record: JSON.stringify({ activeColor }) },
    });

  test("pass: the record names the active color, whose bot needs no order after the other", async () => {
    const services = colors(dockerService, "blue", bots);
    expect(await messagesOf(policy, [...services, dockerRecord("blue"), BLUE_ACTIVE])).toEqual([]);
    const apps = colors(azureService, "blue", bots);
    expect(await messagesOf(policy, [...apps, azureRecord("blue"), BLUE_ACTIVE])).toEqual([]);
  });

  test("deny: the record names the standby color", async () => {
    const services = colors(dockerService, "blue", bots);
    const [message] = await messagesOf(policy, [...services, dockerRecord("green"), BLUE_ACTIVE]);
    expect(message).toContain("belongs to green, but the active color is blue");
  });

  test("deny: bots under the lease and no switch record", async () => {
    const services = colors(dockerService, "blue", bots);
    const [message] = await messagesOf(policy, [...services, BLUE_ACTIVE]);
    expect(message).toContain(
      "trade live by the switch record and the lease, but no switch record is declared",
    );
  });

  test("deny: a bot with a fixed live mode beside a leased one the record makes live", async () => {
    const services = colors(dockerService, "blue", {
      "bot-blue": leased(),
      "bot-green": { tradingMode: "live" },
    });
    const violations = await violationsOf(policy, [...services, dockerRecord("blue"), BLUE_ACTIVE]);
    expect(violations).toEqual([
      expect.objectContaining({
        urn: expect.stringContaining("bot-green"),
        message: expect.stringContaining("2 bots are live"),
      }),
    ]);
  });
});
