/**
 * The trading-operations checks of the service contract (docs/service-contract.md, "Trading
 * checks"): the runbook's "Verify Trading Operations" step as probes each service answers, judged
 * by the one check runner (components/health/checks.ts) before traffic moves to a color and after.
 *
 * Every probe is a path under PROBE_PREFIX on the service's own port, so the Azure health-only app
 * can route to it as it routes to /health. A probe never trades: the paper order is simulated, the
 * notifier's test message goes to its test sink.
 */
import type { ServiceName } from "../domain/services";

export const PROBE_PREFIX = "/_aitb/probe";

export type TradingProbeKind = "market-data" | "inference" | "paper-order" | "notify";

export interface TradingProbe {
  kind: TradingProbeKind;
  /** The service that answers it. */
  service: ServiceName;
  method: "GET" | "POST";
  path: string;
  /** What the on-call does when it fails (printed beside the failure). */
  nextAction: string;
}

/**
 * The probes, by kind. Answers (all JSON, HTTP 200 when the probe succeeded):
 * - market-data, GET: `{ "lastTickAt": ISO-8601, "symbol": string }`; the runner judges the age.
 * - inference, POST `{ "symbol": string, "features": number[] }`:
 *   `{ "prediction": number, "confidence": number in [0, 1], "model": string }` within the budget.
 * - paper-order, POST `{ "clientOrderId": string, "symbol": string, "side": "buy"|"sell",
 *   "quantity": number }`: `{ "clientOrderId": same, "status": "filled", "filledQuantity": same
 *   quantity, "price": number > 0, "mode": "paper" }`; a rejection answers `"status": "rejected"`.
 * - notify, POST `{ "id": string, "message": string }`: `{ "id": same, "delivered": true,
 *   "sink": string }`; a notifier that cannot reach its sink answers 503 or `"delivered": false`.
 */
export const TRADING_PROBES: Record<TradingProbeKind, TradingProbe> = {
  "market-data": {
    kind: "market-data",
    service: "bot",
    method: "GET",
    path: `${PROBE_PREFIX}/market-data`,
    nextAction:
      "check the market data feed (exchange connectivity, feed subscription); do not let this color trade live on stale prices",
  },
  inference: {
    kind: "inference",
    service: "inference",
    method: "POST",
    path: `${PROBE_PREFIX}/inference`,
    nextAction:
      "check the inference service's log and model files; a color whose model does not answer must not trade",
  },
  "paper-order": {
    kind: "paper-order",
    service: "bot",
    method: "POST",
    path: `${PROBE_PREFIX}/paper-order`,
    nextAction:
      "check the bot's order path (exchange API key, order validation) in its log before it trades live",
  },
  notify: {
    kind: "notify",
    service: "notifier",
    method: "POST",
    path: `${PROBE_PREFIX}/notify`,
    nextAction:
      "check the notifier's channel credentials and outbound network; alerts from this color would be lost",
  },
};

export const TRADING_PROBE_KINDS = Object.keys(TRADING_PROBES) as TradingProbeKind[];

/**
 * Fault switches of the reference service, for drills and tests only: `POST FAULTS_PATH` with a
 * JSON object of these fields sets them (`{}` clears all); the endpoint exists only when the
 * service was started with AITB_FAULT_SWITCHES=on (never set by the deploy stack).
 */
export const FAULTS_PATH = "/_aitb/faults";
export const FAULT_SWITCHES_ENV = "AITB_FAULT_SWITCHES";

export interface Faults {
  /** market-data reports a last tick this many seconds old. */
  marketDataAgeSeconds?: number;
  /** inference answers HTTP 500. */
  inferenceError?: boolean;
  /** inference answers after this many milliseconds. */
  inferenceDelayMs?: number;
  /** paper orders are rejected. */
  rejectPaperOrders?: boolean;
  /** the notifier cannot deliver (503). */
  notifierDown?: boolean;
  /** the bot's reported heartbeat is this many seconds old. */
  heartbeatAgeSeconds?: number;
  /** the bot reports that it trades live and holds the lease (simulates a second live bot). */
  reportLive?: boolean;
  /** every path outside /health and the probes answers with this HTTP status. */
  routeStatus?: number;
  /** every path outside /health and the probes answers after this many milliseconds. */
  routeDelayMs?: number;
}

export const FAULT_NAMES: readonly (keyof Faults)[] = [
  "marketDataAgeSeconds",
  "inferenceError",
  "inferenceDelayMs",
  "rejectPaperOrders",
  "notifierDown",
  "heartbeatAgeSeconds",
  "reportLive",
  "routeStatus",
  "routeDelayMs",
];
