/**
 * The reference bot's trading loop (docs/service-contract.md, "Trading mode at run time"). Each
 * cycle it reads the switch record: when the record names its own color it seeks the live trading
 * lease and, once it holds it, places simulated orders under it; when the record names the other
 * color it stops placing orders, then releases the lease. It reports `live` only while it holds
 * the lease and its local deadline (the last renewal's send time plus the lease's time to live,
 * less a margin) has not passed, so a bot that cannot renew stops trading live before the lease
 * can expire and pass to the other bot.
 */
import * as crypto from "node:crypto";
import type { SimulatedOrder, TradingLease } from "./lease";
import { readSwitchRecord, type Color } from "./switchRecord";

export type StandbyMode = "paper" | "suspended";
export type TradingMode = "live" | StandbyMode;

export interface TraderOptions {
  color: Color;
  /** Who holds the lease: unique per process, so a restarted bot never inherits a lease. */
  holder: string;
  /** Folder of the switch record; without one the bot never trades live. */
  switchRecordDir?: string;
  lease?: TradingLease;
  standbyMode: StandbyMode;
  /** How often the record is read and the lease tried (ms). */
  pollMs: number;
  leaseTtlMs: number;
  /** How often a live bot places a simulated order (ms). */
  orderIntervalMs: number;
  log: (event: string, extra?: Record<string, unknown>) => void;
}

/** What the health endpoint reports about trading. */
export interface TradingState {
  tradingMode: TradingMode;
  /** The color the switch record names, when it could be read. */
  desiredColor?: Color;
  lease: {
    store: "postgres" | "file" | "none";
    holder: string;
    held: boolean;
    epoch?: number;
  };
  ordersPlaced: number;
  /** Why the bot is not live although the record names its color, when it is not. */
  problem?: string;
  /** When the loop last completed a cycle. */
  lastCycle: string;
}

/** One stretch of live trading, in this process's clock (ms since the epoch). */
export interface LiveInterval {
  epoch: number;
  from: number;
  /** Undefined while still live. */
  to?: number;
}

const KEPT_INTERVALS = 10_000;

const SYMBOLS = ["AAPL", "MSFT", "NVDA", "SPY", "QQQ"];

