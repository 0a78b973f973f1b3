/**
 * The drill's time series: the measurements the trading system writes to InfluxDB, one point per
 * symbol and second, every point with a `value` field (so a count of it is the point count) and a
 * deterministic value (so a sum of it is a checksum of the values).
 */
export const MEASUREMENTS = ["candles", "trades", "orderbook", "fills"] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

const SYMBOLS = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"] as const;

/** The drill's first point: a fixed instant, so reruns write the same series. */
export const FIRST_POINT_NS = 1_764_000_000n * 1_000_000_000n;

/** Line protocol of points [from, to) of one measurement. */
export function pointLines(measurement: Measurement, from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i += 1) {
    const symbol = SYMBOLS[i % SYMBOLS.length];
    const second = BigInt(Math.floor(i / SYMBOLS.length));
    const value = ((i * 7919) % 100_000) / 100;
    lines.push(
      `${measurement},symbol=${symbol} value=${value},seq=${i}i ${FIRST_POINT_NS + second * 1_000_000_000n}`,
    );
  }
  return lines.join("\n");
}

/** Per measurement: the number of points and the sum of `value`, as InfluxQL reports them. */
export interface MeasurementState {
  points: number;
  sum: number;
}

export type DatabaseState = Record<Measurement, MeasurementState>;
