/**
 * The integrity rules of a restored trading day, applied in one pass over rows in key order (the
 * order archives are written in, contract/tradingData.ts). Pure: rows come in as column batches,
 * problems go out; where the rows come from is the caller's business.
 */
import { intervalStarts, isoMicros, type TradingDayFrame } from "./session";

export type IntegrityRule =
  | "key-order"
  | "duplicate-key"
  | "outside-day"
  | "timestamp-order"
  | "missing-interval"
  | "outside-session"
  | "unaligned-interval"
  | "unknown-symbol"
  | "unsafe-integer"
  | "columns"
  | "row-count"
  | "checksum"
  | "load";

export interface IntegrityProblem {
  dataType: string;
  rule: IntegrityRule;
  /** How many rows (or missing intervals) break the rule. */
  count: number;
  /** The first few, as the user would look them up. */
  examples: string[];
}

/** A batch of rows as columns: the key's columns in key order, then the row's time (epoch µs). */
export interface RowBatch {
  keys: readonly (readonly (string | number)[])[];
  time: readonly number[];
}

const EXAMPLES = 3;

class Problems {
  private readonly byRule = new Map<IntegrityRule, IntegrityProblem>();
  constructor(private readonly dataType: string) {}

  add(rule: IntegrityRule, example: () => string, count = 1): void {
    let problem = this.byRule.get(rule);
    if (!problem) {
      problem = { dataType: this.dataType, rule, count: 0, examples: [] };
      this.byRule.set(rule, problem);
    }
    problem.count += count;
    if (problem.examples.length < EXAMPLES) problem.examples.push(example());
  }

  list(): IntegrityProblem[] {
    return [...this.byRule.values()];
  }
}

/** How a checker names a key in its examples: `AAPL 2026-11-27T14:31:00.000Z`. */
export type KeyLabel = (key: readonly (string | number)[]) => string;

export interface CheckerOptions {
  dataType: string;
  frame: TradingDayFrame;
  /** The symbols the day's manifest lists (as the rows carry them): a row of another is refused. */
  symbols: readonly (string | number)[];
  /** Which key columns are integers (ids, sequence numbers): exact only below 2^53 here. */
  integerColumns?: readonly number[];
  label?: KeyLabel;
  /** The name of a symbol as the rows carry it (an index into the manifest's list, say). */
  symbolName?: (first: string | number) => string;
}

/**
 * Rules every type shares: keys strictly increasing (a repeat is a duplicate key, a step back an
 * unsorted file), the row's time inside the day, and, per symbol (the key's first column), time
 * never decreasing in key order.
 */
export class RowChecker {
  protected readonly problems: Problems;
  private readonly previous: (string | number)[] = [];
  private hasPrevious = false;
  private previousTime = Number.NEGATIVE_INFINITY;
  private readonly symbols: Set<string | number>;
  rows = 0;

  constructor(protected readonly options: CheckerOptions) {
    this.problems = new Problems(options.dataType);
    this.symbols = new Set(options.symbols);
  }

  protected symbolName(first: string | number): string {
    return this.options.symbolName ? this.options.symbolName(first) : String(first);
  }

  protected label(key: readonly (string | number)[]): string {
    return this.options.label ? this.options.label(key) : key.join(" ");
  }

