import { NYSE_REGULAR } from "../domain/calendar";
import { CandleChecker, RowChecker, type IntegrityProblem } from "../domain/tradingData/integrity";
import { intervalStarts, tradingDayFrame } from "../domain/tradingData/session";

const us = (iso: string) => Date.parse(iso) * 1000;

/** A regular day (Monday 2026-11-30, EST) and the day after Thanksgiving (early close 13:00). */
const REGULAR = tradingDayFrame(NYSE_REGULAR, "2026-11-30");
const HALF_DAY = tradingDayFrame(NYSE_REGULAR, "2026-11-27");

function candles(frame = REGULAR, symbols = ["AAPL", "MSFT"]) {
  const starts = intervalStarts(frame, 1);
  const symbolColumn: string[] = [];
  const time: number[] = [];
  for (const symbol of symbols) {
    for (const at of starts) {
      symbolColumn.push(symbol);
      time.push(at);
    }
  }
  return { symbolColumn, time };
}

function checkCandles(
  symbolColumn: string[],
  time: number[],
  frame = REGULAR,
  symbols = ["AAPL", "MSFT"],
): IntegrityProblem[] {
  const checker = new CandleChecker({ dataType: "candles", frame, symbols, minutes: 1 });
  // Fed in two batches, as the reader does: state carries across batch boundaries.
  const half = Math.floor(time.length / 2);
  checker.feed({
    keys: [symbolColumn.slice(0, half), time.slice(0, half)],
    time: time.slice(0, half),
  });
  checker.feed({ keys: [symbolColumn.slice(half), time.slice(half)], time: time.slice(half) });
  return checker.finish();
}

function trades(rows: [string, number, string][], frame = REGULAR): IntegrityProblem[] {
  const checker = new RowChecker({
    dataType: "trades",
    frame,
    symbols: ["AAPL", "MSFT"],
    integerColumns: [1],
  });
  checker.feed({
    keys: [rows.map((row) => row[0]), rows.map((row) => row[1])],
    time: rows.map((row) => us(row[2])),
  });
  return checker.finish();
}

const rules = (problems: IntegrityProblem[]) => problems.map((problem) => problem.rule);

describe("the trading day by the market calendar", () => {
  test("a regular NYSE day is one session 09:30-16:00 New York, 390 one-minute candles", () => {
    expect(REGULAR.sessions).toEqual([
      { opensUs: us("2026-11-30T14:30:00Z"), closesUs: us("2026-11-30T21:00:00Z") },
    ]);
    expect(intervalStarts(REGULAR, 1)).toHaveLength(390);
    expect(REGULAR.startUs).toBe(us("2026-11-30T05:00:00Z"));
    expect(REGULAR.endUs).toBe(us("2026-12-01T05:00:00Z"));
  });

  test("the day after Thanksgiving closes at 13:00: 210 candles", () => {
    expect(HALF_DAY.sessions).toEqual([
      { opensUs: us("2026-11-27T14:30:00Z"), closesUs: us("2026-11-27T18:00:00Z") },
    ]);
    expect(intervalStarts(HALF_DAY, 1)).toHaveLength(210);
  });

  test("Thanksgiving and a Saturday have no session, so no candle is expected", () => {
    expect(tradingDayFrame(NYSE_REGULAR, "2026-11-26").sessions).toEqual([]);
    expect(tradingDayFrame(NYSE_REGULAR, "2026-11-28").sessions).toEqual([]);
  });
});

describe("candle rules", () => {
  test("a complete day passes", () => {
    const { symbolColumn, time } = candles();
    expect(checkCandles(symbolColumn, time)).toEqual([]);
  });

  test("a missing minute is reported with its symbol and time", () => {
    const { symbolColumn, time } = candles();
    const gap = time.indexOf(us("2026-11-30T15:17:00Z"), 390);
    symbolColumn.splice(gap, 1);
    time.splice(gap, 1);
    const problems = checkCandles(symbolColumn, time);
    expect(problems).toEqual([
      {
        dataType: "candles",
        rule: "missing-interval",
        count: 1,
        examples: ["MSFT 2026-11-30T15:17:00.000Z"],
      },
    ]);
  });

  test("a symbol of the manifest without candles misses all its intervals", () => {
    const { symbolColumn, time } = candles(REGULAR, ["AAPL"]);
    const problems = checkCandles(symbolColumn, time);
    expect(problems).toEqual([expect.objectContaining({ rule: "missing-interval", count: 390 })]);
    expect(problems[0].examples[0]).toMatch(/^MSFT: all 390 intervals/);
  });

  test("a half day is complete with its 210 candles, and a candle after its 13:00 close is outside the session", () => {
    const { symbolColumn, time } = candles(HALF_DAY);
    expect(checkCandles(symbolColumn, time, HALF_DAY)).toEqual([]);
    // A regular day's candles on the half day: the afternoon ones are outside the session.
    const regular = intervalStarts(REGULAR, 1).map((at) => at - 3 * 86_400_000_000);
    const problems = checkCandles(
      regular.map(() => "AAPL"),
      regular,
      HALF_DAY,
      ["AAPL"],
    );
    expect(problems).toEqual([expect.objectContaining({ rule: "outside-session", count: 180 })]);
    expect(problems[0].examples[0]).toMatch(/^AAPL 2026-11-27T18:00:00\.000Z/);
  });

  test("a candle off the minute boundary is refused", () => {
    const { symbolColumn, time } = candles(REGULAR, ["AAPL"]);
    time[10] += 1_000_000;
    expect(rules(checkCandles(symbolColumn, time, REGULAR, ["AAPL"]))).toEqual(
      expect.arrayContaining(["unaligned-interval", "missing-interval"]),
    );
  });

  test("a repeated candle is a duplicate key", () => {
    const { symbolColumn, time } = candles(REGULAR, ["AAPL"]);
    symbolColumn.splice(5, 0, "AAPL");
    time.splice(5, 0, time[5]);
    const problems = checkCandles(symbolColumn, time, REGULAR, ["AAPL"]);
    expect(problems).toEqual([
      { dataType: "candles", rule: "duplicate-key", count: 1, examples: [`AAPL ${time[5]}`] },
    ]);
  });
});

