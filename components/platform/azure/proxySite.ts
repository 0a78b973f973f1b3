import { COLORS, type Color } from "../../../domain/colors";
import type { DeploymentSpec } from "../../../domain/deployment";
import { renderNginxConfig, type Route } from "../../../domain/routing";
import type { ServiceName } from "../../../domain/services";
import { appName } from "./names";
import { INGRESS_PORT } from "./serviceApp";

/** Port nginx listens on inside the proxy Container App (its ingress target port). */
export const PROXY_PORT = 80;

/** Prefix of the health-only routes: /_aitb/health/<service>-<color>, one per service of each color. */
export const HEALTH_ROUTE_PREFIX = "/_aitb/health/";

export function healthRoute(service: ServiceName, color: Color): string {
  return `${HEALTH_ROUTE_PREFIX}${appName(service, color)}`;
}

const UPSTREAM_HOST = "$aitb_upstream_host";
const HOST_LINE = "    proxy_set_header Host $host;";

export interface ProxySiteOptions {
  spec: DeploymentSpec;
  routes: Route[];
  /** Who may call the health-only routes; empty means anyone. */
  healthCheckSources: readonly string[];
}

function replaceOnce(text: string, find: string, replacement: string): string {
  const at = text.indexOf(find);
  if (at < 0 || text.indexOf(find, at + find.length) >= 0) {
    throw new Error(
      `the rendered nginx site does not contain exactly one ${JSON.stringify(find)}; renderNginxConfig changed shape`,
    );
  }
  return text.slice(0, at) + replacement + text.slice(at + find.length);
}

/**
 * The dev proxy's nginx site (renderNginxConfig, one generator for both targets), adapted to
 * Container Apps: upstreams are the apps' names inside the environment, and every request carries
 * the upstream app's name as Host, because the environment's ingress routes by Host. The public
 * Host is passed on as X-Forwarded-Host. Health-only routes for every service of both colors let
 * the health gate, which runs where `pulumi up` runs, check the standby and internal services.
 */
export function renderProxySite(options: ProxySiteOptions): string {
  const { spec, routes } = options;
  let site = renderNginxConfig({
    routes,
    listenPort: PROXY_PORT,
    activeColor: spec.activeColor,
    liveRelease: spec.colors[spec.activeColor].release,
    upstreamOf: (route) => ({ host: appName(route.service, route.color), port: INGRESS_PORT }),
  });
  site = replaceOnce(
    site,
    `${HOST_LINE}\n`,
    [
      `    set ${UPSTREAM_HOST} "";`,
      `    proxy_set_header Host ${UPSTREAM_HOST};`,
      "    proxy_set_header X-Forwarded-Host $host;",
      "",
    ].join("\n"),
  );
  for (const route of routes) {
    const opening = `    location ${route.path} {\n`;
    site = replaceOnce(
      site,
      opening,
      `${opening}        set ${UPSTREAM_HOST} ${appName(route.service, route.color)};\n`,
    );
  }
  const access = options.healthCheckSources.length
    ? [...options.healthCheckSources.map((cidr) => `        allow ${cidr};`), "        deny all;"]
    : [];
  const health = COLORS.flatMap((color) =>
    spec.colors[color].services.flatMap((service) => {
      const upstream = appName(service.service, color);
      return [
        "",
        `    location = ${healthRoute(service.service, color)} {`,
        ...access,
        `        set ${UPSTREAM_HOST} ${upstream};`,
        `        proxy_pass http://${upstream}:${INGRESS_PORT}${service.settings.healthPath};`,
        "    }",
      ];
    }),
  );
  const end = site.lastIndexOf("}\n");
  if (end < 0) throw new Error("the rendered nginx site has no closing brace");
  return `${site.slice(0, end)}${health.join("\n")}\n${site.slice(end)}`;
}
