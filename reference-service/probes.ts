/**
 * The trading probes (docs/service-contract.md, "Trading checks"): market data and a paper order
 * on the bot, a prediction on inference, a test message on the notifier. None trades: the paper
 * order is filled here, against the simulated feed, and never reaches the lease or the orders the
 * trading loop places. The paths repeat those of contract/tradingChecks.ts, which this folder
 * cannot import (test/reference-probes.test.ts holds them equal).
 */
import type { Faults } from "./faults";
import { DEFAULT_SYMBOL, MarketFeed } from "./marketFeed";
import { openNotifySink, type Notification, type NotifySink } from "./notifySink";

export const PROBE_PREFIX = "/_aitb/probe";

export type ProbeKind = "market-data" | "inference" | "paper-order" | "notify";

export interface ProbeRoute {
  kind: ProbeKind;
  /** The service that answers it; every other service answers 404. */
  service: string;
  method: "GET" | "POST";
  path: string;
}

export const PROBES: Record<ProbeKind, ProbeRoute> = {
  "market-data": {
    kind: "market-data",
    service: "bot",
    method: "GET",
    path: `${PROBE_PREFIX}/market-data`,
  },
  inference: {
    kind: "inference",
    service: "inference",
    method: "POST",
    path: `${PROBE_PREFIX}/inference`,
  },
  "paper-order": {
    kind: "paper-order",
    service: "bot",
    method: "POST",
    path: `${PROBE_PREFIX}/paper-order`,
  },
  notify: { kind: "notify", service: "notifier", method: "POST", path: `${PROBE_PREFIX}/notify` },
};

const BY_PATH = new Map(Object.values(PROBES).map((probe) => [probe.path, probe]));

/** The probe at this path, whichever service answers it. */
export function probeAt(path: string): ProbeRoute | undefined {
  return BY_PATH.get(path);
}

export interface ProbeAnswer {
  statusCode: number;
  body: Record<string, unknown>;
}

const badRequest = (error: string): ProbeAnswer => ({ statusCode: 400, body: { error } });

/** The first field of `body` that does not pass, as a 400 answer naming it. */
function invalid(
  body: unknown,
  fields: Record<string, [expected: string, ok: (value: unknown) => boolean]>,
): ProbeAnswer | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return badRequest(`expected a JSON object with ${Object.keys(fields).join(", ")}`);
  }
  const record = body as Record<string, unknown>;
  for (const [name, [expected, ok]] of Object.entries(fields)) {
    if (!ok(record[name])) return badRequest(`"${name}" must be ${expected}`);
  }
  return undefined;
}

const text = (value: unknown): boolean => typeof value === "string" && value.length > 0;
const features = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((item) => typeof item === "number" && Number.isFinite(item));
const side = (value: unknown): boolean => value === "buy" || value === "sell";
const quantity = (value: unknown): boolean =>
  typeof value === "number" && Number.isFinite(value) && value > 0;

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

/**
 * A fixed linear model squashed twice, so that any finite features give a finite answer: the same
 * features always give the same prediction, and the confidence grows with its magnitude.
 */