describe("trade and order-book rules", () => {
  test("trades in key order with growing times pass", () => {
    expect(
      trades([
        ["AAPL", 1, "2026-11-30T14:30:00.000001Z"],
        ["AAPL", 2, "2026-11-30T14:30:00.5Z"],
        ["MSFT", 1, "2026-11-30T14:30:00Z"],
      ]),
    ).toEqual([]);
  });

  test("a trade whose time goes back against its id is unordered", () => {
    const problems = trades([
      ["AAPL", 1, "2026-11-30T15:00:00Z"],
      ["AAPL", 2, "2026-11-30T14:59:59Z"],
      ["MSFT", 1, "2026-11-30T14:00:00Z"],
    ]);
    expect(problems).toEqual([
      {
        dataType: "trades",
        rule: "timestamp-order",
        count: 1,
        examples: [
          "AAPL 2 at 2026-11-30T14:59:59.000Z, before the previous row's 2026-11-30T15:00:00.000Z",
        ],
      },
    ]);
  });

  test("the same trade id twice is a duplicate key; a step back in ids is an unsorted file", () => {
    expect(
      rules(
        trades([
          ["AAPL", 1, "2026-11-30T15:00:00Z"],
          ["AAPL", 1, "2026-11-30T15:00:00Z"],
          ["AAPL", 3, "2026-11-30T15:00:01Z"],
          ["AAPL", 2, "2026-11-30T15:00:02Z"],
        ]),
      ),
    ).toEqual(["duplicate-key", "key-order"]);
  });

  test("a trade before midnight New York (05:00Z) or after the next is outside the day", () => {
    const problems = trades([
      ["AAPL", 1, "2026-11-30T04:59:59.999Z"],
      ["AAPL", 2, "2026-11-30T05:00:00Z"],
      ["AAPL", 3, "2026-12-01T05:00:00Z"],
    ]);
    expect(problems).toEqual([
      {
        dataType: "trades",
        rule: "outside-day",
        count: 2,
        examples: [
          "AAPL 1 at 2026-11-30T04:59:59.999Z (day 2026-11-30 America/New_York)",
          "AAPL 3 at 2026-12-01T05:00:00.000Z (day 2026-11-30 America/New_York)",
        ],
      },
    ]);
  });

  test("a symbol the manifest does not list, and an id beyond exact doubles, are refused", () => {
    const checker = new RowChecker({
      dataType: "orderbook",
      frame: REGULAR,
      symbols: ["AAPL"],
      integerColumns: [1],
    });
    checker.feed({
      keys: [
        ["AAPL", "TSLA"],
        [2 ** 53 + 2, 1],
        ["ask", "ask"],
        [1, 1],
      ],
      time: [us("2026-11-30T15:00:00Z"), us("2026-11-30T15:00:00Z")],
    });
    expect(rules(checker.finish())).toEqual(["unsafe-integer", "unknown-symbol"]);
  });

  test("order-book times are ordered per symbol across its sequence numbers, not across symbols", () => {
    const checker = new RowChecker({
      dataType: "orderbook",
      frame: REGULAR,
      symbols: ["AAPL", "MSFT"],
      integerColumns: [1, 3],
    });
    checker.feed({
      keys: [
        ["AAPL", "AAPL", "AAPL", "MSFT"],
        [1, 1, 2, 1],
        ["ask", "bid", "ask", "ask"],
        [1, 1, 1, 1],
      ],
      time: [
        us("2026-11-30T15:00:01Z"),
        us("2026-11-30T15:00:01Z"),
        us("2026-11-30T15:00:00Z"),
        us("2026-11-30T14:31:00Z"),
      ],
    });
    const problems = checker.finish();
    expect(problems).toEqual([expect.objectContaining({ rule: "timestamp-order", count: 1 })]);
    expect(problems[0].examples[0]).toMatch(/^AAPL 2 ask 1 at 2026-11-30T15:00:00\.000Z/);
  });
});
