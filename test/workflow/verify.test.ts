import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { runRollback } from "../../cli/commands/rollback";
import { runVerify, type VerifyFlags } from "../../cli/commands/verify";
import { planStack, type Plan } from "../../cli/engine/plan";
import { readStackSource } from "../../cli/engine/stackFiles";
import {
  botReports,
  describeBot,
  findingLine,
  hasCriticalFinding,
  rankFindings,
} from "../../cli/commands/verify/observations";
import { declaredChecks } from "../../cli/commands/verify/verification";
import type { HealthCheck, HealthResult } from "../../components/health/checks";
import type { RestoreVerification } from "../../domain/restoreManifest";
import { SERVICE_NAMES } from "../../domain/services";
import { COLORS } from "../../domain/colors";
import { startDevStack as startStack, type Closable, type Variations } from "./loopbackStack";
import { captureIo, removeProject, tempProject } from "./support";

let dir: string;
let running: Closable[] = [];
const originalPath = process.env.PATH;

beforeEach(() => {
  dir = tempProject();
});
afterEach(async () => {
  process.env.PATH = originalPath;
  await Promise.all(running.map((server) => server.close()));
  running = [];
  removeProject(dir);
});

function startDevStack(variations: Variations = {}): Promise<number> {
  return startStack(dir, running, variations);
}

async function planOf(stack: string): Promise<Plan> {
  return planStack({ source: readStackSource(dir, stack), now: new Date() });
}

async function planChecks(stack: string): Promise<HealthCheck[]> {
  return declaredChecks(await planOf(stack));
}

/** What a deployed stack exports: `checkUrls` by check name, and the public endpoint. */
function outputsOf(checks: HealthCheck[], publicEndpoint: string): Record<string, unknown> {
  return { checkUrls: Object.fromEntries(checks.map((c) => [c.name, c.url])), publicEndpoint };
}

