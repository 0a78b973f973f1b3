import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  optionsFromEnv,
  startReferenceService,
  TRADING_PATH,
  type HealthReport,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../reference-service/server";
import { FAULT_NAMES, FAULT_SWITCHES_ENV, FAULTS_PATH } from "../reference-service/faults";
import { MAX_BODY_BYTES } from "../reference-service/jsonBody";
import { PROBE_PREFIX, PROBES, predict } from "../reference-service/probes";
import { FileLease } from "../reference-service/lease";
import * as contract from "../contract/tradingChecks";
import { encodeSwitchRecord } from "../domain/switchRecord";
import { writeSwitchRecord } from "../components/platform/switchRecord";

interface Reply {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

function request(
  port: number,
  method: string,
  urlPath: string,
  body?: unknown,
  raw?: string,
): Promise<Reply> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: urlPath,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: text,
            ms: Date.now() - startedAt,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const json = (reply: Reply): Record<string, unknown> =>
  JSON.parse(reply.body) as Record<string, unknown>;

const running: ReferenceService[] = [];
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-probes-"));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<ReferenceServiceOptions> = {}): Promise<ReferenceService> {
  const service = await startReferenceService({
    service: "bot",
    color: "blue",
    release: "2026.11.4",
    port: 0,
    tradingMode: "paper",
    ...options,
  });
  running.push(service);
  return service;
}

const inferenceBody = { symbol: "BTC-USD", features: [0.5, -1.25, 3] };
const orderBody = { clientOrderId: "probe-1", symbol: "BTC-USD", side: "buy", quantity: 0.5 };
const notifyBody = { id: "probe-7", message: "trading check" };

const setFaults = async (port: number, faults: unknown): Promise<Reply> => {
  const reply = await request(port, "POST", FAULTS_PATH, faults);
  expect(reply.statusCode).toBe(200);
  return reply;
};

const health = async (port: number): Promise<HealthReport> =>
  JSON.parse((await request(port, "GET", "/health")).body) as HealthReport;

const ageSeconds = (iso: unknown): number => (Date.now() - Date.parse(String(iso))) / 1000;

describe("the reference service repeats the contract's trading checks", () => {
  it("uses the contract's probe paths, methods and services, and its fault names", () => {
    expect(PROBE_PREFIX).toBe(contract.PROBE_PREFIX);
    expect(Object.keys(PROBES).sort()).toEqual([...contract.TRADING_PROBE_KINDS].sort());
    for (const kind of contract.TRADING_PROBE_KINDS) {
      const { service, method, path: probePath } = contract.TRADING_PROBES[kind];
      expect(PROBES[kind]).toEqual({ kind, service, method, path: probePath });
    }
    expect(FAULTS_PATH).toBe(contract.FAULTS_PATH);
    expect(FAULT_SWITCHES_ENV).toBe(contract.FAULT_SWITCHES_ENV);
    expect(FAULT_NAMES).toEqual(contract.FAULT_NAMES);
  });
});

