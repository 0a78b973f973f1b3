import type { ConfigIssue } from "../../../config/errors";
import type { ParsedStackConfig } from "../../../config/schema";
import { COLORS } from "../../../domain/colors";
import { SERVICE_NAMES } from "../../../domain/services";
import { loopbackEngineIssues } from "./influxdb";

/** Ports of the color services: base + 10 per color + the service's index in the start order. */
export function servicePort(base: number, colorIndex: number, serviceIndex: number): number {
  return base + colorIndex * 10 + serviceIndex;
}

/**
 * What the loopback target needs beyond the schema, checked before any resource registers: it
 * runs the reference service as processes, so every pinned service must be a reference build, and
 * the proxy, PostgreSQL and the services need ports of their own.
 */
export function loopbackConfigIssues(config: ParsedStackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  issues.push(...loopbackEngineIssues(config));
  const releases = [...new Set(COLORS.map((color) => config.slots[color].release))].sort();
  for (const release of releases) {
    for (const service of SERVICE_NAMES) {
      const pinned = config.releases[release]?.services[service];
      if (pinned && pinned.build !== "reference") {
        issues.push({
          key: `aitb:releases["${release}"].services.${service}`,
          message: `pins the image ${JSON.stringify(pinned.image)}; the loopback target runs no containers, only the reference service: pin "build: reference" for this stack, or deploy it on the docker target`,
        });
      }
    }
  }
  const { proxyPort, postgresPort, servicePortBase } = config.loopback;
  const last = servicePort(servicePortBase, COLORS.length - 1, SERVICE_NAMES.length - 1);
  const within = (port: number) => port >= servicePortBase && port <= last;
  if (proxyPort === postgresPort) {
    issues.push({
      key: "aitb:loopback.postgresPort",
      message: `${postgresPort} is also aitb:loopback.proxyPort; expected a port of its own`,
    });
  }
  for (const [key, port] of [
    ["proxyPort", proxyPort],
    ["postgresPort", postgresPort],
  ] as const) {
    if (within(port)) {
      issues.push({
        key: `aitb:loopback.${key}`,
        message: `${port} is one of the services' ports (${servicePortBase}-${last}, from aitb:loopback.servicePortBase); expected a port outside that range`,
      });
    }
  }
  return issues;
}
