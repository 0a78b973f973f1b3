import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { proxyStartScript } from "../components/platform/azure/proxyApp";
import { renderHealthSite, renderProxySite } from "../components/platform/azure/proxySite";
import {
  SWITCH_RECORD_MOUNT,
  SWITCH_SYNC_SCRIPT,
  WRITE_RECORD_SH,
} from "../components/platform/azure/switchRecord";
import { readSwitchRecord } from "../reference-service/switchRecord";
import { encodeSwitchRecord, switchRecordOf } from "../domain/switchRecord";
import { validateStackConfig } from "../config/validate";
import { COLORS } from "../domain/colors";
import { deploymentSpec, type DeploymentSpec } from "../domain/deployment";
import { SERVICE_NAMES } from "../domain/services";
import { NOW, stackSource } from "./support/stacks";

/**
 * The Azure proxy's nginx site, served by a real nginx on loopback: each Container App is a small
 * local server that answers with the Host and path it was asked for.
 */

const HOST = "127.0.0.1";

interface Seen {
  app: string;
  host?: string;
  url?: string;
  forwardedHost?: string;
}

function nginxBinary(): string {
  const found = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"].find((file) =>
    fs.existsSync(file),
  );
  if (!found) throw new Error("nginx is not installed; run scripts/install-test-deps.sh");
  return found;
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port)),
  );
}

function freePort(): Promise<number> {
  const server = http.createServer();
  return listen(server).then((port) => new Promise((done) => server.close(() => done(port))));
}