async function verify(flags: Partial<VerifyFlags> & { stack?: string }) {
  const io = captureIo(dir);
  const code = await runVerify({ stack: "dev", timeout: 1, ...flags }, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The dev stack on loopback: the Docker plan's URLs are the ports the services listen on. */
async function verifyDev(proxyPort: number) {
  const plan = await planOf("dev");
  const checks = declaredChecks(plan);
  const outputs = outputsOf(checks, plan.outputs.publicEndpoint as string);
  const result = await verify({ outputs, endpoint: `http://127.0.0.1:${proxyPort}` });
  return { ...result, total: checks.length };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/**
 * One server answering the contract's /health JSON for every check, at `/<index>/health`: what
 * the check expects, fresh heartbeat. Returns its base URL and the outputs naming it.
 */
async function fakeServices(
  checks: HealthCheck[],
): Promise<{ base: string; checkUrls: Record<string, string> }> {
  const server = http.createServer((req, res) => {
    const index = Number((req.url ?? "").split("/")[1]);
    const check = checks[index];
    if (!check) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        ...check.expect,
        status: "ok",
        lastHeartbeat: new Date().toISOString(),
        startedAt: new Date().toISOString(),
      }),
    );
  });
  const port = await listen(server);
  running.push({
    close: () => new Promise((resolve) => server.close(() => resolve())),
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    checkUrls: Object.fromEntries(
      checks.map((check, index) => [check.name, `${base}/${index}/health`]),
    ),
  };
}

function writeJson(name: string, value: unknown): string {
  fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
  return name;
}

/** A `pulumi` on PATH running `script` (sh), the only one found. */
function fakePulumi(script: string): void {
  const bin = fs.mkdtempSync(path.join(dir, "bin-"));
  fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  process.env.PATH = `${bin}${path.delimiter}${originalPath ?? ""}`;
}

function noPulumi(): void {
  process.env.PATH = fs.mkdtempSync(path.join(dir, "empty-"));
}

describe("aitb verify against services on loopback", () => {
  test("all healthy: every check passes; the bots, then the table, then the verdict", async () => {
    const proxy = await startDevStack();
    const { code, out, err, total } = await verifyDev(proxy);
    expect(out).toContain(`PASSED: ${total} of ${total} checks\n`);
    expect(code).toBe(0);
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES)
        expect(out).toMatch(new RegExp(`✓  ${service}-${color} `));
    }
    expect(out).toMatch(/✓ {2}bot-blue .*heartbeat \d+ s old/);
    expect(out).toMatch(/✓ {2}public \/api\/ +http:\/\/127\.0\.0\.1:\d+\/api\/health/);
    expect(out).not.toContain("✗");
    expect(out).toContain("at the URLs from the outputs of the update");
    const bots = out.indexOf("Bots (as they report themselves):\n  bot-blue ");
    expect(bots).toBeGreaterThan(0);
    expect(out.indexOf("   check ")).toBeGreaterThan(bots);
    expect(out.indexOf("PASSED: ")).toBeGreaterThan(out.indexOf("   check "));
    expect(err).toContain(`verifying: ${total}/${total} checks done, 0 failed`);
  });

  test("an unhealthy service of the active color fails the run, named with its next action", async () => {
    const proxy = await startDevStack({ "webapp-blue": { status: "degraded" } });
    const { code, out } = await verifyDev(proxy);
    expect(code).toBe(1);
    expect(out).toMatch(/FAILED: 2 of \d+ checks: webapp-blue \(status "degraded"\)/);
    expect(out).toMatch(/✗ {2}webapp-blue /);
    expect(out).toMatch(
      /\n {2}✗ CRITICAL webapp-blue: status "degraded"; next: .*webapp-blue's log/,
    );
  });

  test("an unhealthy standby is a warning: the run passes and names it, ranked below failures", async () => {
    const proxy = await startDevStack({ "webapp-green": { status: "degraded" } });
    const { code, out } = await verifyDev(proxy);
    expect(code).toBe(0);
    expect(out).toMatch(
      /PASSED: (\d+) of \d+ checks; the standby color is not healthy \(warning, it does not carry traffic\): webapp-green \(status "degraded"\)/,
    );
    expect(out).toMatch(/⚠ {2}webapp-green /);
    expect(out).toContain('⚠ WARNING webapp-green: status "degraded"; next: ');

    const both = await startDevStack({
      "webapp-green": { status: "degraded" },
      "notifier-blue": { status: "down" },
    });
    const failed = await verifyDev(both);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(
      /FAILED: 1 of \d+ checks: notifier-blue \(status "down"\); warnings \(standby\): webapp-green \(status "degraded"\)/,
    );
    const critical = failed.out.indexOf("✗ CRITICAL notifier-blue");
    expect(critical).toBeGreaterThan(0);
    expect(failed.out.indexOf("⚠ WARNING webapp-green")).toBeGreaterThan(critical);
  });

  test("a standby bot that says it trades live is a failure, and two live bots rank first", async () => {
    const proxy = await startDevStack({ "bot-green": { tradingMode: "live" } });
    const { code, out } = await verifyDev(proxy);
    expect(code).toBe(1);
    expect(out).toContain('bot-green (tradingMode is "live", expected "paper")');
    expect(out).toMatch(/\nFAILED: TWO LIVE BOTS \(bot-blue, bot-green\); /);
    expect(out).toMatch(
      /\n {2}✗ CRITICAL TWO LIVE BOTS \(bot-blue, bot-green\): .*; next: stop bot-green now, the switch record names blue/,
    );
    expect(out.indexOf("✗ CRITICAL TWO LIVE BOTS")).toBeLessThan(
      out.indexOf("✗ CRITICAL bot-green"),
    );
  });

  test("a service that does not answer times out, and a silent bot is reported not observed", async () => {
    const proxy = await startDevStack({ "notifier-blue": "silent", "bot-green": "silent" });
    const started = Date.now();
    const { code, out } = await verifyDev(proxy);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(code).toBe(1);
    expect(out).toMatch(/FAILED: \d+ of \d+ checks: notifier-blue \(timed out after 1000 ms\)/);
    expect(out).toMatch(/\n {2}bot-green +not observed: timed out after 1000 ms\n/);
  });

  test("a stale bot heartbeat fails and names the bot", async () => {
    const proxy = await startDevStack({
      "bot-blue": { heartbeatFrozenAt: new Date(Date.now() - 300_000) },
    });
    const { code, out } = await verifyDev(proxy);
    expect(code).toBe(1);
    expect(out).toMatch(
      /FAILED: 1 of \d+ checks: bot-blue \(heartbeat stale: 30\d s old \(limit 120 s\)\)/,
    );
  });

  test("the active color reporting another release than its pin fails, publicly too", async () => {
    const proxy = await startDevStack({ "webapp-blue": { release: "2026.11.3" } });
    const { code, out } = await verifyDev(proxy);
    expect(code).toBe(1);
    expect(out).toContain('webapp-blue (release is "2026.11.3", expected "2026.11.4")');
    expect(out).toContain('public / (release is "2026.11.3", expected "2026.11.4")');
  });
});