describe("trading probes", () => {
  it("market-data reports a fresh tick of the configured symbol, uncached", async () => {
    const bot = await start();
    const reply = await request(bot.port, "GET", PROBES["market-data"].path);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    expect(reply.headers["cache-control"]).toBe("no-store");
    const body = json(reply);
    expect(Object.keys(body).sort()).toEqual(["lastTickAt", "symbol"]);
    expect(body.symbol).toBe("BTC-USD");
    expect(new Date(String(body.lastTickAt)).toISOString()).toBe(body.lastTickAt);
    expect(ageSeconds(body.lastTickAt)).toBeLessThan(5);

    const eth = await start({ symbol: "ETH-USD" });
    expect(json(await request(eth.port, "GET", PROBES["market-data"].path)).symbol).toBe("ETH-USD");
  });

  it("market-data ticks every second", async () => {
    const bot = await start();
    const first = json(await request(bot.port, "GET", PROBES["market-data"].path));
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const second = json(await request(bot.port, "GET", PROBES["market-data"].path));
    expect(Date.parse(String(second.lastTickAt))).toBeGreaterThan(
      Date.parse(String(first.lastTickAt)),
    );
    expect(ageSeconds(second.lastTickAt)).toBeLessThan(1.5);
  });

  it("inference answers a deterministic prediction from the features", async () => {
    const inference = await start({ service: "inference", release: "2026.12.1" });
    const reply = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["cache-control"]).toBe("no-store");
    const body = json(reply);
    expect(body).toEqual({
      prediction: expect.any(Number),
      confidence: expect.any(Number),
      model: "reference-2026.12.1",
    });
    expect(body.confidence).toBeGreaterThanOrEqual(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    const again = json(await request(inference.port, "POST", PROBES.inference.path, inferenceBody));
    expect(again).toEqual(body);
    const other = json(
      await request(inference.port, "POST", PROBES.inference.path, {
        symbol: "BTC-USD",
        features: [-2, 0.1],
      }),
    );
    expect(other.prediction).not.toBe(body.prediction);
  });

  it("inference stays finite and in range for extreme features", () => {
    for (const features of [[1e308, -1e308, 1e308], [-1e300], [0], [5, 5, 5, 5, 5, 5]]) {
      const { prediction, confidence } = predict(features);
      expect(Number.isFinite(prediction)).toBe(true);
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
    }
  });

  it("paper-order fills the order in paper mode without touching the lease or the loop's orders", async () => {
    writeSwitchRecord(path.join(dir, "switch"), encodeSwitchRecord({ activeColor: "green" }));
    const lease = new FileLease(path.join(dir, "lease", "lease.json"));
    const bot = await start({
      tradingMode: undefined,
      switchRecordDir: path.join(dir, "switch"),
      lease,
      standbyTradingMode: "paper",
      switchPollMs: 5,
      orderIntervalMs: 5,
    });
    for (const side of ["buy", "sell"]) {
      const reply = await request(bot.port, "POST", PROBES["paper-order"].path, {
        ...orderBody,
        side,
      });
      expect(reply.statusCode).toBe(200);
      const body = json(reply);
      expect(body).toEqual({
        clientOrderId: "probe-1",
        status: "filled",
        filledQuantity: 0.5,
        price: expect.any(Number),
        mode: "paper",
      });
      expect(body.price).toBeGreaterThan(0);
    }
    const report = await health(bot.port);
    expect(report.tradingMode).toBe("paper");
    expect(report.trading).toMatchObject({ ordersPlaced: 0, lease: { held: false } });
    expect(fs.existsSync(lease.file)).toBe(false);
    expect(fs.existsSync(lease.ordersFile)).toBe(false);
  });

  it("notify delivers to memory by default", async () => {
    const notifier = await start({ service: "notifier", color: "green" });
    const reply = await request(notifier.port, "POST", PROBES.notify.path, notifyBody);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(json(reply)).toEqual({ id: "probe-7", delivered: true, sink: "memory" });
    expect(notifier.notifications()).toEqual([
      {
        time: expect.any(String),
        id: "probe-7",
        message: "trading check",
        color: "green",
        release: "2026.11.4",
      },
    ]);
  });

  it("notify appends one JSON line per message to the sink file", async () => {
    const sink = path.join(dir, "notify.jsonl");
    const notifier = await start({ service: "notifier", notifySink: sink });
    for (const id of ["a", "b"]) {
      const reply = await request(notifier.port, "POST", PROBES.notify.path, {
        id,
        message: `m-${id}`,
      });
      expect(json(reply)).toEqual({ id, delivered: true, sink: `file:${sink}` });
    }
    const lines = fs
      .readFileSync(sink, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      { time: expect.any(String), id: "a", message: "m-a", color: "blue", release: "2026.11.4" },
      { time: expect.any(String), id: "b", message: "m-b", color: "blue", release: "2026.11.4" },
    ]);
    expect(notifier.notifications()).toEqual([]);
  });

  it("notify answers 503 undelivered when the sink file cannot be written", async () => {
    const notifier = await start({
      service: "notifier",
      notifySink: path.join(dir, "missing", "notify.jsonl"),
    });
    const reply = await request(notifier.port, "POST", PROBES.notify.path, notifyBody);
    expect(reply.statusCode).toBe(503);
    expect(json(reply)).toMatchObject({ id: "probe-7", delivered: false });
    expect(String(json(reply).error)).toMatch(/ENOENT/);
  });

  it("each probe is answered only by its own service", async () => {
    const services = {
      bot: await start({ service: "bot" }),
      inference: await start({ service: "inference" }),
      notifier: await start({ service: "notifier" }),
      webapp: await start({ service: "webapp" }),
    };
    const bodies = { inference: inferenceBody, "paper-order": orderBody, notify: notifyBody };
    for (const probe of Object.values(PROBES)) {
      for (const [name, service] of Object.entries(services)) {
        const body =
          probe.method === "POST" ? bodies[probe.kind as keyof typeof bodies] : undefined;
        const reply = await request(service.port, probe.method, probe.path, body);
        expect({ probe: probe.kind, name, status: reply.statusCode }).toEqual({
          probe: probe.kind,
          name,
          status: name === probe.service ? 200 : 404,
        });
        if (name !== probe.service) {
          expect(reply.headers["content-type"]).toBe("application/json");
          expect(String(json(reply).error)).toContain(`the ${probe.service} service`);
        }
      }
    }
    const unknown = await request(services.bot.port, "GET", `${PROBE_PREFIX}/order-book`);
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown).error).toMatch(/no trading probe/);
  });

  it("answers 405 to the wrong method", async () => {
    const bot = await start();
    const post = await request(bot.port, "POST", PROBES["market-data"].path, {});
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    const get = await request(bot.port, "GET", PROBES["paper-order"].path);
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe("POST");
  });

  it.each([
    ["inference", "inference", { symbol: "BTC-USD" }, /"features"/],
    ["inference", "inference", { symbol: "BTC-USD", features: [] }, /"features"/],
    ["inference", "inference", { symbol: "BTC-USD", features: [1, "2"] }, /"features"/],
    ["inference", "inference", { symbol: 7, features: [1] }, /"symbol"/],
    ["inference", "inference", [1, 2], /JSON object/],
    ["bot", "paper-order", { ...orderBody, side: "hold" }, /"side"/],
    ["bot", "paper-order", { ...orderBody, quantity: 0 }, /"quantity"/],
    ["bot", "paper-order", { ...orderBody, quantity: "1" }, /"quantity"/],
    ["bot", "paper-order", { ...orderBody, clientOrderId: "" }, /"clientOrderId"/],
    ["notifier", "notify", { id: "x" }, /"message"/],
    ["notifier", "notify", null, /JSON object/],
  ] as const)("%s answers 400 to a bad %s body %j", async (service, kind, body, error) => {
    const server = await start({ service });
    const reply = await request(server.port, "POST", PROBES[kind].path, body);
    expect(reply.statusCode).toBe(400);
    expect(json(reply).error).toMatch(error);
  });

  it("answers 400 to a body that is not JSON and 413 to one over the limit", async () => {
    const inference = await start({ service: "inference" });
    const garbled = await request(inference.port, "POST", PROBES.inference.path, undefined, "{");
    expect(garbled.statusCode).toBe(400);
    expect(json(garbled).error).toMatch(/not valid JSON/);
    const features = new Array<number>(MAX_BODY_BYTES / 2).fill(1);
    const large = await request(inference.port, "POST", PROBES.inference.path, {
      symbol: "BTC-USD",
      features,
    });
    expect(large.statusCode).toBe(413);
    expect(large.headers.connection).toBe("close");
  });

  it("answers 413 to a chunked body once it passes the limit", async () => {
    const inference = await start({ service: "inference" });
    const statusCode = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: inference.port,
          method: "POST",
          path: PROBES.inference.path,
          headers: { "transfer-encoding": "chunked" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(`{"symbol":"BTC-USD","features":[${"1,".repeat(MAX_BODY_BYTES / 2)}1]}`);
    });
    expect(statusCode).toBe(413);
  });
});

