import type { Color } from "../../../domain/colors";
import type { ServiceName } from "../../../domain/services";
import type { ParsedStackConfig } from "../../../config/schema";

export type AzureConfig = NonNullable<ParsedStackConfig["azure"]>;

/** Container App name of one color's service; also its host name inside the environment. */
export function appName(service: ServiceName, color: Color): string {
  return `${service}-${color}`;
}

export const PROXY_APP = "proxy";
/** The app that serves the health-only routes, admitting only aitb:azure.healthCheckSources. */
export const HEALTH_APP = "proxy-health";

/**
 * Who an identity acts for: each service (both colors share it), the forensic-copy job, the
 * deployment script that starts that job, the proxy (its sidecar reads the switch record), and
 * the registry pull identity.
 */
export type AppRole = ServiceName | "forensic-copy" | "forensic-run" | "proxy" | "pull";

/**
 * The two vaults and what they hold: each grant is made on a whole vault before any secret
 * exists (docs/azure.md, "One identity per role"), so the vaults split the secrets by who reads them.
 */
export type VaultKind = "database" | "exchange";

/** Names the Azure target gives its resources; the global ones derive from one prefix. */
export interface AzureNames {
  resourceGroup: string;
  prefix: string;
  /** Key Vaults: globally unique, 3-24 characters. */
  vaults: Record<VaultKind, string>;
  /** Storage account: globally unique, 3-24 lowercase letters and digits. */
  storageAccount: string;
  /** PostgreSQL flexible server: globally unique DNS label. */
  server: string;
  environment: string;
  /** Private DNS zone of the servers; must end in .postgres.database.azure.com. */
  databaseZone: string;
  identity: (role: AppRole) => string;
}

export function azureNames(stack: string, azure: AzureConfig): AzureNames {
  const prefix = azure.namePrefix ?? `aitb-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "")}`;
  return {
    resourceGroup: azure.resourceGroupName ?? `rg-aitb-${stack}`,
    prefix,
    vaults: { database: `${prefix}-dbkv`, exchange: `${prefix}-exkv` },
    storageAccount: `${prefix.replace(/[^a-z0-9]/g, "")}data`,
    server: `${prefix}-pg`,
    environment: `${prefix}-apps`,
    databaseZone: `${prefix}.private.postgres.database.azure.com`,
    identity: (role) => `${prefix}-${role}`,
  };
}

/** Container Apps secret name for an environment variable: DATABASE_URL -> database-url. */
export function secretNameOf(variable: string): string {
  return variable.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
