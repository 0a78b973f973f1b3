/**
 * Fault switches, for drills and tests only (docs/service-contract.md, "Fault switches"): with
 * AITB_FAULT_SWITCHES=on the service answers FAULTS_PATH, and a POST of a JSON object of these
 * fields makes it misbehave in the ways the checks must catch. The names repeat those of
 * contract/tradingChecks.ts, which this folder cannot import (test/reference-probes.test.ts holds
 * them equal).
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
  /** the bot reports that it trades live and holds the lease (it takes no lease, places no order). */
  reportLive?: boolean;
  /** every ordinary path answers with this HTTP status. */
  routeStatus?: number;
  /** every ordinary path answers after this many milliseconds. */
  routeDelayMs?: number;
}

/** The longest delay a fault may ask for, so that a drill cannot hang a close for hours. */
export const MAX_FAULT_DELAY_MS = 600_000;

type Check = (value: unknown) => string | undefined;

const flag: Check = (value) => (typeof value === "boolean" ? undefined : "a boolean");
const seconds: Check = (value) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0
    ? undefined
    : "a non-negative number of seconds";
const delay: Check = (value) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_FAULT_DELAY_MS
    ? undefined
    : `an integer number of milliseconds from 0 to ${MAX_FAULT_DELAY_MS}`;
const status: Check = (value) =>
  Number.isInteger(value) && (value as number) >= 200 && (value as number) <= 599
    ? undefined
    : "an HTTP status from 200 to 599";

const CHECKS: Record<keyof Faults, Check> = {
  marketDataAgeSeconds: seconds,
  inferenceError: flag,
  inferenceDelayMs: delay,
  rejectPaperOrders: flag,
  notifierDown: flag,
  heartbeatAgeSeconds: seconds,
  reportLive: flag,
  routeStatus: status,
  routeDelayMs: delay,
};

export const FAULT_NAMES = Object.keys(CHECKS) as readonly (keyof Faults)[];

/** The faults a POST body sets; throws naming the first field that is unknown or mistyped. */
export function parseFaults(body: unknown): Faults {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error("expected a JSON object of fault switches ({} clears them)");
  }
  const faults: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (!Object.prototype.hasOwnProperty.call(CHECKS, name)) {
      throw new Error(`unknown fault "${name}"; expected one of ${FAULT_NAMES.join(", ")}`);
    }
    const expected = CHECKS[name as keyof Faults](value);
    if (expected)
      throw new Error(`fault "${name}" is ${JSON.stringify(value)}; expected ${expected}`);
    faults[name] = value;
  }
  return faults as Faults;
}

/** Whether any fault touches the ordinary paths (checked on every request, so kept as one flag). */
export function affectsRoutes(faults: Faults): boolean {
  return faults.routeStatus !== undefined || (faults.routeDelayMs ?? 0) > 0;
}

/** AITB_FAULT_SWITCHES: `on`, or unset or empty for off; anything else stops the start. */
export function faultSwitchesFromEnv(raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw === "on") return true;
  throw new Error(
    `${FAULT_SWITCHES_ENV} is "${raw}"; expected "on" (fault switches, for tests and drills only) or unset`,
  );
}
