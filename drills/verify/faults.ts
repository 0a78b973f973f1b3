import type { AnalysisSpec } from "../../components/health/analysis";
import type { CheckSettings } from "../../components/health/gateChecks";
import type { Faults } from "../../contract/tradingChecks";
import type { ServiceName } from "../../domain/services";

/**
 * The drill's own limits, short so that a fault beyond them shows at once; passed to the checks
 * as the stack's aitb:healthGate settings would be.
 */
export const VERIFY_CHECK_SETTINGS: CheckSettings = {
  heartbeatMaxAgeSeconds: 10,
  tradingChecks: { enabled: true, marketDataMaxAgeSeconds: 5, inferenceBudgetMs: 300 },
};

/** A short post-promotion analysis: a measurement a second, the first failure fails it. */
export const VERIFY_ANALYSIS: AnalysisSpec = {
  initialDelaySeconds: 0,
  intervalSeconds: 1,
  count: 3,
  failureLimit: 0,
  requests: 20,
  successCondition: {
    maxErrorRate: 0.01,
    maxLatencyDegradationPercent: 75,
    minLatencyIncreaseMs: 25,
  },
};

export const FAULT_IDS = [
  "stale-market-data",
  "inference-error",
  "slow-inference",
  "paper-order-rejected",
  "notifier-down",
  "stale-heartbeat",
  "two-bots-live",
  "route-5xx",
  "latency-degraded",
] as const;
export type FaultId = (typeof FAULT_IDS)[number];

export interface FaultCase {
  id: FaultId;
  label: string;
  faults: Faults;
  /** The services of the color that get the fault; "routed": those behind a public route. */
  services: readonly ServiceName[] | "routed";
  /**
   * After a switch, the color it is injected on: the new active color, or the standby (a second
   * bot saying it is live). Before a switch it is always the target: for two bots live, the
   * target's bot saying it is live while the old color's bot still is.
   */
  afterSwitchOn: "active" | "standby";
}

const { tradingChecks, heartbeatMaxAgeSeconds } = VERIFY_CHECK_SETTINGS;

export const FAULT_CASES: Record<FaultId, FaultCase> = {
  "stale-market-data": {
    id: "stale-market-data",
    label: "stale market feed",
    faults: { marketDataAgeSeconds: tradingChecks.marketDataMaxAgeSeconds * 12 },
    services: ["bot"],
    afterSwitchOn: "active",
  },
  "inference-error": {
    id: "inference-error",
    label: "inference error",
    faults: { inferenceError: true },
    services: ["inference"],
    afterSwitchOn: "active",
  },
  "slow-inference": {
    id: "slow-inference",
    label: "slow inference",
    faults: { inferenceDelayMs: Math.round(tradingChecks.inferenceBudgetMs * 3) },
    services: ["inference"],
    afterSwitchOn: "active",
  },
  "paper-order-rejected": {
    id: "paper-order-rejected",
    label: "paper order rejected",
    faults: { rejectPaperOrders: true },
    services: ["bot"],
    afterSwitchOn: "active",
  },
  "notifier-down": {
    id: "notifier-down",
    label: "notifier down",
    faults: { notifierDown: true },
    services: ["notifier"],
    afterSwitchOn: "active",
  },
  "stale-heartbeat": {
    id: "stale-heartbeat",
    label: "stale heartbeat",
    faults: { heartbeatAgeSeconds: heartbeatMaxAgeSeconds * 6 },
    services: ["bot"],
    afterSwitchOn: "active",
  },
  "two-bots-live": {
    id: "two-bots-live",
    label: "two bots live",
    faults: { reportLive: true },
    services: ["bot"],
    afterSwitchOn: "standby",
  },
  "route-5xx": {
    id: "route-5xx",
    label: "5xx on the routes",
    faults: { routeStatus: 503 },
    services: "routed",
    afterSwitchOn: "active",
  },
  "latency-degraded": {
    id: "latency-degraded",
    label: "latency degraded (+200 ms)",
    faults: { routeDelayMs: 200 },
    services: "routed",
    afterSwitchOn: "active",
  },
};

/** The services of a color a fault is injected into, given those behind a public route. */
export function faultedServices(
  fault: FaultCase,
  routed: readonly ServiceName[],
): readonly ServiceName[] {
  return fault.services === "routed" ? routed : fault.services;
}
