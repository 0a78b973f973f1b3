import * as pulumi from "@pulumi/pulumi";
import { COLORS, type Color } from "../../domain/colors";
import type { DeploymentSpec } from "../../domain/deployment";
import type { HealthCheck } from "./checks";
import type { ServiceHandle } from "../platform/types";

/**
 * What the health gate checks after a switch, on either target: every service of both colors at
 * the health URL its adapter gives (its release, color and, for a bot, trading mode and heartbeat
 * age), and the active color's public routes as users reach them. The standby color's checks are
 * warnings: after a revert it is the color that failed, and it must not block the way back.
 */
/** The active color's public routes as users reach them: the same on every target. */
export function publicRouteChecks(spec: DeploymentSpec, endpoint: string): HealthCheck[] {
  const active = spec.colors[spec.activeColor];
  return active.services
    .filter((service) => service.settings.route)
    .map((service): HealthCheck => ({
      name: `public ${service.settings.route}`,
      url: `${endpoint}${service.settings.route}${service.settings.healthPath.slice(1)}`,
      expect: { service: service.service, color: spec.activeColor, release: active.release },
    }));
}

export function gateChecks(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
  publicEndpoint: pulumi.Output<string>,
  heartbeatMaxAgeSeconds: number,
): pulumi.Output<HealthCheck[]> {
  const perService = COLORS.flatMap((color) =>
    spec.colors[color].services.map((service, index) => {
      const url = services[color][index]?.healthUrl;
      if (!url) throw new Error(`${service.service}-${color} has no health URL`);
      return url.apply((healthUrl): HealthCheck => ({
        name: `${service.service}-${color}`,
        url: healthUrl,
        expect: {
          service: service.service,
          color,
          release: service.release,
          ...(service.tradingMode ? { tradingMode: service.tradingMode } : {}),
        },
        ...(service.service === "bot" ? { heartbeatMaxAgeSeconds } : {}),
        severity: color === spec.activeColor ? "critical" : "warning",
      }));
    }),
  );
  const publicChecks = publicEndpoint.apply((endpoint) => publicRouteChecks(spec, endpoint));
  return pulumi.all([pulumi.all(perService), publicChecks]).apply(([a, b]) => [...a, ...b]);
}
