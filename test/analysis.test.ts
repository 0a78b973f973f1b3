import { spawn } from "node:child_process";
import * as http from "node:http";
import { ANALYSIS_SCRIPT, type AnalysisSpec } from "../components/health/analysis";
import {
  HEALTH_CHECK_SCRIPT,
  type HealthCheck,
  type HealthResult,
} from "../components/health/checks";
import { TRADING_PROBES, type Faults, type TradingProbeKind } from "../contract/tradingChecks";
import {
  startReferenceService,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../reference-service/server";

interface ScriptRun {
  code: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

function runScript(script: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], {
      env: { ...process.env, AITB_HEALTH_CHECK_TIMEOUT_MS: "2000", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stderr,
        lines: stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      }),
    );
  });
}

const running: ReferenceService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
});

async function start(
  service: string,
  options: Partial<ReferenceServiceOptions> = {},
): Promise<{ port: number; base: string }> {
  const instance = await startReferenceService({
    service,
    color: "green",
    release: "2026.11.4",
    port: 0,
    faultSwitches: true,
    shutdownTimeoutMs: 100,
    ...options,
  });
  running.push(instance);
  return { port: instance.port, base: `http://127.0.0.1:${instance.port}` };
}

function inject(base: string, faults: Faults): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(faults);
    const req = http.request(
      `${base}/_aitb/faults`,
      { method: "POST", headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`faults: ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function probe(kind: TradingProbeKind, base: string): HealthCheck {
  return {
    name: `${kind}-green`,
    url: `${base}${TRADING_PROBES[kind].path}`,
    kind,
    color: "green",
    service: TRADING_PROBES[kind].service,
    expect: {},
    maxAgeSeconds: 5,
    budgetMs: 300,
    nextAction: TRADING_PROBES[kind].nextAction,
  };
}

async function judged(check: HealthCheck): Promise<HealthResult> {
  const run = await runScript(HEALTH_CHECK_SCRIPT, {
    AITB_HEALTH_CHECKS: JSON.stringify([check]),
    AITB_HEALTH_TIMEOUT_SECONDS: "0",
  });
  return run.lines[0] as unknown as HealthResult;
}

describe("the trading checks judge what the services answer", () => {
  const cases: { kind: TradingProbeKind; fault: Faults; detail: RegExp }[] = [
    { kind: "market-data", fault: { marketDataAgeSeconds: 600 }, detail: /market data stale/ },
    { kind: "inference", fault: { inferenceError: true }, detail: /HTTP 500/ },
    { kind: "inference", fault: { inferenceDelayMs: 600 }, detail: /budget 300 ms/ },
    { kind: "paper-order", fault: { rejectPaperOrders: true }, detail: /"rejected"/ },
    { kind: "notify", fault: { notifierDown: true }, detail: /HTTP 503/ },
  ];

  test.each(cases)(
    "$kind passes when healthy and fails with $fault",
    async ({ kind, fault, detail }) => {
      const { base } = await start(TRADING_PROBES[kind].service);
      const healthy = await judged(probe(kind, base));
      expect(healthy).toMatchObject({ ok: true, kind, color: "green", severity: "critical" });

      await inject(base, fault);
      const failed = await judged(probe(kind, base));
      expect(failed.ok).toBe(false);
      expect(failed.detail).toMatch(detail);
      expect(failed.nextAction).toBe(TRADING_PROBES[kind].nextAction);
    },
  );

  test("a bot's health result carries what it said: mode, lease and heartbeat age", async () => {
    const { base } = await start("bot", { tradingMode: "paper" });
    await inject(base, { heartbeatAgeSeconds: 300, reportLive: true });
    const result = await judged({
      name: "bot-green",
      url: `${base}/health`,
      kind: "health",
      expect: { service: "bot", color: "green" },
      heartbeatMaxAgeSeconds: 120,
      severity: "warning",
    });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/heartbeat stale: 30\d s old/);
    expect(result.observed).toMatchObject({ tradingMode: "live", leaseHeld: true });
    expect(result.observed?.heartbeatAgeSeconds).toBeGreaterThanOrEqual(300);
  });

  test("a standby bot that says it trades live fails as critical, whatever the check's severity", async () => {
    const { base } = await start("bot", { tradingMode: "live" });
    const result = await judged({
      name: "bot-green",
      url: `${base}/health`,
      expect: { service: "bot", tradingMode: "paper" },
      severity: "warning",
    });
    expect(result).toMatchObject({ ok: false, severity: "critical" });
  });
});

describe("before a switch, two bots that both say they trade live refuse it", () => {
  test("AITB_SINGLE_LIVE_BOT adds a critical result when a second bot reports live, and none when one does", async () => {
    const live = await start("bot", { color: "blue", tradingMode: "live" });
    const target = await start("bot", { tradingMode: "paper" });
    const checks: HealthCheck[] = [
      {
        name: "bot-green",
        url: `${target.base}/health`,
        service: "bot",
        color: "green",
        expect: {},
      },
      {
        name: "bot-blue",
        url: `${live.base}/health`,
        service: "bot",
        color: "blue",
        expect: {},
        severity: "warning",
      },
    ];
    const run = () =>
      runScript(HEALTH_CHECK_SCRIPT, {
        AITB_HEALTH_CHECKS: JSON.stringify(checks),
        AITB_HEALTH_TIMEOUT_SECONDS: "0",
        AITB_SINGLE_LIVE_BOT: "1",
      });
    const one = await run();
    expect(one.code).toBe(0);
    expect(one.lines.some((line) => line.name === "two live bots")).toBe(false);

    await inject(target.base, { reportLive: true });
    const two = await run();
    expect(two.code).toBe(1);
    expect(two.lines.find((line) => line.name === "two live bots")).toMatchObject({
      ok: false,
      severity: "critical",
      detail: "bot-green and bot-blue both report live trading",
    });
  });
});

describe("the pre-promotion analysis refuses a target whose routes fail when called directly", () => {
  async function preRun(target: string, proxy: string, key: string): Promise<ScriptRun> {
    return runScript(HEALTH_CHECK_SCRIPT, {
      AITB_HEALTH_CHECKS: JSON.stringify([]),
      AITB_HEALTH_TIMEOUT_SECONDS: "0",
      AITB_BASELINE_URLS: JSON.stringify([`${proxy}/api/`]),
      AITB_BASELINE_REQUESTS: "20",
      AITB_ANALYSIS_KEY: key,
      AITB_TARGET_TRAFFIC: JSON.stringify({
        color: "green",
        urls: [`${target}/api/`],
        successCondition: {
          maxErrorRate: 0.01,
          maxLatencyDegradationPercent: 75,
          minLatencyIncreaseMs: 25,
        },
      }),
    });
  }

  test("a healthy target passes and leaves its baseline; a 5xx or slow target is refused", async () => {
    const live = await start("webapp", { color: "blue" });
    const target = await start("webapp");
    const key = `test/analysis:${process.pid}:${Date.now()}`;
    const healthy = await preRun(target.base, live.base, key);
    expect(healthy.code).toBe(0);
    expect(healthy.lines.find((line) => "baseline" in line)?.baseline).toMatchObject({
      requests: 20,
      errors: 0,
    });

    await inject(target.base, { routeStatus: 503 });
    const failing = await preRun(target.base, live.base, key);
    expect(failing.code).toBe(1);
    expect(failing.lines.find((line) => line.name === "routes-green")).toMatchObject({
      ok: false,
      severity: "critical",
      detail: expect.stringMatching(/20 of 20 requests failed/),
    });

    await inject(target.base, { routeDelayMs: 150 });
    const slow = await preRun(target.base, live.base, key);
    expect(slow.code).toBe(1);
    expect(String(slow.lines.find((line) => line.name === "routes-green")?.detail)).toMatch(
      /p99 latency 1\d\d(\.\d)? ms vs \d+(\.\d)? ms before the switch/,
    );
  }, 30_000);
});

describe("the post-promotion analysis measures a window and fails past its failure limit", () => {
  const spec = (overrides: Partial<AnalysisSpec> = {}): AnalysisSpec => ({
    initialDelaySeconds: 0,
    intervalSeconds: 1,
    count: 3,
    failureLimit: 0,
    requests: 10,
    successCondition: {
      maxErrorRate: 0.01,
      maxLatencyDegradationPercent: 75,
      minLatencyIncreaseMs: 25,
    },
    ...overrides,
  });

  async function analyse(
    base: string,
    analysis: AnalysisSpec,
    checks: HealthCheck[] = [],
    key = "",
  ): Promise<ScriptRun> {
    return runScript(ANALYSIS_SCRIPT, {
      AITB_HEALTH_CHECKS: JSON.stringify(checks),
      AITB_ANALYSIS: JSON.stringify(analysis),
      AITB_TRAFFIC_URLS: JSON.stringify([`${base}/api/`]),
      AITB_ANALYSIS_KEY: key,
    });
  }

  test("healthy: every measurement passes", async () => {
    const { base } = await start("webapp");
    const run = await analyse(base, spec());
    expect(run.code).toBe(0);
    expect(run.lines.filter((line) => "measurement" in line)).toHaveLength(3);
    expect(run.lines.at(-1)).toMatchObject({ analysis: "passed", failures: 0 });
  });

  test("a failing trading check fails the first measurement and stops the window there", async () => {
    const { base } = await start("notifier");
    await inject(base, { notifierDown: true });
    const run = await analyse(base, spec({ count: 5 }), [probe("notify", base)]);
    expect(run.code).toBe(1);
    expect(run.lines.filter((line) => "measurement" in line)).toHaveLength(1);
    expect(run.lines.at(-1)).toMatchObject({ analysis: "failed", failures: 1 });
    expect(run.stderr).toMatch(/post-promotion analysis failed: .*notify-green \(HTTP 503/);
  });

  test("p99 latency more than 75 % above the pre-switch baseline fails; without a baseline latency is not judged", async () => {
    const live = await start("webapp", { color: "blue" });
    const { base } = await start("webapp");
    const key = `test/analysis-latency:${process.pid}:${Date.now()}`;
    const baseline = await runScript(HEALTH_CHECK_SCRIPT, {
      AITB_HEALTH_CHECKS: "[]",
      AITB_BASELINE_URLS: JSON.stringify([`${live.base}/api/`]),
      AITB_BASELINE_REQUESTS: "20",
      AITB_ANALYSIS_KEY: key,
    });
    expect(baseline.code).toBe(0);
    await inject(base, { routeDelayMs: 120 });
    const slow = await analyse(base, spec(), [], key);
    expect(slow.code).toBe(1);
    expect(String((slow.lines.at(-1)?.problems as string[])[0])).toMatch(
      /traffic: p99 latency 1\d\d(\.\d)? ms vs .* before the switch/,
    );

    // Without a baseline (a new stack) latency is not judged: error rates alone.
    const unjudged = await analyse(base, spec({ count: 1 }), [], "");
    expect(unjudged.code).toBe(0);
  }, 30_000);
});