  feed(batch: RowBatch): void {
    const { frame } = this.options;
    const columns = batch.keys;
    const width = columns.length;
    const integers = this.options.integerColumns ?? [];
    const previous = this.previous;
    // Rows are compared column by column where they are; a key is built only for a message.
    const keyAt = (row: number) => columns.map((column) => column[row]);
    for (let row = 0; row < batch.time.length; row++) {
      const time = batch.time[row];
      this.rows++;
      for (const column of integers) {
        if (!Number.isSafeInteger(columns[column][row])) {
          this.problems.add("unsafe-integer", () => this.label(keyAt(row)));
        }
      }
      const first = columns[0][row];
      if (!this.symbols.has(first)) {
        this.problems.add(
          "unknown-symbol",
          () => `${this.label(keyAt(row))} (not in the manifest)`,
        );
      }
      if (time < frame.startUs || time >= frame.endUs) {
        this.problems.add(
          "outside-day",
          () =>
            `${this.label(keyAt(row))} at ${isoMicros(time)} (day ${frame.day} ${frame.timeZone})`,
        );
      }
      const sameSymbol = this.hasPrevious && previous[0] === first;
      if (this.hasPrevious) {
        let order = 0;
        for (let column = 0; column < width && order === 0; column++) {
          const value = columns[column][row];
          if (value < previous[column]) order = -1;
          else if (value > previous[column]) order = 1;
        }
        if (order === 0) this.problems.add("duplicate-key", () => this.label(keyAt(row)));
        else if (order < 0) {
          const before = [...previous];
          this.problems.add(
            "key-order",
            () => `${this.label(keyAt(row))} after ${this.label(before)} (files are sorted by key)`,
          );
        }
      }
      if (sameSymbol && time < this.previousTime) {
        const before = this.previousTime;
        this.problems.add(
          "timestamp-order",
          () =>
            `${this.label(keyAt(row))} at ${isoMicros(time)}, before the previous row's ${isoMicros(before)}`,
        );
      }
      this.onRow(first, time, !sameSymbol);
      for (let column = 0; column < width; column++) previous[column] = columns[column][row];
      this.hasPrevious = true;
      this.previousTime = time;
    }
  }

  /** A hook for type-specific rules; `newSymbol` is true on a symbol's first row. */
  protected onRow(_symbol: string | number, _time: number, _newSymbol: boolean): void {}

  finish(): IntegrityProblem[] {
    return this.problems.list();
  }
}

/**
 * Candles add: every interval of every session of the day is there for every symbol of the
 * manifest (a half day has fewer, a holiday none), none outside a session, each on the interval's
 * boundary.
 */
export class CandleChecker extends RowChecker {
  private readonly expected: number[];
  private readonly step: number;
  private readonly sessions: TradingDayFrame["sessions"];
  private readonly seen = new Set<string | number>();
  private symbol?: string;
  private next = 0;

  constructor(options: CheckerOptions & { minutes: number }) {
    super(options);
    this.expected = intervalStarts(options.frame, options.minutes);
    this.step = options.minutes * 60_000_000;
    this.sessions = options.frame.sessions;
  }

  private missing(symbol: string, upTo: number): void {
    while (this.next < this.expected.length && this.expected[this.next] < upTo) {
      const at = this.expected[this.next];
      this.problems.add("missing-interval", () => `${symbol} ${isoMicros(at)}`);
      this.next++;
    }
  }

  private closeSymbol(): void {
    if (this.symbol !== undefined) this.missing(this.symbol, Number.POSITIVE_INFINITY);
  }

  protected override onRow(first: string | number, time: number, newSymbol: boolean): void {
    const symbol = this.symbolName(first);
    if (newSymbol) {
      this.closeSymbol();
      this.symbol = symbol;
      this.seen.add(first);
      this.next = 0;
    }
    if (time % this.step !== 0) {
      this.problems.add("unaligned-interval", () => `${symbol} ${isoMicros(time)}`);
    }
    const inSession = this.sessions.some(
      (session) => session.opensUs <= time && time + this.step <= session.closesUs,
    );
    if (!inSession) {
      this.problems.add(
        "outside-session",
        () =>
          `${symbol} ${isoMicros(time)} (sessions of ${this.options.frame.day}: ${this.sessionText()})`,
      );
      return;
    }
    this.missing(symbol, time);
    if (this.expected[this.next] === time) this.next++;
  }

  private sessionText(): string {
    return (
      this.sessions.map((s) => `${isoMicros(s.opensUs)}-${isoMicros(s.closesUs)}`).join(", ") ||
      "none"
    );
  }

  override finish(): IntegrityProblem[] {
    this.closeSymbol();
    this.symbol = undefined;
    for (const symbol of this.options.symbols) {
      if (!this.seen.has(symbol) && this.expected.length > 0) {
        this.problems.add(
          "missing-interval",
          () => `${this.symbolName(symbol)}: all ${this.expected.length} intervals`,
          this.expected.length,
        );
        this.seen.add(symbol);
      }
    }
    return super.finish();
  }
}

/** A readable summary of problems, one line each. */
export function problemLines(problems: readonly IntegrityProblem[]): string[] {
  return problems.map(
    (problem) =>
      `${problem.dataType}: ${problem.rule} x${problem.count} (e.g. ${problem.examples.join("; ")})`,
  );
}
