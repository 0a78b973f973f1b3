import { runVerify } from "../../cli/commands/verify";
import { SERVICE_NAMES } from "../../domain/services";
import { COLORS } from "../../domain/colors";
import { startDevStack as startStack, type Closable, type Variations } from "./loopbackStack";
import { captureIo, removeProject, tempProject } from "./support";

let dir: string;
let running: Closable[] = [];

beforeEach(() => {
  dir = tempProject();
});
afterEach(async () => {
  await Promise.all(running.map((server) => server.close()));
  running = [];
  removeProject(dir);
});

function startDevStack(variations: Variations = {}): Promise<number> {
  return startStack(dir, running, variations);
}

async function verify(proxyPort: number) {
  const io = captureIo(dir);
  const code = await runVerify(
    { stack: "dev", endpoint: `http://127.0.0.1:${proxyPort}`, timeout: 1 },
    io,
  );
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("aitb verify against services on loopback", () => {
  test("all healthy: every check passes, with a progress line per check", async () => {
    const proxy = await startDevStack();
    const { code, out, err } = await verify(proxy);
    expect(out).toContain("PASSED: 13 of 13 checks\n");
    expect(code).toBe(0);
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES)
        expect(out).toMatch(new RegExp(`✓  ${service}-${color} `));
    }
    expect(out).toMatch(/✓ {2}bot-blue .*heartbeat \d+ s old/);
    expect(out).toMatch(/✓ {2}public \/api\/ +http:\/\/127\.0\.0\.1:\d+\/api\/health/);
    expect(out).not.toContain("✗");
    expect(err).toContain("verifying: 13/13 checks done, 0 failed");
  });

  test("an unhealthy service of the active color fails the run and is named", async () => {
    const proxy = await startDevStack({ "webapp-blue": { status: "degraded" } });
    const { code, out } = await verify(proxy);
    expect(code).toBe(1);
    expect(out).toContain('FAILED: 2 of 13 checks: webapp-blue (status "degraded")');
    expect(out).toMatch(/✗ {2}webapp-blue /);
  });

  test("an unhealthy standby is a warning: the run passes and names it, ranked below failures", async () => {
    const proxy = await startDevStack({ "webapp-green": { status: "degraded" } });
    const { code, out } = await verify(proxy);
    expect(code).toBe(0);
    expect(out).toContain(
      'PASSED: 12 of 13 checks; the standby color is not healthy (warning, it does not carry traffic): webapp-green (status "degraded")',
    );
    expect(out).toMatch(/⚠ {2}webapp-green /);

    const both = await startDevStack({
      "webapp-green": { status: "degraded" },
      "notifier-blue": { status: "down" },
    });
    const failed = await verify(both);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain(
      'FAILED: 1 of 13 checks: notifier-blue (status "down"); warnings (standby): webapp-green (status "degraded")',
    );
  });

  test("a standby bot that says it trades live is a failure, not a warning", async () => {
    const proxy = await startDevStack({ "bot-green": { tradingMode: "live" } });
    const { code, out } = await verify(proxy);
    expect(code).toBe(1);
    expect(out).toContain(
      'FAILED: 1 of 13 checks: bot-green (tradingMode is "live", expected "paper")',
    );
  });

  test("a service that does not answer times out after the per-check timeout and is named", async () => {
    const proxy = await startDevStack({ "notifier-blue": "silent" });
    const started = Date.now();
    const { code, out } = await verify(proxy);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(code).toBe(1);
    expect(out).toContain("FAILED: 1 of 13 checks: notifier-blue (timed out after 1000 ms)");
  });

  test("a stale bot heartbeat fails and names the bot", async () => {
    const proxy = await startDevStack({
      "bot-blue": { heartbeatFrozenAt: new Date(Date.now() - 300_000) },
    });
    const { code, out } = await verify(proxy);
    expect(code).toBe(1);
    expect(out).toMatch(
      /FAILED: 1 of 13 checks: bot-blue \(heartbeat stale: 30\d s old \(limit 120 s\)\)/,
    );
  });

  test("the active color reporting another release than its pin fails, publicly too", async () => {
    const proxy = await startDevStack({ "webapp-blue": { release: "2026.11.3" } });
    const { code, out } = await verify(proxy);
    expect(code).toBe(1);
    expect(out).toContain('webapp-blue (release is "2026.11.3", expected "2026.11.4")');
    expect(out).toContain('public / (release is "2026.11.3", expected "2026.11.4")');
  });
});
