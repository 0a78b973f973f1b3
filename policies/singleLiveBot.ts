/**
 * single-live-bot: exactly one bot trades live, the active color's. A bot that trades under the
 * trading lease (AITB_TRADING_LEASE) is live when the switch record names its color, and the
 * lease keeps at most one live at run time whatever the order of an update. A bot whose mode is
 * fixed in its configuration (an older bot) must start only after the standby bot is demoted.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { findChangeRecord } from "./changeRecord";
import type { PolicyFactoryArgs } from "./factory";
import { waitsFor } from "../contract/resources";
import { servicesOf } from "./services";
import { findSwitchRecord, tradingModeOf } from "./switchRecord";

export const SINGLE_LIVE_BOT = "single-live-bot";

export function singleLiveBot(args: PolicyFactoryArgs = {}): StackValidationPolicy {
  return {
    name: SINGLE_LIVE_BOT,
    description:
      "Exactly one trading bot is live, it belongs to the active color, and it starts after the standby bot is demoted.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    validateStack: (stack, reportViolation) => {
      const services = servicesOf(stack.resources);
      // A stack that runs no AITB services has no bot to judge.
      if (services.length === 0) return;
      const record = findSwitchRecord(stack.resources);
      const leased = services.filter((view) => view.service === "bot" && view.lease);
      if (leased.length > 0 && !record.found) {
        reportViolation(
          `${leased.map((bot) => bot.label).join(", ")} trade live by the switch record and the lease, but ${record.problem}; the router declares it (aitb:activeColor)`,
        );
        return;
      }
      const bots = services
        .filter((view) => view.service === "bot")
        .map((view) => ({ ...view, tradingMode: tradingModeOf(view, record) }));
      const live = bots.filter((bot) => bot.tradingMode === "live");
      const lookup = findChangeRecord(stack.resources);
      const active = lookup.found ? lookup.record.desired.activeColor : undefined;
      if (live.length === 0) {
        const modes = bots.map((bot) => `${bot.label}: ${bot.tradingMode ?? "no trading mode"}`);
        const expected = active ? ` (${active})` : "";
        reportViolation(
          `no bot is live (${modes.join(", ") || "no bot is declared"}); the active color's bot ` +
            `must trade live: check aitb:activeColor${expected}`,
        );
        return;
      }
      if (live.length > 1) {
        const names = live.map((b) => b.label).join(", ");
        for (const bot of live.filter((candidate) => candidate.color !== active)) {
          reportViolation(
            `${live.length} bots are live (${names}); ${bot.label} is not the active color's ` +
              `(${active ?? "unknown"}) and must trade paper or suspended (aitb:standbyTradingMode)`,
            bot.resource.urn,
          );
        }
        return;
      }
      const [bot] = live;
      if (active && bot.color !== active) {
        reportViolation(
          `the live bot ${bot.label} belongs to ${bot.color ?? "no color"}, but the active color is ` +
            `${active}; the live bot must be the active color's: flip aitb:activeColor or the trading modes together`,
          bot.resource.urn,
        );
      }
      for (const standby of bots.filter((candidate) => candidate !== bot)) {
        // Bots under the lease need no order: the lease is what keeps two from being live.
        if (bot.lease && standby.lease) continue;
        if (!waitsFor(bot.resource, standby.resource)) {
          reportViolation(
            `the live bot ${bot.label} is not ordered after the standby bot ${standby.label}; ` +
              `make it depend on the standby bot so the demotion finishes before the promotion`,
            bot.resource.urn,
          );
        }
      }
    },
  };
}
