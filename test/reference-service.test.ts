import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  optionsFromEnv,
  startReferenceService,
  type HealthReport,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../reference-service/server";
import { FileLease, PostgresLease, type FileOrder } from "../reference-service/lease";
import { SWITCH_RECORD_CURRENT, SWITCH_RECORD_FILE } from "../reference-service/switchRecord";
import { SWITCH_RECORD_LAYOUT, encodeSwitchRecord } from "../domain/switchRecord";
import { writeSwitchRecord } from "../components/platform/switchRecord";
import { Cleanup } from "../drills/cleanup";
import { startPostgres } from "../drills/restore/postgres";
import { postgresBinDir } from "../drills/tools";

interface Reply {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
  });
}

async function health(port: number, path = "/health"): Promise<HealthReport> {
  const reply = await get(port, path);
  expect(reply.statusCode).toBe(200);
  expect(reply.headers["content-type"]).toBe("application/json");
  return JSON.parse(reply.body) as HealthReport;
}

const running: ReferenceService[] = [];

async function start(options: Partial<ReferenceServiceOptions> = {}): Promise<ReferenceService> {
  const service = await startReferenceService({
    service: "webapp",
    color: "blue",
    release: "2026.11.4",
    port: 0,
    ...options,
  });
  running.push(service);
  return service;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
});

