import * as pulumi from "@pulumi/pulumi";
import { COLORS, otherColor, type Color } from "../../domain/colors";
import type { DeploymentSpec, ServiceSpec } from "../../domain/deployment";
import { TRADING_PROBES, TRADING_PROBE_KINDS } from "../../contract/tradingChecks";
import type { HealthCheck } from "./checks";
import type { ServiceHandle } from "../platform/types";

/** The health gate's settings the checks need (aitb:healthGate). */
export interface CheckSettings {
  heartbeatMaxAgeSeconds: number;
  tradingChecks: { enabled: boolean; marketDataMaxAgeSeconds: number; inferenceBudgetMs: number };
}

/** Which analysis the checks are for: they differ in severity, expectations and next actions. */
export type AnalysisStage = "pre-promotion" | "post-promotion";

interface Judged {
  color: Color;
  stage: AnalysisStage;
  severity: "critical" | "warning";
}

function healthAction(service: string, color: Color, judged: Judged): string {
  if (judged.stage === "pre-promotion") {
    return `${service}-${color} is not ready, so the switch was refused and traffic stayed where it was: look at its log, fix or re-pin it, then run pulumi up again`;
  }
  return judged.severity === "critical"
    ? `look at ${service}-${color}'s log; aitb up reverts an urgent switch, else roll back with aitb rollback`
    : `the standby ${service}-${color} is not healthy: fix it before the next rollback needs it`;
}

/** A service's health check and its trading probes, for one color and stage. */
function checksOf(
  spec: ServiceSpec,
  handle: ServiceHandle | undefined,
  judged: Judged,
  settings: CheckSettings,
): pulumi.Output<HealthCheck>[] {
  // A target that cannot reach a service from where `pulumi up` runs gives no URL (Azure without
  // health-only routes); its public routes are still checked.
  if (!handle?.healthUrl) return [];
  const { color } = judged;
  const health = handle.healthUrl.apply((url): HealthCheck => ({
    name: `${spec.service}-${color}`,
    url,
    kind: "health",
    color,
    service: spec.service,
    expect: {
      service: spec.service,
      color,
      release: spec.release,
      // Before the switch the target's bot is not live yet: its mode is judged after it.
      ...(spec.tradingMode && judged.stage === "post-promotion"
        ? { tradingMode: spec.tradingMode }
        : {}),
    },
    ...(spec.service === "bot" ? { heartbeatMaxAgeSeconds: settings.heartbeatMaxAgeSeconds } : {}),
    severity: judged.severity,
    nextAction: healthAction(spec.service, color, judged),
  }));
  const probeUrl = handle.probeUrl;
  if (!settings.tradingChecks.enabled || !probeUrl) return [health];
  const probes = TRADING_PROBE_KINDS.map((kind) => TRADING_PROBES[kind])
    .filter((probe) => probe.service === spec.service)
    .map((probe) =>
      probeUrl(probe.path).apply((url): HealthCheck => ({
        name: `trading ${probe.kind}-${color}`,
        url,
        kind: probe.kind,
        color,
        service: spec.service,
        expect: {},
        ...(probe.kind === "market-data"
          ? { maxAgeSeconds: settings.tradingChecks.marketDataMaxAgeSeconds }
          : {}),
        ...(probe.kind === "inference"
          ? { budgetMs: settings.tradingChecks.inferenceBudgetMs }
          : {}),
        severity: judged.severity,
        nextAction:
          judged.stage === "pre-promotion"
            ? `the switch to ${color} was refused: ${probe.nextAction}`
            : probe.nextAction,
      })),
    );
  return [health, ...probes];
}

function colorChecks(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
  judged: Judged,
  settings: CheckSettings,
): pulumi.Output<HealthCheck>[] {
  return spec.colors[judged.color].services.flatMap((service, index) =>
    checksOf(service, services[judged.color][index], judged, settings),
  );
}

