/**
 * The services of both colors as the policies see them, on either target: a Docker container is
 * one replica; an Azure Container App keeps `template.scale.minReplicas` warm (Azure's default
 * is zero).
 */
import { isColor, type Color } from "../domain/colors";
import { LABEL } from "../domain/labels";
import {
  AZURE_CONTAINER_APP,
  hasRole,
  isRecord,
  known,
  markersOf,
  pathProp,
  shortUrn,
  type ResourceView,
  isType,
} from "../contract/resources";

export interface ServiceView<R extends ResourceView = ResourceView> {
  resource: R;
  label: string;
  service?: string;
  color?: Color;
  /** A trading mode fixed in the bot's labels or environment (an older bot). */
  tradingMode?: string;
  /** The bot trades live only under the trading lease, as the switch record says (AITB_TRADING_LEASE). */
  lease?: { standbyMode?: string };
  /** Replicas that stay running when idle. */
  warmReplicas: number;
}

/**
 * `NAME=value` entries (Docker `envs`), `{name, value}` entries (Container Apps) and a plain map
 * (the loopback target's `env`) as one map.
 */
function envEntries(resource: ResourceView): Record<string, string> {
  const env: Record<string, string> = {};
  const plain = known(() => resource.props.env);
  if (isRecord(plain)) {
    for (const [key, value] of Object.entries(plain))
      if (typeof value === "string") env[key] = value;
  }
  const envs = known(() => resource.props.envs);
  if (Array.isArray(envs)) {
    for (const entry of envs) {
      if (typeof entry !== "string") continue;
      const at = entry.indexOf("=");
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
  }
  const containers = pathProp(resource.props, "template", "containers");
  if (Array.isArray(containers)) {
    for (const container of containers) {
      const list = isRecord(container) ? known(() => container.env) : undefined;
      if (!Array.isArray(list)) continue;
      for (const item of list) {
        if (isRecord(item) && typeof item.name === "string" && typeof item.value === "string") {
          env[item.name] = item.value;
        }
      }
    }
  }
  return env;
}

function warmReplicas(resource: ResourceView): number {
  if (!isType(resource, AZURE_CONTAINER_APP)) return 1;
  const min = pathProp(resource.props, "template", "scale", "minReplicas");
  return typeof min === "number" ? min : 0;
}

export function serviceView<R extends ResourceView>(resource: R): ServiceView<R> {
  const markers = markersOf(resource);
  const color = markers[LABEL.color];
  const env = envEntries(resource);
  return {
    resource,
    label: shortUrn(resource.urn),
    service: markers[LABEL.service],
    color: isColor(color) ? color : undefined,
    tradingMode: markers[LABEL.tradingMode] ?? env.AITB_TRADING_MODE,
    ...(env.AITB_TRADING_LEASE ? { lease: { standbyMode: env.AITB_STANDBY_TRADING_MODE } } : {}),
    warmReplicas: warmReplicas(resource),
  };
}

/** Every resource labelled or tagged `aitb-role: service`. */
export function servicesOf<R extends ResourceView>(resources: readonly R[]): ServiceView<R>[] {
  return resources.filter((resource) => hasRole(resource, "service")).map(serviceView);
}
