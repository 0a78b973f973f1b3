import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { proxyStartScript } from "../components/platform/azure/proxyApp";
import { renderHealthSite, renderProxySite } from "../components/platform/azure/proxySite";
import { validateStackConfig } from "../config/validate";
import { COLORS } from "../domain/colors";
import { deploymentSpec, type DeploymentSpec } from "../domain/deployment";
import { routeTable } from "../domain/routing";
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

/** The site with every app name pointed at its local stand-in and nginx on a loopback port. */
function onLoopback(site: string, ports: Record<string, number>, listenPort: number): string {
  let local = site.replace(/^(\s+)listen 80;$/m, `$1listen ${HOST}:${listenPort};`);
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
    return { port, dir, nginx, site: onLoopback(site, ports, port) };
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

  it("sends each public route to the active color's app, with that app's name as Host", async () => {
    const site = renderProxySite({ spec, routes: routeTable(spec) });
    const proxy = await serve(site);
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

  it("serves no health-only route on the public site: such a path is an ordinary webapp path", async () => {
    const site = renderProxySite({ spec, routes: routeTable(spec) });
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
    const proxy = await serve(renderHealthSite(spec));
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

  it("renders a health site that a switch leaves unchanged", () => {
    const flippedSpec = deploymentSpec(
      validateStackConfig({ ...stackSource("prod").values, activeColor: spec.standbyColor }, NOW),
    );
    expect(renderHealthSite(flippedSpec)).toBe(renderHealthSite(spec));
    expect(renderProxySite({ spec: flippedSpec, routes: routeTable(flippedSpec) })).not.toBe(
      renderProxySite({ spec, routes: routeTable(spec) }),
    );
  });

  it("lets a stopped proxy revision finish its in-flight requests (SIGTERM becomes a graceful stop)", async () => {
    const site = renderProxySite({ spec, routes: routeTable(spec) });
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
    const site = renderProxySite({ spec, routes: routeTable(spec) });
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