describe("aitb verify reports a declared restore from the stack's restoreVerification", () => {
  const SNAPSHOT = "pre-switch-20261124T100000Z.dump";
  const TARGET = "aitb-dev-postgres/aitb_restore_release_2026_11_3";
  const orders = {
    table: "public.orders",
    expectedRows: 300,
    rows: 300,
    expectedChecksum: "-412",
    checksum: "-412",
    ok: true,
  };
  const trades = { ...orders, table: "public.trades", expectedChecksum: "977", checksum: "977" };
  const MATCHED: RestoreVerification = {
    snapshot: SNAPSHOT,
    ok: true,
    tables: [orders, trades],
    detail: `2 tables match the manifest of ${SNAPSHOT} (row counts and checksums)`,
  };
  const DIFFERS: RestoreVerification = {
    snapshot: SNAPSHOT,
    ok: false,
    tables: [orders, { ...trades, rows: 299, checksum: "15", ok: false }],
    detail: `1 of 2 tables differs from the manifest of ${SNAPSHOT}: public.trades (299 rows, expected 300)`,
  };

  /** The dev stack with a restore of green's database declared, its services on loopback. */
  async function restoring(): Promise<{
    verifyWith: (value: unknown) => ReturnType<typeof verify>;
  }> {
    const io = captureIo(dir, () => new Date("2026-11-28T15:00:00Z"));
    const written = await runRollback(
      {
        stack: "dev",
        class: "emergency",
        reason: "Orders lost by 2026.11.4",
        incident: "INC-4412",
        requestedBy: "alice",
        restore: "2026.11.3",
        expires: "2h",
        trigger: "data-loss",
        now: new Date("2026-11-28T15:00:00Z"),
      },
      io,
    );
    expect(written).toBe(0);
    const proxy = await startDevStack();
    const plan = await planOf("dev");
    const outputs = outputsOf(declaredChecks(plan), plan.outputs.publicEndpoint as string);
    return {
      verifyWith: (value) =>
        verify({
          outputs: value === undefined ? outputs : { ...outputs, restoreVerification: value },
          endpoint: `http://127.0.0.1:${proxy}`,
        }),
    };
  }

  test("VERIFIED when it matches, COMPROMISED (critical) when a table differs, table by table", async () => {
    const stack = await restoring();
    const matched = await stack.verifyWith(MATCHED);
    expect(matched.code).toBe(0);
    expect(matched.out).toContain(
      `Restore into ${TARGET}: VERIFIED: 2 tables match the manifest of ${SNAPSHOT} (row counts and checksums)\n` +
        "  ✓  public.orders  300 rows, checksum -412\n" +
        "  ✓  public.trades  300 rows, checksum 977\n",
    );
    expect(matched.out).toMatch(/\nPASSED: (\d+) of \1 checks\n/);

    // As `pulumi stack output --json` may print it: a JSON string.
    const differs = await stack.verifyWith(JSON.stringify(DIFFERS));
    expect(differs.code).toBe(1);
    expect(differs.out).toContain(
      `Restore into ${TARGET}: COMPROMISED: ${DIFFERS.detail}\n` +
        "  ✓  public.orders  300 rows, checksum -412\n" +
        "  ✗  public.trades  299 rows (manifest: 300), checksum 15 (manifest: 977)\n",
    );
    expect(differs.out).toMatch(
      new RegExp(
        `\\nFAILED: the restore into ${TARGET} is not what its snapshot holds; all \\d+ checks passed\\n`,
      ),
    );
    expect(differs.out).toContain(
      `  ✗ CRITICAL restore into ${TARGET}: ${DIFFERS.detail}; next: do not switch to the restored color`,
    );
  });

  test("a restore that cannot be verified, or that the outputs do not report, is a warning", async () => {
    const stack = await restoring();
    const unverifiable = await stack.verifyWith({
      snapshot: SNAPSHOT,
      ok: null,
      tables: [],
      detail: `not verifiable: ${SNAPSHOT} has no manifest (taken before manifests were written)`,
    });
    expect(unverifiable.code).toBe(0);
    expect(unverifiable.out).toContain(
      `Restore into ${TARGET}: NOT VERIFIABLE: not verifiable: ${SNAPSHOT} has no manifest`,
    );
    expect(unverifiable.out).toContain(
      `  ⚠ WARNING restore into ${TARGET}: not verifiable: ${SNAPSHOT} has no manifest (taken before manifests were written); next: check the restored database by hand`,
    );
    for (const missing of [undefined, null, { ok: "yes" }]) {
      const none = await stack.verifyWith(missing);
      expect(none.code).toBe(0);
      expect(none.out).toContain(
        `⚠ WARNING restore into ${TARGET}: the stack outputs hold no restoreVerification`,
      );
    }
  });

  test("without a declared restore there is no Restore line", async () => {
    const proxy = await startDevStack();
    const plan = await planOf("dev");
    const { code, out } = await verify({
      outputs: {
        ...outputsOf(declaredChecks(plan), plan.outputs.publicEndpoint as string),
        restoreVerification: null,
      },
      endpoint: `http://127.0.0.1:${proxy}`,
    });
    expect(code).toBe(0);
    expect(out).not.toContain("Restore");
  });
});

