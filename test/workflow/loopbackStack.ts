import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import {
  startReferenceService,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../../reference-service/server";
import { SERVICE_NAMES } from "../../domain/services";
import { COLORS, type Color } from "../../domain/colors";
import { stackFile } from "./support";

/** The dev stack file: blue (live) at 2026.11.4, green (paper) at 2026.11.3. */
export const RELEASES: Record<Color, string> = { blue: "2026.11.4", green: "2026.11.3" };
export const ACTIVE: Color = "blue";
/** Routes of the dev proxy, longest first; the prefix is stripped like nginx's `proxy_pass .../`. */
const ROUTES = [
  { prefix: "/dashboard/", service: "dashboard" },
  { prefix: "/api/", service: "inference" },
  { prefix: "/", service: "webapp" },
];

export interface Closable {
  close(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closable(server: http.Server): Closable {
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server that accepts requests and never answers them. */
async function silentService(port: number): Promise<Closable> {
  const server = http.createServer(() => undefined);
  await listen(server, port);
  return closable(server);
}

/** The public endpoint: forwards each route to the active color's service on loopback. */
async function startProxy(ports: Record<string, number>, running: Closable[]): Promise<number> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const route = ROUTES.find((r) => url.startsWith(r.prefix)) ?? ROUTES[2];
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: ports[`${route.service}-${ACTIVE}`],
        path: `/${url.slice(route.prefix.length)}`,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await listen(server, 0);
  running.push(closable(server));
  return port;
}

export type Variations = Partial<Record<string, Partial<ReferenceServiceOptions> | "silent">>;

/**
 * Start both colors of the dev stack on loopback at the host ports the Docker adapter declares
 * (hostPortBase + 10 per color + the service's index), and point the temp stack file at them.
 */
export async function startDevStack(
  dir: string,
  running: Closable[],
  variations: Variations = {},
): Promise<number> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 300);
    const started: Closable[] = [];
    const ports: Record<string, number> = {};
    try {
      for (const color of COLORS) {
        for (const [index, service] of SERVICE_NAMES.entries()) {
          const name = `${service}-${color}`;
          const port = base + 10 * COLORS.indexOf(color) + index;
          const variation = variations[name];
          if (variation === "silent") {
            started.push(await silentService(port));
          } else {
            started.push(
              await startReferenceService({
                service,
                color,
                release: RELEASES[color],
                port,
                tradingMode: service === "bot" ? (color === ACTIVE ? "live" : "paper") : undefined,
                shutdownTimeoutMs: 100,
                ...variation,
              }),
            );
          }
          ports[name] = port;
        }
      }
    } catch (error) {
      await Promise.all(started.map((server) => server.close()));
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") continue;
      throw error;
    }
    running.push(...(started as (Closable | ReferenceService)[]));
    const file = stackFile(dir, "dev");
    const editor = new StackFileEditor(fs.readFileSync(file, "utf8"), file);
    editor.set("docker", [], { hostPortBase: base });
    fs.writeFileSync(file, editor.text());
    return startProxy(ports, running);
  }
  throw new Error("no free block of loopback ports found");
}
