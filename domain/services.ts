/** The AITB services, in the runbook's start order: each starts after the one before is healthy. */
export const SERVICE_NAMES = ["inference", "bot", "webapp", "dashboard", "notifier"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const TRADING_MODES = ["live", "paper", "suspended"] as const;
export type TradingMode = (typeof TRADING_MODES)[number];

/** Seconds after which the bot's heartbeat counts as stale (the runbook's check). */
export const BOT_HEARTBEAT_MAX_AGE_SECONDS = 120;

export interface ServiceSettings {
  /** Port the service listens on inside its container. */
  port: number;
  /** Path of the health endpoint (see docs/service-contract.md). */
  healthPath: string;
  /** Replicas per color; the standby keeps at least one so a switch needs no cold start. */
  replicas: number;
  /** Path prefix the proxy routes to this service; absent for internal services. */
  route?: string;
  /** Whether the service needs DATABASE_URL. */
  usesDatabase: boolean;
  cpu: number;
  memoryGi: number;
  /** Environment shared by every release; a release's own environment wins. */
  env: Record<string, string>;
}

export const DEFAULT_SERVICE_SETTINGS: Record<ServiceName, ServiceSettings> = {
  inference: {
    port: 8001,
    healthPath: "/health",
    replicas: 1,
    route: "/api/",
    usesDatabase: false,
    cpu: 1,
    memoryGi: 2,
    env: {},
  },
  bot: {
    port: 8002,
    healthPath: "/health",
    replicas: 1,
    usesDatabase: true,
    cpu: 0.5,
    memoryGi: 1,
    env: {},
  },
  webapp: {
    port: 5000,
    healthPath: "/health",
    replicas: 1,
    route: "/",
    usesDatabase: true,
    cpu: 0.5,
    memoryGi: 1,
    env: {},
  },
  dashboard: {
    port: 8501,
    healthPath: "/health",
    replicas: 1,
    route: "/dashboard/",
    usesDatabase: true,
    cpu: 0.5,
    memoryGi: 1,
    env: {},
  },
  notifier: {
    port: 8003,
    healthPath: "/health",
    replicas: 1,
    usesDatabase: false,
    cpu: 0.25,
    memoryGi: 0.5,
    env: {},
  },
};
