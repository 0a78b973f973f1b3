/**
 * Trading-like data for the restore drill: orders, the trades that filled them and minute
 * candles, generated in the server from `rows` (each table gets that many rows).
 */
export const TABLES = ["orders", "trades", "candles"] as const;
export type Table = (typeof TABLES)[number];

const SCHEMA = `
create table orders (
  id bigint primary key,
  placed_at timestamptz not null,
  symbol text not null,
  side text not null check (side in ('buy', 'sell')),
  quantity numeric(18, 8) not null check (quantity > 0),
  limit_price numeric(18, 8),
  status text not null
);
create table trades (
  id bigint primary key,
  order_id bigint not null references orders (id),
  executed_at timestamptz not null,
  symbol text not null,
  price numeric(18, 8) not null,
  quantity numeric(18, 8) not null,
  fee numeric(18, 8) not null
);
create table candles (
  symbol text not null,
  open_time timestamptz not null,
  open numeric(18, 8) not null,
  high numeric(18, 8) not null,
  low numeric(18, 8) not null,
  close numeric(18, 8) not null,
  volume numeric(20, 8) not null,
  primary key (symbol, open_time)
);
create index trades_symbol_time on trades (symbol, executed_at);
create index orders_status_time on orders (status, placed_at);
`;

const SYMBOLS = "array['AAPL','MSFT','NVDA','AMZN','GOOG','META','TSLA','JPM','XOM','SPY']";

/** Deterministic: the same `rows` gives the same data, so checksums compare across runs too. */
export function loadSql(rows: number): string {
  return `${SCHEMA}
insert into orders
select i,
       timestamptz '2026-11-02 14:30:00+00' + i * interval '250 milliseconds',
       (${SYMBOLS})[1 + i % 10],
       case when i % 2 = 0 then 'buy' else 'sell' end,
       1 + (i * 7919) % 500,
       round(100 + ((i * 104729) % 90000) / 100.0, 2),
       (array['filled','filled','filled','partially_filled','cancelled'])[1 + i % 5]
from generate_series(1::bigint, ${rows}) as i;
insert into trades
select i,
       1 + (i * 3) % ${rows},
       timestamptz '2026-11-02 14:30:00+00' + i * interval '250 milliseconds' + interval '40 milliseconds',
       (${SYMBOLS})[1 + i % 10],
       round(100 + ((i * 15485863) % 90000) / 100.0, 4),
       1 + (i * 31) % 250,
       round(((i * 17) % 1000) / 1000.0, 4)
from generate_series(1::bigint, ${rows}) as i;
insert into candles
select (${SYMBOLS})[1 + i % 10],
       timestamptz '2026-11-02 14:30:00+00' + (i / 10) * interval '1 minute',
       100 + (i % 977) / 10.0,
       101 + (i % 977) / 10.0,
       99 + (i % 977) / 10.0,
       100 + (i % 983) / 10.0,
       1000 + (i * 7) % 100000
from generate_series(0::bigint, ${rows} - 1) as i;
analyze;
`;
}

/** What goes wrong before the restore: wrong prices, lost candles, orders flipped, junk rows. */
export function corruptSql(rows: number): string {
  return `
update trades set price = price * 1.1 where id % 97 = 0;
delete from candles where open_time > timestamptz '2026-11-02 14:30:00+00' + ${Math.floor(rows / 20)} * interval '1 minute';
update orders set status = 'cancelled' where id % 89 = 0;
insert into orders
select ${rows} + i, now(), 'JUNK', 'buy', 1, null, 'filled' from generate_series(1, 100) as i;
`;
}

/** Row count and an order-independent checksum (a sum of 64-bit row hashes) of one table. */
export function checksumSql(table: Table): string {
  return `select count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) from ${table} t`;
}