describe("fault switches", () => {
  it("are an ordinary path without the switch", async () => {
    const inference = await start({ service: "inference" });
    const post = await request(inference.port, "POST", FAULTS_PATH, { inferenceError: true });
    expect(post.statusCode).toBe(200);
    expect(json(post)).toEqual({
      service: "inference",
      color: "blue",
      release: "2026.11.4",
      path: FAULTS_PATH,
    });
    const probe = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(probe.statusCode).toBe(200);
  });

  it("report, replace and clear the faults", async () => {
    const bot = await start({ faultSwitches: true });
    const empty = await request(bot.port, "GET", FAULTS_PATH);
    expect(empty.statusCode).toBe(200);
    expect(empty.headers["cache-control"]).toBe("no-store");
    expect(json(empty)).toEqual({});
    await setFaults(bot.port, { inferenceError: true, routeDelayMs: 0 });
    expect(json(await setFaults(bot.port, { notifierDown: true }))).toEqual({
      notifierDown: true,
    });
    expect(json(await request(bot.port, "GET", FAULTS_PATH))).toEqual({ notifierDown: true });
    await setFaults(bot.port, {});
    expect(json(await request(bot.port, "GET", FAULTS_PATH))).toEqual({});
    expect((await request(bot.port, "DELETE", FAULTS_PATH)).statusCode).toBe(405);
  });

  it.each([
    [{ inferenceErrors: true }, /unknown fault "inferenceErrors"/],
    [{ inferenceError: "yes" }, /fault "inferenceError" is "yes"; expected a boolean/],
    [{ marketDataAgeSeconds: -1 }, /fault "marketDataAgeSeconds"/],
    [{ inferenceDelayMs: 1.5 }, /fault "inferenceDelayMs"/],
    [{ routeStatus: 99 }, /fault "routeStatus"/],
    [{ routeDelayMs: 10_000_000 }, /fault "routeDelayMs"/],
    [[], /JSON object/],
  ])("refuse %j, naming the field, and keep the faults set before", async (faults, error) => {
    const bot = await start({ faultSwitches: true });
    await setFaults(bot.port, { notifierDown: true });
    const reply = await request(bot.port, "POST", FAULTS_PATH, faults);
    expect(reply.statusCode).toBe(400);
    expect(json(reply).error).toMatch(error);
    expect(json(await request(bot.port, "GET", FAULTS_PATH))).toEqual({ notifierDown: true });
  });

  it("marketDataAgeSeconds ages the last tick", async () => {
    const bot = await start({ faultSwitches: true });
    await setFaults(bot.port, { marketDataAgeSeconds: 300 });
    const stale = json(await request(bot.port, "GET", PROBES["market-data"].path));
    expect(ageSeconds(stale.lastTickAt)).toBeGreaterThanOrEqual(299);
    expect(ageSeconds(stale.lastTickAt)).toBeLessThan(310);
    await setFaults(bot.port, {});
    const fresh = json(await request(bot.port, "GET", PROBES["market-data"].path));
    expect(ageSeconds(fresh.lastTickAt)).toBeLessThan(5);
  });

  it("inferenceError makes inference answer 500", async () => {
    const inference = await start({ service: "inference", faultSwitches: true });
    await setFaults(inference.port, { inferenceError: true });
    const failed = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(failed.statusCode).toBe(500);
    expect(json(failed).error).toMatch(/inferenceError/);
    await setFaults(inference.port, {});
    const ok = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(ok.statusCode).toBe(200);
  });

  it("inferenceDelayMs delays the inference answer", async () => {
    const inference = await start({ service: "inference", faultSwitches: true });
    await setFaults(inference.port, { inferenceDelayMs: 400 });
    const slow = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(slow.statusCode).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(390);
    await setFaults(inference.port, {});
    const fast = await request(inference.port, "POST", PROBES.inference.path, inferenceBody);
    expect(fast.ms).toBeLessThan(390);
  });

  it("rejectPaperOrders rejects the paper order with a reason", async () => {
    const bot = await start({ faultSwitches: true });
    await setFaults(bot.port, { rejectPaperOrders: true });
    const rejected = await request(bot.port, "POST", PROBES["paper-order"].path, orderBody);
    expect(rejected.statusCode).toBe(200);
    expect(json(rejected)).toEqual({
      clientOrderId: "probe-1",
      status: "rejected",
      reason: expect.stringMatching(/rejectPaperOrders/),
      mode: "paper",
    });
    await setFaults(bot.port, {});
    const filled = await request(bot.port, "POST", PROBES["paper-order"].path, orderBody);
    expect(json(filled).status).toBe("filled");
  });

  it("notifierDown answers 503 and delivers nothing", async () => {
    const sink = path.join(dir, "notify.jsonl");
    const notifier = await start({ service: "notifier", notifySink: sink, faultSwitches: true });
    await setFaults(notifier.port, { notifierDown: true });
    const down = await request(notifier.port, "POST", PROBES.notify.path, notifyBody);
    expect(down.statusCode).toBe(503);
    expect(json(down)).toMatchObject({ id: "probe-7", delivered: false });
    expect(fs.existsSync(sink)).toBe(false);
    await setFaults(notifier.port, {});
    const up = await request(notifier.port, "POST", PROBES.notify.path, notifyBody);
    expect(json(up)).toMatchObject({ delivered: true });
    expect(fs.readFileSync(sink, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("heartbeatAgeSeconds ages the bot's reported heartbeat", async () => {
    const bot = await start({ faultSwitches: true, heartbeatIntervalMs: 20 });
    await setFaults(bot.port, { heartbeatAgeSeconds: 600 });
    const stale = await health(bot.port);
    expect(ageSeconds(stale.lastHeartbeat)).toBeGreaterThanOrEqual(599);
    expect(ageSeconds(stale.lastHeartbeat)).toBeLessThan(610);
    await setFaults(bot.port, {});
    expect(ageSeconds((await health(bot.port)).lastHeartbeat)).toBeLessThan(5);
  });

  it("reportLive makes a standby bot report live under the lease, while it takes no lease and places no order", async () => {
    // The record names this bot, but another holds the lease: the bot stays in standby.
    writeSwitchRecord(path.join(dir, "switch"), encodeSwitchRecord({ activeColor: "blue" }));
    const lease = new FileLease(path.join(dir, "lease", "lease.json"));
    const held = JSON.stringify({ holder: "other", epoch: 7, expiresAt: Date.now() + 60_000 });
    fs.writeFileSync(lease.file, held);
    const bot = await start({
      faultSwitches: true,
      tradingMode: undefined,
      switchRecordDir: path.join(dir, "switch"),
      lease,
      standbyTradingMode: "paper",
      switchPollMs: 5,
      orderIntervalMs: 5,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await health(bot.port)).trading?.problem).toMatch(/held by another bot/);
    await setFaults(bot.port, { reportLive: true });
    const live = await health(bot.port);
    expect(live.tradingMode).toBe("live");
    expect(live.trading).toMatchObject({ tradingMode: "live", lease: { held: true } });
    expect(live.trading).not.toHaveProperty("problem");
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The trading loop itself stays in standby.
    const state = json(await request(bot.port, "GET", TRADING_PATH));
    expect(state).toMatchObject({ tradingMode: "paper", ordersPlaced: 0, lease: { held: false } });
    expect(fs.readFileSync(lease.file, "utf8")).toBe(held);
    expect(fs.existsSync(lease.ordersFile)).toBe(false);
    await setFaults(bot.port, {});
    const standby = await health(bot.port);
    expect(standby.tradingMode).toBe("paper");
    expect(standby.trading).toMatchObject({ lease: { held: false } });
  });

  it("reportLive reports a lease even for a bot whose mode a test fixed", async () => {
    const bot = await start({ faultSwitches: true, tradingMode: "paper" });
    await setFaults(bot.port, { reportLive: true });
    const report = await health(bot.port);
    expect(report.tradingMode).toBe("live");
    expect(report.trading).toMatchObject({ tradingMode: "live", lease: { held: true } });
  });

  it("routeStatus fails every ordinary path, and leaves health, probes, trading and the switches alone", async () => {
    const bot = await start({
      faultSwitches: true,
      tradingMode: undefined,
      standbyTradingMode: "paper",
    });
    await setFaults(bot.port, { routeStatus: 503 });
    const route = await request(bot.port, "GET", "/dashboard/orders?x=1");
    expect(route.statusCode).toBe(503);
    expect(route.headers["content-type"]).toBe("application/json");
    expect(json(route)).toMatchObject({ path: "/dashboard/orders", error: expect.any(String) });
    expect((await request(bot.port, "POST", "/api/predict", {})).statusCode).toBe(503);
    expect((await request(bot.port, "GET", "/health")).statusCode).toBe(200);
    expect((await request(bot.port, "GET", PROBES["market-data"].path)).statusCode).toBe(200);
    expect((await request(bot.port, "GET", TRADING_PATH)).statusCode).toBe(200);
    expect((await request(bot.port, "GET", FAULTS_PATH)).statusCode).toBe(200);
    await setFaults(bot.port, {});
    expect((await request(bot.port, "GET", "/dashboard/orders")).statusCode).toBe(200);
  });

  it("routeDelayMs delays every ordinary path, not health", async () => {
    const webapp = await start({ service: "webapp", faultSwitches: true });
    await setFaults(webapp.port, { routeDelayMs: 400 });
    const slow = await request(webapp.port, "GET", "/orders");
    expect(slow.statusCode).toBe(200);
    expect(json(slow).path).toBe("/orders");
    expect(slow.ms).toBeGreaterThanOrEqual(390);
    expect((await request(webapp.port, "GET", "/health")).ms).toBeLessThan(390);
    await setFaults(webapp.port, {});
    expect((await request(webapp.port, "GET", "/orders")).ms).toBeLessThan(390);
  });
});

describe("probe and fault settings from the environment", () => {
  const base = { AITB_SERVICE: "bot", AITB_COLOR: "blue", AITB_RELEASE: "1" };

  it("reads the symbol, the notify sink and the fault switch", () => {
    expect(
      optionsFromEnv({
        ...base,
        AITB_SYMBOL: "ETH-USD",
        AITB_NOTIFY_SINK: "/tmp/notify.jsonl",
        AITB_FAULT_SWITCHES: "on",
      }),
    ).toMatchObject({ symbol: "ETH-USD", notifySink: "/tmp/notify.jsonl", faultSwitches: true });
    const plain = optionsFromEnv({ ...base, AITB_FAULT_SWITCHES: "" });
    expect(plain.faultSwitches).toBeUndefined();
    expect(plain.symbol).toBeUndefined();
  });

  it("refuses any fault switch value but on, naming the variable", () => {
    for (const value of ["yes", "true", "ON", "off"]) {
      expect(() => optionsFromEnv({ ...base, AITB_FAULT_SWITCHES: value })).toThrow(
        new RegExp(`AITB_FAULT_SWITCHES is "${value}"; expected "on"`),
      );
    }
  });
});