describe("aitb verify takes every URL from the deployed stack's outputs", () => {
  test("prod (Azure, whose plan knows only placeholders) is checked at the URLs of --outputs", async () => {
    const checks = await planChecks("prod");
    expect(checks.length).toBeGreaterThan(0);
    const services = await fakeServices(checks);
    const file = writeJson("outputs.json", {
      checkUrls: services.checkUrls,
      publicEndpoint: services.base,
    });
    const { code, out } = await verify({ stack: "prod", outputsFile: file });
    expect(out).toContain(`PASSED: ${checks.length} of ${checks.length} checks\n`);
    expect(out).toContain("at the URLs from outputs.json");
    expect(out).not.toContain("ERR_INVALID_URL");
    expect(out).not.toContain("<environment default domain>");
    expect(code).toBe(0);
  });

  test("a check the stack outputs have no URL for fails as not deployed", async () => {
    const checks = await planChecks("prod");
    const services = await fakeServices(checks);
    const [missing] = checks;
    delete services.checkUrls[missing.name];
    const { code, out } = await verify({
      stack: "prod",
      outputs: { checkUrls: services.checkUrls, publicEndpoint: services.base },
    });
    expect(code).toBe(1);
    expect(out).toContain(
      `✗ CRITICAL ${missing.name}: not deployed (no URL in the stack outputs; run pulumi up); next: run pulumi up --stack prod`,
    );
    expect(out).toMatch(/FAILED: 1 of \d+ checks/);
  });

  test("--endpoint re-points the public routes of the outputs' publicEndpoint", async () => {
    const checks = await planChecks("prod");
    const deployed = await fakeServices(checks);
    const elsewhere = await fakeServices(checks);
    const { code, out } = await verify({
      stack: "prod",
      outputs: { checkUrls: deployed.checkUrls, publicEndpoint: deployed.base },
      endpoint: elsewhere.base,
    });
    expect(code).toBe(0);
    expect(out).toContain(`${elsewhere.base}/0/health`);
    expect(out).not.toContain(`${deployed.base}/`);
  });

  test("the outputs from pulumi stack output --json when a Pulumi CLI is on PATH", async () => {
    const checks = await planChecks("prod");
    const services = await fakeServices(checks);
    writeJson("printed.json", { checkUrls: services.checkUrls, publicEndpoint: services.base });
    fakePulumi(
      `[ "$*" = "stack output --json --stack prod --non-interactive" ] || exit 9\ncat printed.json`,
    );
    const { code, out } = await verify({ stack: "prod" });
    expect(out).toContain("at the URLs from pulumi stack output --json --stack prod");
    expect(code).toBe(0);
  });

  test("a failing pulumi stack output is no outputs: exit 2 with its first error line", async () => {
    fakePulumi(`echo "error: no stack named 'prod' found" >&2\necho "more detail" >&2\nexit 255`);
    const { code, out, err } = await verify({ stack: "prod" });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(
      "pulumi stack output --json --stack prod failed: error: no stack named 'prod' found)",
    );
    expect(err).not.toContain("more detail");
  });

  test("without outputs: exit 2 naming the stack and how to give them", async () => {
    noPulumi();
    const { code, out, err } = await verify({ stack: "prod" });
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(
      "  - --outputs: no outputs of stack prod to take the check URLs from (no Pulumi CLI on PATH); pulumi up the stack first, or pass --outputs <file> made with pulumi stack output --json --stack prod > outputs.json\n",
    );
  });

  test("outputs without checkUrls, or an unreadable file: exit 2 naming the key", async () => {
    const file = writeJson("old.json", { publicEndpoint: "https://aitb.example" });
    const old = await verify({ stack: "prod", outputsFile: file });
    expect(old.code).toBe(2);
    expect(old.err).toContain(
      "  - checkUrls: the outputs of stack prod (old.json) have no checkUrls (check name → URL); pulumi up the stack first, or pass --outputs <file>",
    );
    const absent = await verify({ stack: "prod", outputsFile: "nowhere.json" });
    expect(absent.code).toBe(2);
    expect(absent.err).toContain("cannot read nowhere.json: ENOENT");
  });
});

