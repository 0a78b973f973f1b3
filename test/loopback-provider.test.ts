/**
 * The loopback target's dynamic providers against real nginx and PostgreSQL, without the Pulumi
 * engine: the inputs are the ones the program declares for the loopback stack (the offline plan,
 * pointed at a temporary state folder and free ports), and each provider's create, diff, update
 * and delete are called in-process, as the engine's dynamic-provider host would call them.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { planStack, type Plan } from "../cli/engine/plan";
import { readStackSource, withConfigValues } from "../cli/engine/stackFiles";
import { SERVICE_NAMES } from "../domain/services";
import { COLORS, type Color } from "../domain/colors";
import { freePort } from "../drills/ports";
import { postgresBinDir, nginxBinary } from "../drills/tools";
import { runCommand } from "../drills/processes";
import { alive, readPid } from "../components/platform/loopback/runtime/os";
import {
  serviceProvider,
  type ServiceInputs,
  type ServiceOutputs,
} from "../components/platform/loopback/runtime/service";
import {
  proxyProvider,
  type ProxyInputs,
  type ProxyOutputs,
} from "../components/platform/loopback/runtime/proxy";
import {
  clusterProvider,
  serverProvider,
  type ClusterInputs,
  type ClusterOutputs,
  type ServerInputs,
  type ServerOutputs,
} from "../components/platform/loopback/runtime/postgres";
import { stepProvider, type StepInputs } from "../components/platform/loopback/runtime/step";
import { parseRestoreVerification, type ComparedRestore } from "../domain/restoreManifest";
import { NOW, ROOT } from "./support/stacks";
import { PLACEHOLDER, freeServiceBase, providerInputs, requireBuild } from "./support/loopback";

jest.setTimeout(120_000);

const update = <I, O>(
  provider: { update?: (id: string, olds: O, news: I) => Promise<{ outs?: O }> },
  id: string,
  olds: O,
  news: I,
) => (provider.update as NonNullable<typeof provider.update>)(id, olds, news);

let state: string;
let settings: Record<string, unknown>;
const services = new Map<string, { id: string; outs: ServiceOutputs }>();
let cluster: { id: string; outs: ClusterOutputs };
let server: { id: string; outs: ServerOutputs };
let proxy: { id: string; outs: ProxyOutputs };
let plan: Plan;

async function planFor(changes: Record<string, unknown> = {}): Promise<Plan> {
  const stack = readStackSource(ROOT, "loopback");
  const gate = stack.values.healthGate as { postPromotion: Record<string, unknown> };
  const source = withConfigValues(stack, {
    loopback: settings,
    backups: { root: path.join(state, "backups") },
    // These tests run beside the drills on a shared two-core machine, where a p99 of a few dozen
    // milliseconds more says nothing of the switch; the analysis's latency rule has its own tests
    // (test/analysis.test.ts) and the verify drill.
    healthGate: {
      ...gate,
      postPromotion: { ...gate.postPromotion, successCondition: { minLatencyIncreaseMs: 250 } },
    },
    ...changes,
  });
  return planStack({ source, now: NOW });
}

function psql(sql: string, database = "aitb"): Promise<string> {
  return runCommand(
    path.join(postgresBinDir(), "psql"),
    ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
    {
      env: {
        ...process.env,
        PGHOST: server.outs.socketDir,
        PGPORT: String(server.outs.port),
        PGUSER: "aitb",
        PGPASSWORD: PLACEHOLDER.dbPassword,
      },
    },
  ).then((result) => result.stdout.trim());
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers: { connection: "close" } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function step(name: string, from: Plan = plan): StepInputs {
  return providerInputs<StepInputs>(from, name);
}

/** A bot's trading mode once its loop has caught up with the switch record and the lease. */
async function modeOf(url: string, wanted: string): Promise<unknown> {
  let mode: unknown;
  for (let i = 0; i < 300; i++) {
    mode = (await get(url)).body.tradingMode;
    if (mode === wanted) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return mode;
}

const serviceName = (service: string, color: Color) => `${service}-${color}`;

beforeAll(async () => {
  requireBuild();
  postgresBinDir();
  nginxBinary();
  state = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-loopback-"));
  settings = {
    stateDir: state,
    proxyPort: await freePort("127.0.0.1"),
    postgresPort: await freePort("127.0.0.1"),
    servicePortBase: await freeServiceBase(),
    nginx: nginxBinary(),
    postgresBin: postgresBinDir(),
    startTimeoutSeconds: 30,
  };
  plan = await planFor();
});

afterAll(async () => {
  // Whatever a failed test left running: services, nginx, PostgreSQL.
  for (const { outs } of services.values()) await serviceProvider.delete?.("", outs);
  if (proxy) await proxyProvider.delete?.(proxy.id, proxy.outs);
  if (server) await serverProvider.delete?.(server.id, server.outs);
  fs.rmSync(state, { recursive: true, force: true });
});

describe("the loopback providers on real nginx and PostgreSQL", () => {
  test("create the cluster once and start PostgreSQL on loopback with a Unix socket in the state folder", async () => {
    cluster = (await clusterProvider.create(
      providerInputs<ClusterInputs>(plan, "postgres-data"),
    )) as typeof cluster;
    expect(fs.existsSync(path.join(cluster.outs.dataDir, "PG_VERSION"))).toBe(true);
    expect(cluster.outs.adopted).toBe(false);
    server = (await serverProvider.create(
      providerInputs<ServerInputs>(plan, "postgres"),
    )) as typeof server;
    expect(server.outs.dataDir.startsWith(state)).toBe(true);
    expect(alive(server.outs.pid)).toBe(true);
    expect(fs.readdirSync(server.outs.socketDir)).toContain(`.s.PGSQL.${server.outs.port}`);
    await psql(
      "create table orders (id int primary key, qty int); insert into orders values (1, 10)",
    );
    expect(await psql("select qty from orders where id = 1")).toBe("10");
    // Password authentication: a wrong password is refused.
    await expect(
      runCommand(path.join(postgresBinDir(), "psql"), ["-X", "-d", "aitb", "-c", "select 1"], {
        env: {
          ...process.env,
          PGHOST: "127.0.0.1",
          PGPORT: String(server.outs.port),
          PGUSER: "aitb",
          PGPASSWORD: "wrong",
        },
      }),
    ).rejects.toThrow(/password authentication failed/);
  });

  test("keep a release's configuration and take the pre-switch snapshot under the live release", async () => {
    for (const release of ["2026.11.3", "2026.11.4"]) {
      await stepProvider.create(step(`config-backup-${release}`));
      const saved = JSON.parse(
        fs.readFileSync(path.join(state, "backups", release, "config.json"), "utf8"),
      ) as { notes: string };
      expect(saved.notes).toBe(`Reference build of ${release}.`);
    }
    // A new stack has no live release: nothing to snapshot yet.
    const first = await stepProvider.create(step("pre-switch-snapshot"));
    expect(first.outs?.stdout).toContain("nothing to snapshot");
    // Once blue serves 2026.11.4 (the deployed state), a switch snapshots under that release.
    const snapshot = step("pre-switch-snapshot");
    snapshot.environment = { ...snapshot.environment, AITB_LIVE_RELEASE: "2026.11.4" };
    await stepProvider.create(snapshot);
    const dumps = fs.readdirSync(path.join(state, "backups", "2026.11.4"));
    expect(dumps.filter((f) => /^pre-switch-\d{8}T\d{6}Z\.dump$/.test(f))).toHaveLength(1);
  });

  test("start every service of both colors as supervised processes, healthy at its release", async () => {
    // The switch record first: the bots read it, and the active color's takes the lease.
    await stepProvider.create(step("switch-record"));
    expect(
      JSON.parse(fs.readFileSync(path.join(state, "switch", "current", "record.json"), "utf8")),
    ).toEqual({ activeColor: plan.activeColor });
    for (const color of [plan.standbyColor, plan.activeColor]) {
      for (const service of SERVICE_NAMES) {
        const name = serviceName(service, color);
        const created = await serviceProvider.create(providerInputs<ServiceInputs>(plan, name));
        services.set(name, created as { id: string; outs: ServiceOutputs });
      }
    }
    for (const color of COLORS) {
      const bot = services.get(serviceName("bot", color)) as { outs: ServiceOutputs };
      const health = await get(bot.outs.healthUrl);
      expect(health.body).toMatchObject({ service: "bot", color, release: plan.releases[color] });
      expect(await modeOf(bot.outs.healthUrl, color === plan.activeColor ? "live" : "paper")).toBe(
        color === plan.activeColor ? "live" : "paper",
      );
      expect(
        fs.readFileSync(path.join(state, "services", `${color}-bot`, "supervisor.pid"), "utf8"),
      ).toMatch(/^\d+\n$/);
    }
  });

  test("the supervisor restarts a service that exits unexpectedly", async () => {
    const webapp = services.get(serviceName("webapp", "green")) as { outs: ServiceOutputs };
    const childFile = path.join(state, "services", "green-webapp", "service.pid");
    const before = readPid(childFile) as number;
    process.kill(before, "SIGKILL");
    let after: number | undefined;
    for (let i = 0; i < 100 && (after === undefined || after === before); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = readPid(childFile);
    }
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    for (let i = 0; i < 50; i++) {
      const ok = await fetch(webapp.outs.healthUrl).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await get(webapp.outs.healthUrl)).body.color).toBe("green");
    expect(fs.readFileSync(webapp.outs.logFile, "utf8")).toMatch(/"event":"exited"/);
  });

  test("serve the router's site with nginx on loopback, and pass the health gate", async () => {
    proxy = (await proxyProvider.create(
      providerInputs<ProxyInputs>(plan, "proxy"),
    )) as typeof proxy;
    const endpoint = String(plan.outputs.publicEndpoint);
    expect(endpoint).toBe(`http://127.0.0.1:${String(settings.proxyPort)}`);
    expect((await get(`${endpoint}/`)).body).toMatchObject({ service: "webapp", color: "blue" });
    expect((await get(`${endpoint}/api/health`)).body).toMatchObject({
      service: "inference",
      color: "blue",
    });
    const gate = await stepProvider.create(step("aitb-health-checks"));
    expect(gate.outs?.stdout).toContain('"name":"public /dashboard/"');
    expect(gate.outs?.stdout).toContain('"name":"trading paper-order-blue","url"');
    expect(gate.outs?.stdout).toContain('"analysis":"passed"');
    await stepProvider.create(step("aitb-change-entry"));
  });

  test("a switch rewrites the switch record only: no process restarts, no reload, and the gate passes", async () => {
    const flipped = await planFor({ activeColor: "green" });
    const pidsBefore = new Map(
      [...services].map(([name, { outs }]) => [
        name,
        readPid(path.join(state, "services", outs.name, "service.pid")),
      ]),
    );
    const changed: string[] = [];
    for (const [name, current] of services) {
      const news = providerInputs<ServiceInputs>(flipped, name);
      const diff = await (serviceProvider.diff as NonNullable<typeof serviceProvider.diff>)(
        current.id,
        current.outs,
        news,
      );
      expect({ name, replaces: diff.replaces }).toEqual({ name, replaces: [] });
      if (diff.changes) changed.push(name);
    }
    expect(changed).toEqual([]);
    const proxyNews = providerInputs<ProxyInputs>(flipped, "proxy");
    const proxyDiff = await (proxyProvider.diff as NonNullable<typeof proxyProvider.diff>)(
      proxy.id,
      proxy.outs,
      proxyNews,
    );
    expect(proxyDiff).toMatchObject({ changes: false, replaces: [] });

    // The switch: the record's step, one rename in the state folder.
    await stepProvider.create(step("switch-record", flipped));
    expect(await modeOf(services.get("bot-green")!.outs.healthUrl, "live")).toBe("live");
    expect(await modeOf(services.get("bot-blue")!.outs.healthUrl, "paper")).toBe("paper");
    for (const [name] of services) {
      const pid = readPid(
        path.join(state, "services", services.get(name)!.outs.name, "service.pid"),
      );
      expect({ name, pid }).toEqual({ name, pid: pidsBefore.get(name) });
    }
    const endpoint = String(flipped.outputs.publicEndpoint);
    const answer = await fetch(`${endpoint}/`);
    expect(answer.headers.get("x-aitb-color")).toBe("green");
    expect(((await answer.json()) as { color: string }).color).toBe("green");
    await stepProvider.create(step("aitb-health-checks", flipped));
  });

  test("a change of the site itself reloads nginx drained: keep-alive clients lose nothing", async () => {
    const changed = await planFor({
      activeColor: "green",
      proxy: {
        ...(readStackSource(ROOT, "loopback").values.proxy as object),
        clientKeepaliveSeconds: 1,
      },
    });
    const news = providerInputs<ProxyInputs>(changed, "proxy");
    expect(news.drain.seconds).toBe(2);
    const url = `http://127.0.0.1:${String(settings.proxyPort)}/`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let running = true;
    const outcomes = { ok: 0, failed: 0, closed: 0 };
    const client = (async () => {
      while (running) {
        await new Promise<void>((resolve) => {
          http
            .get(url, { agent }, (res) => {
              if (res.headers.connection === "close") outcomes.closed++;
              res.resume();
              res.on("end", () => {
                if (res.statusCode === 200) outcomes.ok++;
                else outcomes.failed++;
                resolve();
              });
            })
            .on("error", () => {
              outcomes.failed++;
              resolve();
            });
        });
      }
    })();
    const master = proxy.outs.pid;
    const started = Date.now();
    proxy = {
      id: proxy.id,
      outs: (await update(proxyProvider, proxy.id, proxy.outs, news)).outs as ProxyOutputs,
    };
    running = false;
    await client;
    agent.destroy();
    // The drain (2 s), the reload, the old workers' 2 s: then the new site is served.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
    expect(proxy.outs.pid).toBe(master);
    expect(outcomes.failed).toBe(0);
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.closed).toBeGreaterThan(0);
    expect(fs.existsSync(news.drain.file)).toBe(false);
    expect(fs.readFileSync(proxy.outs.siteFile, "utf8")).toContain("keepalive_timeout 1s 1;");
  });

  test("a site nginx rejects is never put in place; the served one stays", async () => {
    const broken = { ...proxy.outs, site: `${proxy.outs.site}\nthis is not nginx;\n` };
    await expect(update(proxyProvider, proxy.id, proxy.outs, broken)).rejects.toThrow(/nginx -t/);
    expect((await get(`http://127.0.0.1:${String(settings.proxyPort)}/`)).body.color).toBe("green");
  });

  test("only a change of port (a new process) is a replacement", async () => {
    const bot = services.get("bot-green") as { id: string; outs: ServiceOutputs };
    const moved = {
      ...providerInputs<ServiceInputs>(plan, "bot-green"),
      port: bot.outs.port + 1000,
    };
    const diff = await (serviceProvider.diff as NonNullable<typeof serviceProvider.diff>)(
      bot.id,
      bot.outs,
      moved,
    );
    expect(diff).toMatchObject({ changes: true, replaces: ["port"], deleteBeforeReplace: true });
    const proxyDiff = await (proxyProvider.diff as NonNullable<typeof proxyProvider.diff>)(
      proxy.id,
      proxy.outs,
      {
        ...proxy.outs,
        port: proxy.outs.port + 1,
      },
    );
    expect(proxyDiff.replaces).toEqual(["port"]);
  });

  test("a declared restore takes the forensic copy first and restores into a new database, never over the live one, verified against the snapshot's manifest", async () => {
    await psql("update orders set qty = 99 where id = 1");
    const restoring = await planFor({
      activeColor: "green",
      database: {
        backupRetentionDays: 7,
        restore: {
          fromRelease: "2026.11.4",
          color: "blue",
          reason: "orders corrupted by 2026.11.4",
          incident: "INC-1",
        },
      },
    });
    const forensic = await stepProvider.create(step("forensic-copy", restoring));
    expect(forensic.outs?.stdout).toContain("forensic copy of aitb taken");
    const forensics = fs.readdirSync(path.join(state, "backups", "forensics")).sort();
    expect(forensics).toHaveLength(2);
    expect(forensics[1]).toBe(`${forensics[0]}.manifest`);
    const restore = step("restore", restoring);
    const restored = await stepProvider.create(restore);
    const verification = parseRestoreVerification(restored.outs?.stdout) as ComparedRestore;
    expect(verification.ok).toBe(true);
    expect(verification.snapshot).toMatch(/^pre-switch-\d{8}T\d{6}Z\.dump$/);
    expect(verification.tables).toContainEqual(
      expect.objectContaining({ table: "public.orders", ok: true }),
    );
    const target = restore.environment.AITB_RESTORE_TARGET;
    expect(await psql("select qty from orders where id = 1", target)).toBe("10");
    expect(await psql("select qty from orders where id = 1")).toBe("99");
    // Running it again would write over the restored database: refused.
    await expect(stepProvider.create(restore)).rejects.toThrow(
      /exists; a restore never writes over/,
    );
  });

  test("delete stops every process and leaves the cluster folder in place", async () => {
    const pids = [...services.values()].map(({ outs }) => outs.pid);
    for (const [name, { id, outs }] of services) {
      await serviceProvider.delete?.(id, outs);
      services.delete(name);
    }
    expect(pids.filter(alive)).toEqual([]);
    await proxyProvider.delete?.(proxy.id, proxy.outs);
    expect(alive(proxy.outs.pid)).toBe(false);
    await serverProvider.delete?.(server.id, server.outs);
    expect(alive(server.outs.pid)).toBe(false);
    await clusterProvider.delete?.(cluster.id, cluster.outs);
    expect(fs.existsSync(path.join(cluster.outs.dataDir, "PG_VERSION"))).toBe(true);
    // A later create adopts the kept cluster and its data.
    const again = await clusterProvider.create(
      providerInputs<ClusterInputs>(plan, "postgres-data"),
    );
    expect(again.outs?.adopted).toBe(true);
    server = (await serverProvider.create(
      providerInputs<ServerInputs>(plan, "postgres"),
    )) as typeof server;
    expect(await psql("select qty from orders where id = 1")).toBe("99");
    await serverProvider.delete?.(server.id, server.outs);
  });
});
