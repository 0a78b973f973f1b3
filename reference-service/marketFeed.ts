/** The bot's simulated market data feed: one tick a second, a price that wanders a little. */

export const DEFAULT_SYMBOL = "BTC-USD";
export const MARKET_TICK_MS = 1_000;

export class MarketFeed {
  private tickAt = Date.now();
  private last = 100;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly symbol: string,
    private readonly tickMs = MARKET_TICK_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** When the last tick arrived (ms since the epoch). */
  get lastTickAt(): number {
    return this.tickAt;
  }

  get price(): number {
    return this.last;
  }

  private tick(): void {
    this.tickAt = Date.now();
    // At most 0.1 % a tick, and never below a cent.
    const moved = this.last * (1 + (Math.random() - 0.5) / 500);
    this.last = Math.max(0.01, Math.round(moved * 100) / 100);
  }
}
