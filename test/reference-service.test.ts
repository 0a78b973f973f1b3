import * as http from "node:http";
import * as net from "node:net";
import {
  optionsFromEnv,
  startReferenceService,
  type HealthReport,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../reference-service/server";

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
        AITB_TRADING_MODE: "paper",
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
      tradingMode: "paper",
      status: undefined,
      heartbeatIntervalMs: 1000,
      heartbeatFrozenAt: undefined,
      databaseUrl: "postgres://aitb@db/aitb",
    });
  });

  it("rejects a missing or unknown value, naming the variable", () => {
    expect(() => optionsFromEnv({ AITB_COLOR: "blue", AITB_RELEASE: "1" })).toThrow(
      /AITB_SERVICE is not set/,
    );
    expect(() =>
      optionsFromEnv({ AITB_SERVICE: "bot", AITB_COLOR: "red", AITB_RELEASE: "1" }),
    ).toThrow(/AITB_COLOR is "red"; expected one of blue, green/);
    expect(() =>
      optionsFromEnv({
        AITB_SERVICE: "bot",
        AITB_COLOR: "blue",
        AITB_RELEASE: "1",
        AITB_TRADING_MODE: "LIVE",
      }),
    ).toThrow(/AITB_TRADING_MODE is "LIVE"/);
  });

  it("rejects an unparseable frozen heartbeat before listening", async () => {
    await expect(start({ service: "bot", heartbeatFrozenAt: "yesterday" })).rejects.toThrow(
      /AITB_HEARTBEAT_FROZEN_AT is "yesterday"/,
    );
  });
});
