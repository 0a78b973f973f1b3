/**
 * Milliseconds since the epoch with sub-millisecond resolution. Every drill process reads the
 * same clock, so a reload in the drill and a response in the load generator compare directly.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - nowMs())));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