/** The active color's public routes as users reach them: the same on every target. */
export function publicRouteChecks(spec: DeploymentSpec, endpoint: string): HealthCheck[] {
  const active = spec.colors[spec.activeColor];
  return active.services
    .filter((service) => service.settings.route)
    .map((service): HealthCheck => ({
      name: `public ${service.settings.route}`,
      url: `${endpoint}${service.settings.route}${service.settings.healthPath.slice(1)}`,
      kind: "route",
      color: spec.activeColor,
      service: service.service,
      expect: { service: service.service, color: spec.activeColor, release: active.release },
      nextAction: `the proxy does not route ${service.settings.route} to ${service.service}-${spec.activeColor}: check the proxy's log and the switch record`,
    }));
}

/** The public routes themselves, whose error rate and latency the analysis measures. */
export function trafficUrls(spec: DeploymentSpec, endpoint: string): string[] {
  return spec.colors[spec.activeColor].services
    .map((service) => service.settings.route)
    .filter((route): route is string => Boolean(route))
    .map((route) => `${endpoint}${route}`);
}

/**
 * The target color's routes, called directly: what users will reach once the switch record moves
 * (targets whose services cannot be called directly give none).
 */
export function targetRouteUrls(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
): pulumi.Output<string[]> {
  const color = spec.activeColor;
  const urls = spec.colors[color].services.flatMap((service, index) => {
    const route = service.settings.route;
    const direct = services[color][index]?.directUrl;
    return route && direct ? [direct(route)] : [];
  });
  return pulumi.all(urls);
}

/**
 * Before traffic or the live bot moves: the target (the color about to be active) healthy, its
 * heartbeat fresh and its trading checks passing, all critical; reached directly, never through
 * the proxy, so a failing target never sees a user's request.
 */
export function prePromotionChecks(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
  settings: CheckSettings,
): pulumi.Output<HealthCheck[]> {
  const judged: Judged = { color: spec.activeColor, stage: "pre-promotion", severity: "critical" };
  return pulumi.all([
    ...colorChecks(spec, services, judged, settings),
    ...otherBot(spec, services),
  ]);
}

/**
 * The other color's bot, observed only (a warning): with it the runner sees two bots that both
 * say they trade live (AITB_SINGLE_LIVE_BOT), the target's bot gone live before the switch.
 */
function otherBot(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
): pulumi.Output<HealthCheck>[] {
  const color = otherColor(spec.activeColor);
  const index = spec.colors[color].services.findIndex((service) => service.service === "bot");
  const url = services[color][index]?.healthUrl;
  if (index < 0 || !url) return [];
  return [
    url.apply((healthUrl): HealthCheck => ({
      name: `bot-${color}`,
      url: healthUrl,
      kind: "health",
      color,
      service: "bot",
      expect: { service: "bot", color },
      severity: "warning",
      nextAction: `bot-${color} (live until the switch) is not healthy: the switch to ${spec.activeColor} is what replaces it`,
    })),
  ];
}

/**
 * After the switch, on either target: every service of both colors (release, color, a bot's mode
 * and heartbeat), the trading checks, and the active color's public routes. The standby color's
 * checks are warnings: after a revert it is the color that failed, and it must not block the way
 * back.
 */
export function gateChecks(
  spec: DeploymentSpec,
  services: Record<Color, ServiceHandle[]>,
  publicEndpoint: pulumi.Output<string>,
  settings: CheckSettings,
): pulumi.Output<HealthCheck[]> {
  const perColor = COLORS.flatMap((color) =>
    colorChecks(
      spec,
      services,
      {
        color,
        stage: "post-promotion",
        severity: color === spec.activeColor ? "critical" : "warning",
      },
      settings,
    ),
  );
  const publicChecks = publicEndpoint.apply((endpoint) => publicRouteChecks(spec, endpoint));
  return pulumi.all([pulumi.all(perColor), publicChecks]).apply(([a, b]) => [...a, ...b]);
}
