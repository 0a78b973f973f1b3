import { createTableSql, pgIdent } from "../../contract/tradingData";
import { intervalStarts, isoMicros, type TradingDayFrame } from "../../domain/tradingData/session";

const TICKERS = [
  "AAPL",
  "MSFT",
  "AMZN",
  "GOOGL",
  "META",
  "NVDA",
  "TSLA",
  "JPM",
  "V",
  "JNJ",
  "WMT",
  "PG",
  "XOM",
  "UNH",
  "HD",
  "BAC",
  "MA",
  "DIS",
  "KO",
  "PEP",
] as const;

/** Order-book depth per side in each snapshot. */
export const BOOK_LEVELS = 10;

export interface DayShape {
  symbols: string[];
  candles: number;
  tradesPerSymbol: number;
  snapshotsPerSymbol: number;
  rows: number;
}

/**
 * How `rows` rows of one day split: one candle per session minute per symbol, then about 40% of
 * the rest trades and 60% order-book rows (snapshots of BOOK_LEVELS levels a side).
 */
export function dayShape(frame: TradingDayFrame, rows: number): DayShape {
  const minutes = intervalStarts(frame, 1).length;
  const count = Math.max(2, Math.min(TICKERS.length, Math.floor(rows / 50_000)));
  const symbols = TICKERS.slice(0, count).map(String);
  const candles = minutes * count;
  const rest = Math.max(0, rows - candles);
  const tradesPerSymbol = Math.max(1, Math.floor((rest * 0.4) / count));
  const snapshotsPerSymbol = Math.max(1, Math.floor((rest * 0.6) / count / (2 * BOOK_LEVELS)));
  return {
    symbols,
    candles,
    tradesPerSymbol,
    snapshotsPerSymbol,
    rows: candles + count * (tradesPerSymbol + snapshotsPerSymbol * 2 * BOOK_LEVELS),
  };
}

export function liveTablesSql(schema: string): string {
  return [
    `create schema ${pgIdent(schema)}`,
    createTableSql(schema, "candles"),
    createTableSql(schema, "trades"),
    createTableSql(schema, "orderbook"),
  ].join(";\n");
}

function symbolsSql(symbols: readonly string[]): string {
  return `(values ${symbols.map((symbol, index) => `('${symbol}', ${index})`).join(", ")}) as s(symbol, k)`;
}

/**
 * One trading day in the live tables. Deterministic: the same shape gives the same rows. Times are
 * spread over the day's sessions (for NYSE one), trades and snapshots increasing with their id.
 */
export function loadDaySql(schema: string, frame: TradingDayFrame, shape: DayShape): string {
  const s = pgIdent(schema);
  const session = frame.sessions[0];
  const opens = `'${isoMicros(session.opensUs)}'::timestamptz`;
  const lengthUs = session.closesUs - session.opensUs;
  const minutes = intervalStarts(frame, 1).map((us) => `'${isoMicros(us)}'::timestamptz`);
  return `
insert into ${s}.candles
select symbol, m.at,
  p, p + ((n * 7) % 50) / 100.0, p - ((n * 11) % 50) / 100.0, p + ((n * 13) % 40 - 20) / 100.0,
  1000 + (n * 37) % 9000
from ${symbolsSql(shape.symbols)},
  lateral (select at, row_number() over (order by at) as n from unnest(array[${minutes.join(", ")}]) as u(at)) m,
  lateral (select (100 + k * 10 + (n * 3) % 200 / 10.0)::numeric(18,8) as p) price;

insert into ${s}.trades
select symbol, j, ${opens} + make_interval(secs => (j - 1) * ${lengthUs / 1e6} / ${shape.tradesPerSymbol}),
  (100 + k * 10 + (j * 7919 % 20000) / 1000.0)::numeric(18,8),
  (1 + j * 104729 % 500)::numeric(18,8),
  case when j % 2 = 0 then 'buy' else 'sell' end
from ${symbolsSql(shape.symbols)}, generate_series(1, ${shape.tradesPerSymbol}) as j;

insert into ${s}.orderbook
select symbol, q, side, level,
  ${opens} + make_interval(secs => (q - 1) * ${lengthUs / 1e6} / ${shape.snapshotsPerSymbol}),
  (100 + k * 10 + (q * 31 % 1000) / 100.0 + case when side = 'ask' then level else -level end / 100.0)::numeric(18,8),
  (100 + (q * level * 17) % 5000)::numeric(18,8)
from ${symbolsSql(shape.symbols)}, generate_series(1, ${shape.snapshotsPerSymbol}) as q,
  (values ('ask'), ('bid')) as sd(side), generate_series(1, ${BOOK_LEVELS}) as level;
analyze ${s}.candles; analyze ${s}.trades; analyze ${s}.orderbook;
`;
}

/** What an incident might do to the live tables: lost rows, changed prices, a lost minute. */
export function corruptSql(schema: string): string {
  const s = pgIdent(schema);
  return `
delete from ${s}.trades where trade_id % 97 = 0;
update ${s}.candles set close = close * 10 where extract(minute from interval_start) = 17;
delete from ${s}.orderbook where seq % 50 = 0;
`;
}