describe("reference service health endpoint", () => {
  it("reports a webapp's identity and status without bot fields", async () => {
    const before = Date.now();
    const service = await start({ service: "webapp", color: "green", release: "2026.11.4" });
    const report = await health(service.port);
    expect(report).toEqual({
      service: "webapp",
      color: "green",
      release: "2026.11.4",
      status: "ok",
      startedAt: expect.any(String),
    });
    expect(Date.parse(report.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(report).not.toHaveProperty("tradingMode");
    expect(report).not.toHaveProperty("lastHeartbeat");
  });

  it("reports the bot's trading mode and a fresh, advancing heartbeat", async () => {
    const service = await start({
      service: "bot",
      color: "blue",
      tradingMode: "paper",
      heartbeatIntervalMs: 20,
    });
    const first = await health(service.port);
    expect(first.tradingMode).toBe("paper");
    expect(first.status).toBe("ok");
    const age = Date.now() - Date.parse(first.lastHeartbeat ?? "");
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(120_000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const second = await health(service.port);
    expect(Date.parse(second.lastHeartbeat ?? "")).toBeGreaterThan(
      Date.parse(first.lastHeartbeat ?? ""),
    );
  });

  it("starts a bot suspended when no trading mode is given", async () => {
    const service = await start({ service: "bot" });
    expect((await health(service.port)).tradingMode).toBe("suspended");
  });

  it("reports a forced degraded status", async () => {
    const service = await start({ service: "inference", status: "degraded" });
    const report = await health(service.port);
    expect(report.status).toBe("degraded");
    expect(report.service).toBe("inference");
  });

  it("reports a frozen heartbeat exactly as given", async () => {
    const frozenAt = "2026-03-02T14:30:00.000Z";
    const service = await start({
      service: "bot",
      tradingMode: "live",
      heartbeatIntervalMs: 10,
      heartbeatFrozenAt: frozenAt,
    });
    expect((await health(service.port)).lastHeartbeat).toBe(frozenAt);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const report = await health(service.port);
    expect(report.lastHeartbeat).toBe(frozenAt);
    expect(report.tradingMode).toBe("live");
  });

  it("serves the health report on a configured path, with or without a query", async () => {
    const service = await start({ healthPath: "/healthz" });
    expect((await health(service.port, "/healthz?probe=1")).service).toBe("webapp");
    const other = await get(service.port, "/health");
    expect(JSON.parse(other.body)).toEqual({
      service: "webapp",
      color: "blue",
      release: "2026.11.4",
      path: "/health",
    });
  });
});

describe("reference service other paths", () => {
  it("answers any other path with the color that served it", async () => {
    const service = await start({ service: "dashboard", color: "green", release: "2026.12.1" });
    const reply = await get(service.port, "/dashboard/orders?since=today");
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({
      service: "dashboard",
      color: "green",
      release: "2026.12.1",
      path: "/dashboard/orders",
    });
  });

  it("keeps client connections alive longer than nginx's upstream keep-alive", async () => {
    const service = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(service.port, "/a", agent);
      expect(first.headers.connection).toBe("keep-alive");
      expect(first.headers["keep-alive"]).toBe("timeout=65");
      await get(service.port, "/b", agent);
    } finally {
      agent.destroy();
    }
  });
});

describe("reference service shutdown", () => {
  it("closes with an idle keep-alive connection open, then refuses connections", async () => {
    const service = await start();
    const agent = new http.Agent({ keepAlive: true });
    try {
      await get(service.port, "/", agent);
      const startedAt = Date.now();
      await service.close();
      expect(Date.now() - startedAt).toBeLessThan(1000);
      await expect(get(service.port, "/")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      agent.destroy();
    }
  });

  it("finishes an in-flight request before the close completes", async () => {
    const service = await start({ shutdownTimeoutMs: 5000 });
    const socket = net.connect(service.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    let response = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (response += chunk));
    const ended = new Promise<void>((resolve) => socket.once("end", resolve));

    socket.write("GET /in-flight HTTP/1.1\r\nHost: aitb\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = service.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);

    socket.write("\r\n");
    await ended;
    await closing;
    socket.destroy();
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(response).toContain('"path":"/in-flight"');
  });

  it("can be closed twice", async () => {
    const service = await start();
    await Promise.all([service.close(), service.close()]);
    await service.close();
  });
});

describe("reference service configuration", () => {
  it("reads the deploy stack's environment variables", () => {
    expect(
      optionsFromEnv({
        AITB_SERVICE: "bot",
        AITB_COLOR: "green",
        AITB_RELEASE: "2026.11.4",
        PORT: "8002",
        AITB_SWITCH_RECORD: "/run/aitb/switch",
        AITB_STANDBY_TRADING_MODE: "paper",
        AITB_TRADING_LEASE: "postgres",
        AITB_LEASE_TTL_MS: "9000",
        AITB_HEARTBEAT_INTERVAL_MS: "1000",
        DATABASE_URL: "postgres://aitb@db/aitb",
      }),
    ).toEqual({
      service: "bot",
      color: "green",
      release: "2026.11.4",
      port: 8002,
      host: "0.0.0.0",
      healthPath: undefined,
      switchRecordDir: "/run/aitb/switch",
      standbyTradingMode: "paper",
      tradingLease: "postgres",
      switchPollMs: undefined,
      leaseTtlMs: 9000,
      orderIntervalMs: undefined,
      status: undefined,
      heartbeatIntervalMs: 1000,
      heartbeatFrozenAt: undefined,
      databaseUrl: "postgres://aitb@db/aitb",
    });
  });

  it("refuses a trading mode from the environment: live is only ever the lease's", () => {
    expect(() =>
      optionsFromEnv({
        AITB_SERVICE: "bot",
        AITB_COLOR: "blue",
        AITB_RELEASE: "1",
        AITB_TRADING_MODE: "live",
      }),
    ).toThrow(/AITB_TRADING_MODE is "live", and it is no longer read/);
    expect(() =>
      optionsFromEnv({
        AITB_SERVICE: "bot",
        AITB_COLOR: "blue",
        AITB_RELEASE: "1",
        AITB_STANDBY_TRADING_MODE: "live",
      }),
    ).toThrow(/AITB_STANDBY_TRADING_MODE is "live"; expected one of paper, suspended/);
  });

  it("refuses a lease store it does not know, and a PostgreSQL lease without a database", async () => {
    await expect(start({ service: "bot", tradingLease: "redis" })).rejects.toThrow(
      /AITB_TRADING_LEASE is "redis"; expected postgres or file:<path>/,
    );
    await expect(start({ service: "bot", tradingLease: "postgres" })).rejects.toThrow(
      /DATABASE_URL is not set/,
    );
  });

  it("rejects a missing or unknown value, naming the variable", () => {
    expect(() => optionsFromEnv({ AITB_COLOR: "blue", AITB_RELEASE: "1" })).toThrow(
      /AITB_SERVICE is not set/,
    );
    expect(() =>
      optionsFromEnv({ AITB_SERVICE: "bot", AITB_COLOR: "red", AITB_RELEASE: "1" }),
    ).toThrow(/AITB_COLOR is "red"; expected one of blue, green/);
  });

  it("rejects an unparseable frozen heartbeat before listening", async () => {
    await expect(start({ service: "bot", heartbeatFrozenAt: "yesterday" })).rejects.toThrow(
      /AITB_HEARTBEAT_FROZEN_AT is "yesterday"/,
    );
  });
});

describe("the reference bot's run-time trading mode", () => {
  let dir: string;
  const record = (activeColor: "blue" | "green") => encodeSwitchRecord({ activeColor });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-bot-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const bot = (
    color: "blue" | "green",
    lease: FileLease,
    extra: Partial<ReferenceServiceOptions> = {},
  ) =>
    start({
      service: "bot",
      color,
      switchRecordDir: path.join(dir, "switch"),
      lease,
      standbyTradingMode: "paper",
      switchPollMs: 5,
      leaseTtlMs: 600,
      orderIntervalMs: 5,
      ...extra,
    });

  async function until(what: string, check: () => Promise<boolean>, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const orders = (lease: FileLease): FileOrder[] =>
    fs.existsSync(lease.ordersFile)
      ? fs
          .readFileSync(lease.ordersFile, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as FileOrder)
      : [];

  it("reads the record where the targets write it (one layout)", () => {
    expect(SWITCH_RECORD_CURRENT).toBe(SWITCH_RECORD_LAYOUT.current);
    expect(SWITCH_RECORD_FILE).toBe(SWITCH_RECORD_LAYOUT.record);
    writeSwitchRecord(path.join(dir, "switch"), record("green"));
    const current = path.join(dir, "switch", SWITCH_RECORD_LAYOUT.current);
    expect(fs.readFileSync(path.join(current, SWITCH_RECORD_LAYOUT.record), "utf8")).toBe(
      `${record("green")}\n`,
    );
    expect(fs.existsSync(path.join(current, "green"))).toBe(true);
    expect(fs.existsSync(path.join(current, "blue"))).toBe(false);
    expect(writeSwitchRecord(path.join(dir, "switch"), record("green"))).toBe("unchanged");
  });

  it("follows the record: only the named color's bot trades live, and never two at once", async () => {
    const lease = new FileLease(path.join(dir, "lease.json"));
    writeSwitchRecord(path.join(dir, "switch"), record("blue"));
    const blue = await bot("blue", lease);
    const green = await bot("green", new FileLease(lease.file));
    await until("blue live", async () => (await health(blue.port)).tradingMode === "live");
    expect((await health(green.port)).tradingMode).toBe("paper");

    let sampling = true;
    let twoLive = 0;
    const sampler = (async () => {
      while (sampling) {
        const [b, g] = await Promise.all([health(blue.port), health(green.port)]);
        if (b.tradingMode === "live" && g.tradingMode === "live") twoLive++;
      }
    })();
    for (const color of ["green", "blue", "green"] as const) {
      writeSwitchRecord(path.join(dir, "switch"), record(color));
      const [live, other] = color === "green" ? [green, blue] : [blue, green];
      await until(`${color} live`, async () => (await health(live.port)).tradingMode === "live");
      expect((await health(other.port)).tradingMode).toBe("paper");
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    sampling = false;
    await sampler;
    expect(twoLive).toBe(0);

    const report = await health(green.port);
    expect(report.trading).toMatchObject({
      desiredColor: "green",
      lease: { store: "file", held: true, epoch: 4 },
    });
    // Every order carries the epoch of the lease its bot held when it was written.
    const history = fs
      .readFileSync(lease.historyFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { epoch: number; holder: string });
    const holders = new Map(history.map((entry) => [entry.epoch, entry.holder]));
    const placed = orders(lease);
    expect(placed.length).toBeGreaterThan(0);
    for (const order of placed) expect(holders.get(order.leaseEpoch)).toBe(order.bot);
    // Orders only under the four leases of the three switches (a busy machine may see a short
    // lease place none before it is handed over).
    const epochs = new Set(placed.map((order) => order.leaseEpoch));
    for (const epoch of epochs) expect([1, 2, 3, 4]).toContain(epoch);
  });

  it("stops trading live when the lease is taken from it, and places no order after", async () => {
    const lease = new FileLease(path.join(dir, "lease.json"));
    writeSwitchRecord(path.join(dir, "switch"), record("blue"));
    const blue = await bot("blue", lease);
    await until("blue live", async () => (await health(blue.port)).tradingMode === "live");
    // Another holder takes the lease (an operator, a bot the record does not know of).
    const state = JSON.parse(fs.readFileSync(lease.file, "utf8")) as { epoch: number };
    fs.writeFileSync(
      lease.file,
      JSON.stringify({
        holder: "intruder",
        epoch: state.epoch + 1,
        expiresAt: Date.now() + 60_000,
      }),
    );
    const takenAt = Date.now();
    await until("blue not live", async () => (await health(blue.port)).tradingMode !== "live");
    const report = await health(blue.port);
    expect(report.tradingMode).toBe("paper");
    // Refused at its next renewal or order, or, on a machine too busy for either, past its deadline.
    expect(report.trading?.problem).toMatch(
      /renewal was refused|order was refused|not renewed in time|held by another bot/,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(orders(lease).filter((order) => order.placedAt > takenAt + 1)).toEqual([]);
  });

  it("does not trade live without a record, and says why", async () => {
    const service = await bot("blue", new FileLease(path.join(dir, "lease.json")));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const report = await health(service.port);
    expect(report.tradingMode).toBe("paper");
    expect(report.trading?.problem).toMatch(/cannot read .*record\.json: ENOENT/);
  });

  it("refuses an order whose epoch is not the lease's, in the order's own step", async () => {
    const lease = new FileLease(path.join(dir, "lease.json"));
    const first = await lease.acquire("a", 10_000);
    expect(first).toEqual({ epoch: 1 });
    expect(await lease.acquire("b", 10_000)).toBeUndefined();
    const order = { symbol: "SPY", side: "buy" as const, quantity: 1, price: 500 };
    expect(await lease.placeOrder("a", 1, order)).toBe(true);
    expect(await lease.release("a", 1)).toBe(true);
    expect(await lease.placeOrder("a", 1, order)).toBe(false);
    expect(await lease.acquire("b", 10_000)).toEqual({ epoch: 2 });
    expect(await lease.placeOrder("a", 1, order)).toBe(false);
    expect(await lease.renew("a", 1, 10_000)).toBe(false);
    expect(orders(lease).map((o) => [o.bot, o.leaseEpoch])).toEqual([["a", 1]]);
  });
});

describe("the trading lease on PostgreSQL", () => {
  const cleanup = new Cleanup();
  let url: string;
  const leases: PostgresLease[] = [];
  let cluster: Awaited<ReturnType<typeof startPostgres>>;

  beforeAll(async () => {
    const folder = cleanup.folder("aitb-lease-pg-");
    cluster = await startPostgres(cleanup, {
      folder,
      host: "127.0.0.1",
      user: "aitb",
      bin: postgresBinDir(),
    });
    await cluster.query(cluster.url("postgres"), "CREATE DATABASE aitb");
    url = cluster.url("aitb");
  }, 60_000);
  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.close()));
  });
  afterAll(() => cleanup.run());

  const open = (): PostgresLease => {
    const lease = PostgresLease.open(url);
    leases.push(lease);
    return lease;
  };
  const order = { symbol: "SPY", side: "sell" as const, quantity: 2, price: 501.5 };

  it("grants one holder at a time, fences orders by epoch, and passes on only when released or expired", async () => {
    const [a, b] = await Promise.all([open(), open()]);
    // Both bots start at once: the schema is created once, one of them gets the lease.
    const grants = await Promise.all([a.acquire("bot-blue", 400), b.acquire("bot-green", 400)]);
    expect(grants.filter(Boolean)).toHaveLength(1);
    const [winner, loser, winnerName, loserName] = grants[0]
      ? [a, b, "bot-blue", "bot-green"]
      : [b, a, "bot-green", "bot-blue"];
    const epoch = (grants[0] ?? grants[1])?.epoch as number;
    expect(await winner.placeOrder(winnerName, epoch, order)).toBe(true);
    expect(await loser.placeOrder(loserName, epoch, order)).toBe(false);
    expect(await winner.renew(winnerName, epoch, 400)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 450));
    // Expired: no order, no renewal; the other bot may take it, with the next epoch.
    expect(await winner.placeOrder(winnerName, epoch, order)).toBe(false);
    expect(await winner.renew(winnerName, epoch, 400)).toBe(false);
    expect(await loser.acquire(loserName, 10_000)).toEqual({ epoch: epoch + 1 });
    expect(await winner.release(winnerName, epoch)).toBe(false);
    expect(await loser.placeOrder(loserName, epoch + 1, order)).toBe(true);
    expect(await loser.release(loserName, epoch + 1)).toBe(true);
    const rows = await cluster.query(
      url,
      "SELECT o.bot = h.holder FROM simulated_orders o JOIN trading_lease_history h ON h.epoch = o.lease_epoch ORDER BY o.id",
    );
    expect(rows.trim().split("\n")).toEqual(["t", "t"]);
  });

  it("a bot run as the deploy stack runs it trades live under the lease when the record names it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-bot-pg-"));
    try {
      writeSwitchRecord(path.join(dir, "switch"), encodeSwitchRecord({ activeColor: "green" }));
      const green = await start({
        service: "bot",
        color: "green",
        release: "2",
        switchRecordDir: path.join(dir, "switch"),
        tradingLease: "postgres",
        databaseUrl: url,
        standbyTradingMode: "paper",
        switchPollMs: 10,
        orderIntervalMs: 10,
      });
      const deadline = Date.now() + 10_000;
      let report = await health(green.port);
      while (report.tradingMode !== "live" && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        report = await health(green.port);
      }
      expect(report.trading).toMatchObject({ lease: { store: "postgres", held: true } });
      await green.close();
      // Closing released the lease: the next holder needs no expiry.
      const next = open();
      expect(await next.acquire("bot-blue", 1_000)).toBeDefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("the reference service's image", () => {
  test("installs the PostgreSQL driver at the version package.json pins", () => {
    const root = path.resolve(__dirname, "..");
    const dockerfile = fs.readFileSync(path.join(root, "reference-service", "Dockerfile"), "utf8");
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(/^ARG PG_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(pkg.dependencies.pg);
    expect(dockerfile).toMatch(/npm install --prefix \/build\/runtime .*pg@\$\{PG_VERSION\}/);
    expect(dockerfile).toContain("COPY --from=build /build/runtime/node_modules ./node_modules");
    // Every module of the service is compiled, so the image runs what the tests run.
    const modules = fs
      .readdirSync(path.join(root, "reference-service"))
      .filter((file) => file.endsWith(".ts"))
      .sort();
    const compiled = /RUN npx tsc ([^\n\\]+)/
      .exec(dockerfile)?.[1]
      .trim()
      .split(/\s+/)
      .filter((w) => w.endsWith(".ts"))
      .sort();
    expect(compiled).toEqual(modules);
  });
});
