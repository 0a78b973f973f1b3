import { COLORS, otherColor, type Color } from "./colors";
import {
  SERVICE_NAMES,
  DEFAULT_SERVICE_SETTINGS,
  type ServiceName,
  type ServiceSettings,
  type TradingMode,
} from "./services";
import { withDigest } from "./images";

/** One service of one release, as the catalog declares it. */
export interface ReleaseServiceDeclaration {
  image?: string;
  digest?: string;
  build?: "reference";
  env: Record<string, string>;
  files: Record<string, string>;
}

/**
 * The parts of the stack config a deployment is derived from (config/schema.ts produces values of
 * this shape; domain/ does not depend on config/).
 */
export interface DeploymentConfig {
  activeColor: Color;
  standbyTradingMode: TradingMode;
  slots: Record<Color, { release: string }>;
  releases: Record<string, { services: Record<ServiceName, ReleaseServiceDeclaration> }>;
  services: Partial<Record<ServiceName, Partial<ServiceSettings> | undefined>>;
}

/** One service of one color, fully resolved from the settings and the color's release pin. */
export interface ServiceSpec {
  service: ServiceName;
  color: Color;
  release: string;
  settings: ServiceSettings;
  /** A pinned image reference, or undefined when the reference service is built for this release. */
  image?: string;
  buildReference: boolean;
  /** Settings env, then the release's env, then the contract variables (which always win). */
  env: Record<string, string>;
  files: Record<string, string>;
  /** The bot's desired mode under this config (what the health gate expects), not its env. */
  tradingMode?: TradingMode;
}

export interface ColorSpec {
  color: Color;
  release: string;
  active: boolean;
  services: ServiceSpec[];
}

/** The whole desired deployment as plain data, derived from the stack config alone. */
export interface DeploymentSpec {
  activeColor: Color;
  standbyColor: Color;
  colors: Record<Color, ColorSpec>;
}

export function resolveServiceSettings(
  config: DeploymentConfig,
  service: ServiceName,
): ServiceSettings {
  const override = config.services[service] ?? {};
  const base = DEFAULT_SERVICE_SETTINGS[service];
  return { ...base, ...override, env: { ...base.env, ...(override.env ?? {}) } };
}

export function tradingModeFor(config: DeploymentConfig, color: Color): TradingMode {
  return color === config.activeColor ? "live" : config.standbyTradingMode;
}

function serviceSpec(config: DeploymentConfig, color: Color, service: ServiceName): ServiceSpec {
  const release = config.slots[color].release;
  const fromRelease: ReleaseServiceDeclaration = config.releases[release].services[service];
  const settings = resolveServiceSettings(config, service);
  const tradingMode = service === "bot" ? tradingModeFor(config, color) : undefined;
  const env: Record<string, string> = {
    ...settings.env,
    ...fromRelease.env,
    AITB_SERVICE: service,
    AITB_COLOR: color,
    AITB_RELEASE: release,
    AITB_HEALTH_PATH: settings.healthPath,
    PORT: String(settings.port),
    // The bot's mode is not configuration: it trades live only while the switch record names
    // its color and it holds the trading lease (docs/service-contract.md), so a switch changes
    // nothing here. The adapter adds AITB_SWITCH_RECORD, where the record is on its target.
    ...(service === "bot"
      ? { AITB_STANDBY_TRADING_MODE: config.standbyTradingMode, AITB_TRADING_LEASE: "postgres" }
      : {}),
  };
  return {
    service,
    color,
    release,
    settings,
    image: fromRelease.image ? withDigest(fromRelease.image, fromRelease.digest) : undefined,
    buildReference: fromRelease.build === "reference",
    env,
    files: fromRelease.files,
    tradingMode,
  };
}

export function deploymentSpec(config: DeploymentConfig): DeploymentSpec {
  const colors = Object.fromEntries(
    COLORS.map((color) => [
      color,
      {
        color,
        release: config.slots[color].release,
        active: color === config.activeColor,
        services: SERVICE_NAMES.map((service) => serviceSpec(config, color, service)),
      },
    ]),
  ) as Record<Color, ColorSpec>;
  return { activeColor: config.activeColor, standbyColor: otherColor(config.activeColor), colors };
}
