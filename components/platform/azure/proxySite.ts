import { COLORS, type Color } from "../../../domain/colors";
import type { DeploymentSpec } from "../../../domain/deployment";
import {
  proxySite,
  renderNginxSite,
  SITE_HEADER,
  type NginxLocation,
  type NginxSite,
} from "../../../domain/nginxSite";
import { routedServices } from "../../../domain/routing";
import type { ServiceName } from "../../../domain/services";
import { PROBE_PREFIX, TRADING_PROBES } from "../../../contract/tradingChecks";
import { appName } from "./names";
import { INGRESS_PORT } from "./serviceApp";
import { SWITCH_RECORD_MOUNT } from "./switchRecord";

/** Port nginx listens on inside the proxy Container App (its ingress target port). */
export const PROXY_PORT = 80;

/** Prefix of the health-only routes: /_aitb/health/<service>-<color>, one per service of each color. */
export const HEALTH_ROUTE_PREFIX = "/_aitb/health/";

export function healthRoute(service: ServiceName, color: Color): string {
  return `${HEALTH_ROUTE_PREFIX}${appName(service, color)}`;
}

/**
 * The health-only route of one of a service's trading probes (contract/tradingChecks.ts):
 * /_aitb/probe/<service>-<color>/<probe>, which the health-only app sends to the probe's path.
 */
export function probeRoute(service: ServiceName, color: Color, probePath: string): string {
  return `${PROBE_PREFIX}/${appName(service, color)}${probePath.slice(PROBE_PREFIX.length)}`;
}

export interface ProxySiteOptions {
  spec: DeploymentSpec;
  clientKeepaliveSeconds: number;
}

/** The variable naming the upstream app of a service for the color a request goes to. */
function hostVariable(service: ServiceName): string {
  return `aitb_host_${service}`;
}

/**
 * The public site as a value: the same site as every target's (domain/nginxSite.ts proxySite),
 * adapted to Container Apps. Upstreams are the apps' names inside the environment, and every
 * request carries its upstream app's name as Host, because the environment's ingress routes by
 * Host (the app of the color the switch record names, through a map on the color); the public
 * Host goes on as X-Forwarded-Host. The record is the volume the switch-record sidecar keeps. No
 * drain flag: nginx here never reloads, a site change is a new revision. No health-only routes:
 * those are served by their own app (healthSite), whose ingress admits only
 * aitb:azure.healthCheckSources.
 */
export function proxySiteModel(options: ProxySiteOptions): NginxSite {
  const site = proxySite({
    spec: options.spec,
    listen: { port: PROXY_PORT },
    upstreamOf: ({ service }, color) => ({ host: appName(service, color), port: INGRESS_PORT }),
    switchRecordDir: SWITCH_RECORD_MOUNT,
    clientKeepaliveSeconds: options.clientKeepaliveSeconds,
  });
  const services = routedServices(options.spec).map((routed) => routed.service);
  return {
    ...site,
    maps: [
      ...site.maps,
      ...services.map((service) => ({
        variable: hostVariable(service),
        values: { blue: appName(service, "blue"), green: appName(service, "green") },
      })),
    ],
    servers: site.servers.map((server) => ({
      ...server,
      proxyHeaders: [...server.proxyHeaders, ["X-Forwarded-Host", "$host"] as const],
      locations: server.locations.map((location) =>
        location.kind === "route"
          ? { ...location, headers: [["Host", `$${hostVariable(location.service)}`] as const] }
          : location,
      ),
    })),
  };
}

export function renderProxySite(options: ProxySiteOptions): string {
  return renderNginxSite(proxySiteModel(options));
}

/**
 * The health-only routes, /_aitb/health/<service>-<color> for every service of both colors and
 * /_aitb/probe/<service>-<color>/<probe> for its trading probes, so the
 * health gate, which runs where `pulumi up` runs, can check the standby and internal services.
 * Exact paths only; everything else is 404. It names no active color or release, so a switch
 * leaves it unchanged. Who may call it is decided by its app's ingress, not here: behind the
 * Container Apps ingress nginx sees the ingress proxy's address, the caller's only in
 * X-Forwarded-For (https://learn.microsoft.com/azure/container-apps/ingress-overview, "HTTP
 * headers"), so nginx allow/deny cannot tell callers apart.
 */
export function healthSiteModel(spec: DeploymentSpec, clientKeepaliveSeconds: number): NginxSite {
  const locations: NginxLocation[] = COLORS.flatMap((color) =>
    spec.colors[color].services.flatMap((service): NginxLocation[] => {
      const upstream = appName(service.service, color);
      const route = (path: string, upstreamPath: string): NginxLocation => ({
        kind: "exact",
        path,
        upstream: { host: upstream, port: INGRESS_PORT },
        upstreamPath,
        headers: [["Host", upstream]],
        access: [],
      });
      const probes = Object.values(TRADING_PROBES).filter(
        (probe) => probe.service === service.service,
      );
      return [
        route(healthRoute(service.service, color), service.settings.healthPath),
        ...probes.map((probe) => route(probeRoute(service.service, color, probe.path), probe.path)),
      ];
    }),
  );
  return {
    comment: [`${SITE_HEADER}: health-only routes of both colors.`],
    upstreams: [],
    maps: [],
    servers: [
      {
        listen: { port: PROXY_PORT },
        clientKeepaliveSeconds,
        proxyHeaders: [["Connection", '""']],
        responseHeaders: [],
        locations: [...locations, { kind: "status", path: "/", status: 404 }],
      },
    ],
  };
}

export function renderHealthSite(spec: DeploymentSpec, clientKeepaliveSeconds: number): string {
  return renderNginxSite(healthSiteModel(spec, clientKeepaliveSeconds));
}
