import * as http from "node:http";
import type { Color } from "../../domain/colors";
import { TRADING_PATH } from "../../reference-service/server";
import type { LiveInterval } from "../../reference-service/trader";
import { nowMs, sleep } from "../clock";
import type { PostgresCluster } from "../restore/postgres";
import { percentile, round } from "../stats";

/** One sample of both bots, taken together. */
export interface BotSample {
  at: number;
  modes: Record<Color, string>;
  epochs: Record<Color, number | undefined>;
}

export interface BotSampler {
  stop(): Promise<BotSample[]>;
}

function getJson(agent: http.Agent, host: string, port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.setTimeout(2_000, () => req.destroy(new Error("the bot did not answer in 2 s")));
    req.on("error", reject);
  });
}

interface BotHealth {
  tradingMode?: string;
  trading?: { lease?: { epoch?: number } };
}

/** Asks both bots for their mode and lease every `everyMs`, both questions sent at once. */
export function sampleBots(
  host: string,
  ports: Record<Color, number>,
  everyMs: number,
): BotSampler {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const samples: BotSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = nowMs();
      try {
        const [blue, green] = (await Promise.all([
          getJson(agent, host, ports.blue, "/health"),
          getJson(agent, host, ports.green, "/health"),
        ])) as BotHealth[];
        samples.push({
          at,
          modes: { blue: blue.tradingMode ?? "", green: green.tradingMode ?? "" },
          epochs: { blue: blue.trading?.lease?.epoch, green: green.trading?.lease?.epoch },
        });
      } catch {
        // A sample that failed is not a sample; the count shows how many there were.
      }
      await sleep(Math.max(0, at + everyMs - nowMs()));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      agent.destroy();
      return samples;
    },
  };
}

/** Each bot's own record of when it traded live (its clock is this machine's). */
export async function liveIntervals(
  host: string,
  ports: Record<Color, number>,
): Promise<Record<Color, LiveInterval[]>> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const [blue, green] = (await Promise.all([
      getJson(agent, host, ports.blue, TRADING_PATH),
      getJson(agent, host, ports.green, TRADING_PATH),
    ])) as { liveIntervals: LiveInterval[] }[];
    return { blue: blue.liveIntervals, green: green.liveIntervals };
  } finally {
    agent.destroy();
  }
}

/** Milliseconds during which both bots said they were live (their own interval records). */
export function overlapMs(intervals: Record<Color, LiveInterval[]>, until: number): number {
  let total = 0;
  for (const a of intervals.blue) {
    for (const b of intervals.green) {
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to ?? until, b.to ?? until);
      if (to > from) total += to - from;
    }
  }
  return round(total, 2) as number;
}

export interface LeaseAudit {
  orders: number;
  /** Orders whose epoch was not held by their bot when they were written. */
  ordersOutsideLease: number;
  epochs: number;
  /** From a switch step's end to the new color's bot holding the lease (every switch, in order). */
  handoverMs: { p50?: number; max?: number; count: number; each: number[] };
  /** Between one holder's release and the next acquisition: no bot live. */
  gapMs: { p50?: number; max?: number };
}

/**
 * The lease's own history and the order log, from the database: every order must carry an
 * epoch its bot held, and be written after that epoch began and before it ended.
 */
export async function auditLease(
  cluster: PostgresCluster,
  url: string,
  switches: { to: Color; endedAt: number }[],
): Promise<LeaseAudit> {
  const number = async (sql: string) => Number((await cluster.query(url, sql)).trim() || "0");
  const orders = await number("SELECT count(*) FROM simulated_orders");
  const outside = await number(`
    SELECT count(*) FROM simulated_orders o
      LEFT JOIN trading_lease_history h ON h.epoch = o.lease_epoch
      LEFT JOIN trading_lease_history n ON n.epoch = o.lease_epoch + 1
     WHERE h.epoch IS NULL OR h.holder <> o.bot OR o.placed_at < h.acquired_at
        OR (h.released_at IS NOT NULL AND o.placed_at > h.released_at)
        OR (n.epoch IS NOT NULL AND o.placed_at >= n.acquired_at)`);
  const rows = (
    await cluster.query(
      url,
      `SELECT epoch, holder, extract(epoch FROM acquired_at) * 1000,
              coalesce(extract(epoch FROM released_at) * 1000, 0)
         FROM trading_lease_history ORDER BY epoch`,
    )
  )
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [epoch, holder, acquired, released] = line.split("|");
      return {
        epoch: Number(epoch),
        holder,
        acquired: Number(acquired),
        released: Number(released),
      };
    });
  const handovers: number[] = [];
  for (const event of switches) {
    const next = rows.find(
      (row) => row.acquired >= event.endedAt && row.holder.startsWith(`bot-${event.to}@`),
    );
    if (next) handovers.push(next.acquired - event.endedAt);
  }
  const gaps = rows
    .slice(1)
    .map((row, i) => (rows[i].released > 0 ? row.acquired - rows[i].released : undefined))
    .filter((gap): gap is number => gap !== undefined);
  const summary = (values: number[]) => ({
    p50: round(percentile(values, 50), 1),
    max: values.length ? (round(Math.max(...values), 1) as number) : undefined,
  });
  return {
    orders,
    ordersOutsideLease: outside,
    epochs: rows.length,
    handoverMs: {
      ...summary(handovers),
      count: handovers.length,
      each: handovers.map((ms) => round(ms, 1) as number),
    },
    gapMs: summary(gaps),
  };
}

export interface BotFigures extends LeaseAudit {
  samples: number;
  /** Samples in which both bots answered live. */
  twoLive: number;
  /** Both bots live by their own records. */
  overlapMs: number;
}