function get(port: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port, path: url, headers: { host: "aitb.example.com" } }, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => (body += chunk.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** The record as the sidecar writes it into its volume (the shell writer, run here by dash). */
function writeRecord(dir: string, record: string): void {
  const run = spawnSync(
    "/bin/sh",
    ["-c", `set -u\n${WRITE_RECORD_SH}\nwrite_record "$1"`, "sh", record],
    {
      env: { ...process.env, dir },
      encoding: "utf8",
    },
  );
  if (run.status !== 0) throw new Error(`write_record failed: ${run.stderr}`);
}

/**
 * The site with every app name pointed at its local stand-in, nginx on a loopback port and the
 * switch record's volume at a local folder.
 */
function onLoopback(
  site: string,
  ports: Record<string, number>,
  listenPort: number,
  switchDir: string,
): string {
  let local = site
    .replace(/^(\s+)listen 80;$/m, `$1listen ${HOST}:${listenPort};`)
    .replaceAll(`${SWITCH_RECORD_MOUNT}/`, `${switchDir}/`);
  for (const [app, port] of Object.entries(ports)) {
    local = local
      .replaceAll(`server ${app}:80 `, `server ${HOST}:${port} `)
      .replaceAll(`http://${app}:80/`, `http://${HOST}:${port}/`);
  }
  return local;
}

describe("the Azure proxy site under nginx", () => {
  const apps: http.Server[] = [];
  const ports: Record<string, number> = {};
  let spec: DeploymentSpec;
  let prefix: string;
  let switchDir: string;
  const record = (color: "blue" | "green") =>
    encodeSwitchRecord(switchRecordOf({ ...spec, activeColor: color }));

  beforeAll(async () => {
    spec = deploymentSpec(validateStackConfig(stackSource("prod").values, NOW));
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES) {
        const app = `${service}-${color}`;
        const server = http.createServer((request, response) => {
          const seen: Seen = {
            app,
            host: request.headers.host,
            url: request.url,
            forwardedHost: request.headers["x-forwarded-host"] as string | undefined,
          };
          response.setHeader("content-type", "application/json");
          const delay = request.url?.startsWith("/slow") ? 1500 : 0;
          setTimeout(() => response.end(JSON.stringify(seen)), delay).unref();
        });
        apps.push(server);
        ports[app] = await listen(server);
      }
    }
    prefix = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-azure-proxy-"));
    // nginx's workers run unprivileged when the tests run as root: they stat the record.
    fs.chmodSync(prefix, 0o755);
    switchDir = path.join(prefix, "switch");
    fs.mkdirSync(switchDir);
    writeRecord(switchDir, record(spec.activeColor));
  });

  afterAll(async () => {
    for (const server of apps) server.closeAllConnections();
    await Promise.all(apps.map((server) => new Promise((done) => server.close(done))));
    fs.rmSync(prefix, { recursive: true, force: true });
  });

  interface Prepared {
    port: number;
    dir: string;
    /** nginx with this run's prefix, main config and error log. */
    nginx: string[];
    site: string;
  }

  /** A main config like the nginx image's (no `daemon off`), including the site file. */
  async function prepare(site: string): Promise<Prepared> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(prefix, "run-"));
    fs.mkdirSync(path.join(dir, "temp"));
    fs.writeFileSync(
      path.join(dir, "nginx.conf"),
      [
        "worker_processes 1;",
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log notice;`,
        "events { worker_connections 64; }",
        "http {",
        "    access_log off;",
        ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
          (kind) => `    ${kind}_temp_path ${dir}/temp/${kind};`,
        ),
        `    include ${dir}/site.conf;`,
        "}",
        "",
      ].join("\n"),
    );
    const nginx = [
      nginxBinary(),
      "-p",
      `${dir}/`,
      "-c",
      `${dir}/nginx.conf`,
      "-e",
      `${dir}/error.log`,
    ];
    return { port, dir, nginx, site: onLoopback(site, ports, port, switchDir) };
  }

  async function waitUp(prepared: Prepared, process: ChildProcess): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await get(prepared.port, "/").then(
        () => true,
        () => false,
      );
      if (up) return;
      if (process.exitCode !== null || Date.now() > deadline) {
        throw new Error(fs.readFileSync(`${prepared.dir}/error.log`, "utf8"));
      }
      await new Promise((done) => setTimeout(done, 25));
    }
  }

  function exited(process: ChildProcess): Promise<number | null> {
    return new Promise((done) => process.once("exit", (code) => done(code)));
  }

  async function serve(site: string): Promise<{ port: number; stop: () => Promise<void> }> {
    const prepared = await prepare(site);
    fs.writeFileSync(path.join(prepared.dir, "site.conf"), prepared.site);
    const [binary, ...args] = prepared.nginx;
    const check = spawnSync(binary, [...args, "-t", "-q"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
    const nginx = spawn(binary, [...args, "-g", "daemon off;"], { stdio: "ignore" });
    await waitUp(prepared, nginx);
    const stop = async () => {
      const done = exited(nginx);
      nginx.kill("SIGQUIT");
      await done;
    };
    return { port: prepared.port, stop };
  }

  const SITE = () => renderProxySite({ spec, clientKeepaliveSeconds: 10 });

  it("sends each public route to the active color's app, with that app's name as Host", async () => {
    const proxy = await serve(SITE());
    try {
      const seen = async (url: string) => JSON.parse((await get(proxy.port, url)).body) as Seen;
      const active = spec.activeColor;
      expect(await seen("/orders?page=2")).toEqual({
        app: `webapp-${active}`,
        host: `webapp-${active}`,
        url: "/orders?page=2",
        forwardedHost: "aitb.example.com",
      });
      expect(await seen("/dashboard/health")).toMatchObject({
        app: `dashboard-${active}`,
        host: `dashboard-${active}`,
        url: "/health",
      });
      expect(await seen("/api/predict")).toMatchObject({
        app: `inference-${active}`,
        url: "/predict",
      });
    } finally {
      await proxy.stop();
    }
  });

  it("moves every route to the other color when the sidecar writes a new record, with no reload", async () => {
    const proxy = await serve(SITE());
    const app = async (url: string) => (JSON.parse((await get(proxy.port, url)).body) as Seen).app;
    try {
      for (const color of [spec.standbyColor, spec.activeColor]) {
        writeRecord(switchDir, record(color));
        expect(readSwitchRecord(switchDir)).toMatchObject({
          ok: true,
          record: { activeColor: color },
        });
        expect(await app("/orders")).toBe(`webapp-${color}`);
        expect(await app("/dashboard/x")).toBe(`dashboard-${color}`);
        expect(await app("/api/x")).toBe(`inference-${color}`);
      }
    } finally {
      writeRecord(switchDir, record(spec.activeColor));
      await proxy.stop();
    }
  });

  it("serves no health-only route on the public site: such a path is an ordinary webapp path", async () => {
    const site = SITE();
    expect(site).not.toContain("/_aitb/health/");
    const proxy = await serve(site);
    try {
      const answer = JSON.parse((await get(proxy.port, "/_aitb/health/bot-blue")).body) as Seen;
      expect(answer).toMatchObject({
        app: `webapp-${spec.activeColor}`,
        url: "/_aitb/health/bot-blue",
      });
    } finally {
      await proxy.stop();
    }
  });

  it("answers every service's health route of both colors on the health site, and nothing else", async () => {
    const proxy = await serve(renderHealthSite(spec, 10));
    try {
      for (const color of COLORS) {
        for (const service of SERVICE_NAMES) {
          const answer = await get(proxy.port, `/_aitb/health/${service}-${color}`);
          expect(JSON.parse(answer.body)).toMatchObject({
            app: `${service}-${color}`,
            host: `${service}-${color}`,
            url: "/health",
          });
        }
      }
      // Only the exact health paths: nothing else of any service, not even the public routes.
      expect((await get(proxy.port, "/_aitb/health/bot-blue/orders")).status).toBe(404);
      expect((await get(proxy.port, "/")).status).toBe(404);
      expect((await get(proxy.port, "/dashboard/health")).status).toBe(404);
    } finally {
      await proxy.stop();
    }
  });

  it("renders sites that a switch leaves unchanged: no revision starts", () => {
    const flippedSpec = deploymentSpec(
      validateStackConfig({ ...stackSource("prod").values, activeColor: spec.standbyColor }, NOW),
    );
    expect(renderHealthSite(flippedSpec, 10)).toBe(renderHealthSite(spec, 10));
    expect(renderProxySite({ spec: flippedSpec, clientKeepaliveSeconds: 10 })).toBe(SITE());
  });

  it("starts listening only once the sidecar has a record", async () => {
    const prepared = await prepare(SITE());
    const waitFor = path.join(prepared.dir, "record.json");
    const script = proxyStartScript({
      siteFile: path.join(prepared.dir, "site.conf"),
      nginx: prepared.nginx.map((part) => `'${part}'`).join(" "),
      waitForRecord: waitFor,
    });
    const proxy = spawn("/bin/sh", ["-c", script], {
      env: { ...process.env, AITB_NGINX_SITE: prepared.site },
      stdio: "ignore",
    });
    try {
      await new Promise((done) => setTimeout(done, 400));
      await expect(get(prepared.port, "/")).rejects.toMatchObject({ code: "ECONNREFUSED" });
      fs.writeFileSync(waitFor, "{}");
      await waitUp(prepared, proxy);
    } finally {
      const stopped = exited(proxy);
      proxy.kill("SIGTERM");
      await stopped;
    }
  });

  it("lets a stopped proxy revision finish its in-flight requests (SIGTERM becomes a graceful stop)", async () => {
    const site = SITE();
    const prepared = await prepare(site);
    const script = proxyStartScript({
      siteFile: path.join(prepared.dir, "site.conf"),
      nginx: prepared.nginx.map((part) => `'${part}'`).join(" "),
    });
    const proxy = spawn("/bin/sh", ["-c", script], {
      env: { ...process.env, AITB_NGINX_SITE: prepared.site },
      stdio: "ignore",
    });
    await waitUp(prepared, proxy);
    const inFlight = get(prepared.port, "/slow");
    await new Promise((done) => setTimeout(done, 300));
    const stopped = exited(proxy);
    proxy.kill("SIGTERM");
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      app: `webapp-${spec.activeColor}`,
      url: "/slow",
    });
    expect(await stopped).toBe(0);
  });

  it("loses in-flight requests when nginx itself gets SIGTERM (why the start script traps it)", async () => {
    const site = SITE();
    const prepared = await prepare(site);
    fs.writeFileSync(path.join(prepared.dir, "site.conf"), prepared.site);
    const [binary, ...args] = prepared.nginx;
    const nginx = spawn(binary, [...args, "-g", "daemon off;"], { stdio: "ignore" });
    await waitUp(prepared, nginx);
    const inFlight = get(prepared.port, "/slow").then(
      () => "answered",
      () => "lost",
    );
    await new Promise((done) => setTimeout(done, 300));
    const stopped = exited(nginx);
    nginx.kill("SIGTERM");
    expect(await inFlight).toBe("lost");
    await stopped;
  });
});

describe("the switch-record sidecar", () => {
  test("reads the record from the blob's metadata with a managed-identity token, and follows it", async () => {
    let metadata = encodeSwitchRecord({ activeColor: "blue" });
    const seen: { token?: string; identity?: string; clientId?: string; version?: string }[] = [];
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://x");
      if (url.pathname === "/msi/token") {
        seen.push({
          identity: request.headers["x-identity-header"] as string,
          clientId: url.searchParams.get("client_id") ?? "",
        });
        response.setHeader("content-type", "application/json");
        response.end(
          JSON.stringify({ access_token: "t0ken", expires_on: "0", token_type: "Bearer" }),
        );
        return;
      }
      seen.push({
        token: request.headers.authorization,
        version: request.headers["x-ms-version"] as string,
      });
      response.setHeader("x-ms-meta-record", metadata);
      response.end();
    });
    const port = await listen(server);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-sidecar-"));
    const sidecar = spawn("/bin/sh", ["-c", SWITCH_SYNC_SCRIPT], {
      env: {
        PATH: process.env.PATH,
        AITB_SWITCH_DIR: dir,
        AITB_SWITCH_RECORD_URL: `http://${HOST}:${port}/switch-record/switch-record`,
        AITB_SWITCH_POLL_SECONDS: "0.1",
        AITB_IDENTITY_CLIENT_ID: "client-1",
        IDENTITY_ENDPOINT: `http://${HOST}:${port}/msi/token`,
        IDENTITY_HEADER: "header-1",
      },
      stdio: "ignore",
    });
    const color = () => {
      const read = readSwitchRecord(dir);
      return read.ok ? read.record.activeColor : undefined;
    };
    const until = async (wanted: string) => {
      const deadline = Date.now() + 10_000;
      while (color() !== wanted) {
        if (Date.now() > deadline) throw new Error(`the sidecar never wrote ${wanted}`);
        await new Promise((done) => setTimeout(done, 20));
      }
    };
    try {
      await until("blue");
      expect(fs.existsSync(path.join(dir, "current", "blue"))).toBe(true);
      metadata = encodeSwitchRecord({ activeColor: "green" });
      await until("green");
      expect(fs.existsSync(path.join(dir, "current", "green"))).toBe(true);
      expect(fs.existsSync(path.join(dir, "current", "blue"))).toBe(false);
      expect(seen).toContainEqual({ identity: "header-1", clientId: "client-1" });
      expect(seen).toContainEqual({ token: "Bearer t0ken", version: "2021-08-06" });
      // One token serves many reads.
      expect(seen.filter((s) => s.identity).length).toBe(1);
    } finally {
      sidecar.kill("SIGKILL");
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
