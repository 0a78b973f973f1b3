import type { Color } from "./colors";
import type { ServiceName } from "./services";
import type { DeploymentSpec } from "./deployment";

/** One public path of the proxy and the service of the active color behind it. */
export interface Route {
  path: string;
  service: ServiceName;
  color: Color;
  release: string;
  port: number;
}

/** A routed service, whatever the active color: its public prefix and its port. */
export interface RoutedService {
  path: string;
  service: ServiceName;
  port: number;
}

function byPath<T extends { path: string }>(a: T, b: T): number {
  return b.path.length - a.path.length || a.path.localeCompare(b.path);
}

/** Every service with a route, longest path first. Routes are settings, the same for both colors. */
export function routedServices(spec: DeploymentSpec): RoutedService[] {
  return spec.colors[spec.activeColor].services
    .filter((service) => service.settings.route !== undefined)
    .map((service) => ({
      path: service.settings.route as string,
      service: service.service,
      port: service.settings.port,
    }))
    .sort(byPath);
}

/** The proxy's routes as a user sees them now: every routed service at the active color. */
export function routeTable(spec: DeploymentSpec): Route[] {
  const active = spec.colors[spec.activeColor];
  return routedServices(spec).map(({ path, service, port }) => ({
    path,
    service,
    port,
    color: active.color,
    release: active.release,
  }));
}

/** Address of a color's service on the container network (its network alias). */
export function serviceAlias(service: ServiceName, color: Color): string {
  return `${service}-${color}`;
}