function simulatedOrder(): SimulatedOrder {
  const bytes = crypto.randomBytes(3);
  return {
    symbol: SYMBOLS[bytes[0] % SYMBOLS.length],
    side: bytes[1] % 2 === 0 ? "buy" : "sell",
    quantity: 1 + (bytes[2] % 10),
    price: Math.round((100 + Math.random() * 400) * 100) / 100,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function leaseHolder(color: Color, release: string): string {
  return `bot-${color}@${release}#${crypto.randomBytes(4).toString("hex")}`;
}

export class Trader {
  private mode: TradingMode;
  private epoch?: number;
  /** Local time after which the bot must not act as the holder without a new renewal. */
  private deadline = 0;
  private renewAt = 0;
  private nextOrderAt = 0;
  private desiredColor?: Color;
  private problem?: string;
  private ordersPlaced = 0;
  private lastCycle = new Date();
  private readonly intervals: LiveInterval[] = [];
  private stopping = false;
  private loop?: Promise<void>;

  constructor(private readonly options: TraderOptions) {
    this.mode = options.standbyMode;
  }

  /** Renewals every third of the time to live; the local deadline keeps a fifth in hand. */
  private get renewEveryMs(): number {
    return this.options.leaseTtlMs / 3;
  }

  private get marginMs(): number {
    return this.options.leaseTtlMs / 5;
  }

  start(): void {
    this.loop ??= this.run();
  }

  state(): TradingState {
    // Past the local deadline the bot is not live, even before its loop notices.
    const live = this.mode === "live" && Date.now() < this.deadline;
    return {
      tradingMode: live ? "live" : this.options.standbyMode,
      ...(this.desiredColor ? { desiredColor: this.desiredColor } : {}),
      lease: {
        store: this.options.lease?.store ?? "none",
        holder: this.options.holder,
        held: live,
        ...(live ? { epoch: this.epoch } : {}),
      },
      ordersPlaced: this.ordersPlaced,
      ...(this.problem ? { problem: this.problem } : {}),
      lastCycle: this.lastCycle.toISOString(),
    };
  }

  /** Every stretch of live trading, the latest last: for drills that check two never overlap. */
  liveIntervals(): LiveInterval[] {
    return this.intervals.map((interval) => ({ ...interval }));
  }

  private goLive(epoch: number): void {
    this.mode = "live";
    this.epoch = epoch;
    this.intervals.push({ epoch, from: Date.now() });
    if (this.intervals.length > KEPT_INTERVALS) this.intervals.shift();
  }

  private goStandby(): void {
    this.mode = this.options.standbyMode;
    const last = this.intervals[this.intervals.length - 1];
    if (last && last.to === undefined) last.to = Math.min(Date.now(), this.deadline);
    this.epoch = undefined;
  }

  /** Stops the loop; a live bot finishes its order, stops trading live and releases the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.mode === "live") await this.demote("the bot is stopping");
    await this.options.lease?.close();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const started = Date.now();
      try {
        await this.cycle();
      } catch (error) {
        this.problem = `cycle failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      this.lastCycle = new Date();
      await sleep(Math.max(1, this.options.pollMs - (Date.now() - started)));
    }
  }

  private async cycle(): Promise<void> {
    const { options } = this;
    let wantLive = false;
    if (!options.switchRecordDir) {
      this.problem = "no switch record (AITB_SWITCH_RECORD is not set)";
    } else {
      const read = readSwitchRecord(options.switchRecordDir);
      if (read.ok) {
        this.desiredColor = read.record.activeColor;
        wantLive = read.record.activeColor === options.color;
        if (wantLive && !options.lease)
          this.problem = "no lease store (AITB_TRADING_LEASE is not set)";
        else if (!wantLive || this.mode === "live") this.problem = undefined;
      } else {
        // An unreadable record is not a reason to trade live, nor to keep doing so.
        this.desiredColor = undefined;
        this.problem = read.problem;
      }
    }
    const lease = options.lease;
    if (this.mode === "live") {
      if (!wantLive)
        return this.demote(`the switch record names ${this.desiredColor ?? "no color"}`);
      await this.keepLease();
      if (this.mode === "live" && Date.now() >= this.nextOrderAt) await this.placeOrder();
      return;
    }
    if (!wantLive || !lease) return;
    const sent = Date.now();
    let grant;
    try {
      grant = await lease.acquire(options.holder, options.leaseTtlMs);
    } catch (error) {
      this.problem = `acquiring the lease failed: ${(error as Error).message}`;
      return;
    }
    if (!grant) {
      this.problem = "the lease is held by another bot";
      return;
    }
    this.deadline = sent + options.leaseTtlMs - this.marginMs;
    this.goLive(grant.epoch);
    this.renewAt = sent + this.renewEveryMs;
    this.nextOrderAt = Date.now();
    this.problem = undefined;
    options.log("lease acquired", { holder: options.holder, epoch: grant.epoch });
  }

  private async keepLease(): Promise<void> {
    const { lease, holder, leaseTtlMs } = this.options;
    if (Date.now() >= this.deadline) return this.lose("the lease was not renewed in time");
    if (Date.now() < this.renewAt || !lease || this.epoch === undefined) return;
    const sent = Date.now();
    try {
      if (await lease.renew(holder, this.epoch, leaseTtlMs)) {
        this.deadline = sent + leaseTtlMs - this.marginMs;
        this.renewAt = sent + this.renewEveryMs;
        return;
      }
      this.lose("the lease renewal was refused");
    } catch (error) {
      // Retried next cycle; the deadline decides when the bot stops trading live.
      this.problem = `renewing the lease failed: ${(error as Error).message}`;
      if (Date.now() >= this.deadline) this.lose("the lease was not renewed in time");
    }
  }

  private async placeOrder(): Promise<void> {
    const { lease, holder, orderIntervalMs } = this.options;
    if (!lease || this.epoch === undefined) return;
    this.nextOrderAt = Date.now() + orderIntervalMs;
    try {
      if (await lease.placeOrder(holder, this.epoch, simulatedOrder())) {
        this.ordersPlaced++;
        return;
      }
      this.lose("an order was refused: the lease is no longer held");
    } catch (error) {
      this.problem = `placing an order failed: ${(error as Error).message}`;
    }
  }

  /** Stops trading live at once, without releasing: the lease is not ours any more, or may not be. */
  private lose(reason: string): void {
    this.problem = reason;
    this.options.log("lease lost", { holder: this.options.holder, epoch: this.epoch, reason });
    this.goStandby();
  }

  /** No order is in flight here (orders run inside the cycle): stop trading live, then release. */
  private async demote(reason: string): Promise<void> {
    const epoch = this.epoch;
    this.goStandby();
    if (epoch === undefined || !this.options.lease) return;
    try {
      const released = await this.options.lease.release(this.options.holder, epoch);
      this.options.log(released ? "lease released" : "lease already gone", {
        holder: this.options.holder,
        epoch,
        reason,
      });
    } catch (error) {
      // It expires on its own after its time to live.
      this.options.log("lease release failed", {
        holder: this.options.holder,
        epoch,
        reason,
        error: (error as Error).message,
      });
    }
  }
}
