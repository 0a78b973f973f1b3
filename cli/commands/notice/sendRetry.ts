import { setTimeout as sleep } from "node:timers/promises";
import { DeliveryError } from "./channels";

export interface RetryBudget {
  /** The whole time a channel may take, its retries and waits included. */
  totalMs: number;
  /** The first wait between attempts; it doubles, up to maxWaitMs. */
  firstWaitMs: number;
  maxWaitMs: number;
}

export const DEFAULT_RETRY: Omit<RetryBudget, "totalMs"> = { firstWaitMs: 250, maxWaitMs: 4000 };

export type Attempted =
  | { ok: true; attempts: number; detail: string; ms: number }
  | { ok: false; attempts: number; why: string; ms: number };

/** An attempt needs at least this long to be worth starting. */
const MIN_ATTEMPT_MS = 100;

/**
 * Try until it works, a failure says a retry cannot help, or the budget is spent. Each attempt
 * gets what is left of the budget as its timeout and no wait runs past it, so a channel that
 * hangs or refuses costs at most `totalMs`, and nothing of it is left running afterwards.
 * (A loop of its own rather than p-retry: p-retry's wait before the next attempt cannot be cut
 * at a deadline, so a bounded send would leave its timer behind.)
 */
export async function withRetries(
  attempt: (timeoutMs: number) => Promise<string>,
  budget: RetryBudget,
): Promise<Attempted> {
  const started = Date.now();
  const left = () => budget.totalMs - (Date.now() - started);
  let attempts = 0;
  let wait = budget.firstWaitMs;
  let last = "no attempt";
  let askedToWait: number | undefined;
  while (left() >= MIN_ATTEMPT_MS) {
    attempts += 1;
    try {
      const detail = await attempt(left());
      return { ok: true, attempts, detail, ms: Date.now() - started };
    } catch (error) {
      const failure =
        error instanceof DeliveryError ? error : new DeliveryError(String(error), false);
      last = failure.message;
      if (!failure.retryable) return { ok: false, attempts, why: last, ms: Date.now() - started };
      askedToWait = failure.retryAfterMs;
    }
    // A receiver that says when to come back (Retry-After) is not asked again sooner.
    const pause = Math.max(wait, askedToWait ?? 0);
    if (left() < pause + MIN_ATTEMPT_MS) break;
    await sleep(pause);
    wait = Math.min(wait * 2, budget.maxWaitMs);
  }
  const asked =
    askedToWait !== undefined && askedToWait > left()
      ? ` (the receiver asked to retry after ${Math.ceil(askedToWait / 1000)} s)`
      : "";
  return {
    ok: false,
    attempts,
    why: `${last}; gave up within the ${budget.totalMs / 1000} s bound${asked}`,
    ms: Date.now() - started,
  };
}