export function predict(values: readonly number[]): { prediction: number; confidence: number } {
  let sum = 0;
  values.forEach((value, i) => {
    sum += (i % 2 === 0 ? 1 : -1) * (Math.tanh(value) / (i + 1));
  });
  const prediction = Math.tanh(sum);
  return { prediction: round(prediction), confidence: round(0.5 + Math.abs(prediction) / 2) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ProbesOptions {
  service: string;
  color: string;
  release: string;
  /** The bot's feed symbol. Default BTC-USD. */
  symbol?: string;
  /** The notifier's sink file; unset: memory. */
  notifySink?: string;
}

/** The probes one service answers, with the feed (bot) and the sink (notifier) they use. */
export class Probes {
  private readonly feed?: MarketFeed;
  private readonly sink?: NotifySink;

  constructor(private readonly options: ProbesOptions) {
    if (options.service === PROBES["market-data"].service) {
      this.feed = new MarketFeed(options.symbol ?? DEFAULT_SYMBOL);
    }
    if (options.service === PROBES.notify.service) this.sink = openNotifySink(options.notifySink);
  }

  start(): void {
    this.feed?.start();
  }

  close(): void {
    this.feed?.stop();
  }

  /** The test messages the memory sink holds. */
  delivered(): readonly Notification[] {
    return this.sink?.delivered() ?? [];
  }

  /** The answer to `kind` with the request body (undefined for a GET), under `faults`. */
  async answer(kind: ProbeKind, body: unknown, faults: Faults): Promise<ProbeAnswer> {
    switch (kind) {
      case "market-data":
        return this.marketData(faults);
      case "inference":
        return this.inference(body, faults);
      case "paper-order":
        return this.paperOrder(body, faults);
      case "notify":
        return this.notify(body, faults);
    }
  }

  private marketData(faults: Faults): ProbeAnswer {
    const feed = this.requireFeed();
    const at =
      faults.marketDataAgeSeconds === undefined
        ? feed.lastTickAt
        : Date.now() - faults.marketDataAgeSeconds * 1000;
    return {
      statusCode: 200,
      body: { lastTickAt: new Date(at).toISOString(), symbol: feed.symbol },
    };
  }

  private async inference(body: unknown, faults: Faults): Promise<ProbeAnswer> {
    const rejected = invalid(body, {
      symbol: ["a non-empty string", text],
      features: ["a non-empty array of finite numbers", features],
    });
    if (rejected) return rejected;
    if (faults.inferenceDelayMs) await sleep(faults.inferenceDelayMs);
    if (faults.inferenceError) {
      return { statusCode: 500, body: { error: "model failed (fault switch inferenceError)" } };
    }
    const { prediction, confidence } = predict((body as { features: number[] }).features);
    return {
      statusCode: 200,
      body: { prediction, confidence, model: `reference-${this.options.release}` },
    };
  }

  private paperOrder(body: unknown, faults: Faults): ProbeAnswer {
    const rejected = invalid(body, {
      clientOrderId: ["a non-empty string", text],
      symbol: ["a non-empty string", text],
      side: ['"buy" or "sell"', side],
      quantity: ["a number above 0", quantity],
    });
    if (rejected) return rejected;
    const order = body as { clientOrderId: string; quantity: number };
    if (faults.rejectPaperOrders) {
      return {
        statusCode: 200,
        body: {
          clientOrderId: order.clientOrderId,
          status: "rejected",
          reason: "rejected by the simulated exchange (fault switch rejectPaperOrders)",
          mode: "paper",
        },
      };
    }
    return {
      statusCode: 200,
      body: {
        clientOrderId: order.clientOrderId,
        status: "filled",
        filledQuantity: order.quantity,
        price: this.requireFeed().price,
        mode: "paper",
      },
    };
  }

  private async notify(body: unknown, faults: Faults): Promise<ProbeAnswer> {
    const rejected = invalid(body, {
      id: ["a non-empty string", text],
      message: ["a string", (value) => typeof value === "string"],
    });
    if (rejected) return rejected;
    const { id, message } = body as { id: string; message: string };
    const sink = this.requireSink();
    if (faults.notifierDown) {
      return {
        statusCode: 503,
        body: { id, delivered: false, error: "notifier down (fault switch notifierDown)" },
      };
    }
    try {
      await sink.deliver({
        time: new Date().toISOString(),
        id,
        message,
        color: this.options.color,
        release: this.options.release,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        statusCode: 503,
        body: { id, delivered: false, error: `cannot deliver to ${sink.name}: ${reason}` },
      };
    }
    return { statusCode: 200, body: { id, delivered: true, sink: sink.name } };
  }

  private requireFeed(): MarketFeed {
    if (!this.feed) throw new Error(`the ${this.options.service} service has no market feed`);
    return this.feed;
  }

  private requireSink(): NotifySink {
    if (!this.sink) throw new Error(`the ${this.options.service} service has no notify sink`);
    return this.sink;
  }
}