function result(partial: Partial<HealthResult> & { name: string }): HealthResult {
  return { url: "http://x", ok: true, detail: "ok", ms: 1, severity: "critical", ...partial };
}

function bot(color: "blue" | "green", observed: HealthResult["observed"], ok = true): HealthResult {
  return result({ name: `bot-${color}`, kind: "health", service: "bot", color, observed, ok });
}

describe("observed truth, ranked", () => {
  const live = {
    tradingMode: "live",
    leaseHeld: true,
    leaseHolder: "bot-blue@1",
    heartbeatAgeSeconds: 2,
    release: "2026.11.4",
  };
  const paper = {
    tradingMode: "paper",
    leaseHeld: false,
    leaseHolder: "bot-blue@1",
    heartbeatAgeSeconds: 3,
  };

  test("each bot's mode, lease and heartbeat as it said, or why it was not observed", () => {
    const reports = botReports([
      bot("blue", live),
      result({
        name: "bot-green",
        service: "bot",
        color: "green",
        ok: false,
        detail: "unreachable: ECONNREFUSED",
      }),
    ]);
    expect(reports.map(describeBot)).toEqual([
      "mode live on 2026.11.4, lease held (holder bot-blue@1), heartbeat 2 s old",
      "not observed: unreachable: ECONNREFUSED",
    ]);
    expect(describeBot(botReports([])[0])).toBe("not observed: no health check of bot-blue ran");
  });

  test("two bots claiming live (mode or lease) rank first and are critical, though every check passed", () => {
    const results = [
      bot("blue", live),
      bot("green", { ...paper, leaseHeld: true }),
      result({
        name: "webapp-green",
        service: "webapp",
        color: "green",
        ok: false,
        severity: "warning",
        detail: 'status "down"',
      }),
    ];
    const findings = rankFindings(results, "blue");
    expect(findings.map((f) => f.subject)).toEqual([
      "TWO LIVE BOTS (bot-blue, bot-green)",
      "webapp-green",
    ]);
    expect(hasCriticalFinding(findings)).toBe(true);
    expect(findingLine(findings[0])).toMatch(
      /^✗ CRITICAL TWO LIVE BOTS \(bot-blue, bot-green\): .*; next: stop bot-green now, the switch record names blue/,
    );
    expect(hasCriticalFinding(rankFindings([bot("blue", live), bot("green", paper)], "blue"))).toBe(
      false,
    );
  });

  test("critical failures before warnings, each with its own next action or its kind's default", () => {
    const findings = rankFindings(
      [
        result({
          name: "webapp-green",
          service: "webapp",
          color: "green",
          ok: false,
          severity: "warning",
          detail: "HTTP 502",
        }),
        result({
          name: "inference-blue",
          service: "inference",
          color: "blue",
          ok: false,
          detail: "HTTP 500",
        }),
        result({
          name: "market-data-blue",
          kind: "market-data",
          service: "bot",
          color: "blue",
          ok: false,
          detail: "stale",
          nextAction: "check the feed",
        }),
      ],
      "blue",
    );
    expect(findings.map(findingLine)).toEqual([
      "✗ CRITICAL inference-blue: HTTP 500; next: look at inference-blue's log; roll back with aitb rollback if it stays down",
      "✗ CRITICAL market-data-blue: stale; next: check the feed",
      "⚠ WARNING webapp-green: HTTP 502; next: look at webapp-green's log; roll back with aitb rollback if it stays down",
    ]);
  });

  test("a standby bot trading live alone is told to stop", () => {
    const [finding] = rankFindings(
      [bot("blue", paper), bot("green", { ...live, leaseHeld: false }, false)],
      "blue",
    );
    expect(finding.nextAction).toBe(
      "stop bot-green now: it trades live but the switch record names blue",
    );
  });
});
