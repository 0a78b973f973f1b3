import { SINGLE_LIVE_BOT, singleLiveBot } from "../../policies/singleLiveBot";
import {
  azureService,
  changeRecord,
  colors,
  dockerService,
  messagesOf,
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
