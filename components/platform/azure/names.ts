import type { Color } from "../../../domain/colors";
import type { ServiceName } from "../../../domain/services";
import type { ParsedStackConfig } from "../../../config/schema";

export type AzureConfig = NonNullable<ParsedStackConfig["azure"]>;

/** Container App name of one color's service; also its host name inside the environment. */
export function appName(service: ServiceName, color: Color): string {
  return `${service}-${color}`;
}

export const PROXY_APP = "proxy";

/** Names the Azure target gives its resources; the global ones derive from one prefix. */
export interface AzureNames {
  resourceGroup: string;
  prefix: string;
  /** Key Vault: globally unique, 3-24 characters. */
  vault: string;
  /** Storage account: globally unique, 3-24 lowercase letters and digits. */
  storageAccount: string;
  /** PostgreSQL flexible server: globally unique DNS label. */
  server: string;
  environment: string;
  /** Private DNS zone of the servers; must end in .postgres.database.azure.com. */
  databaseZone: string;
}

export function azureNames(stack: string, azure: AzureConfig): AzureNames {
  const prefix = azure.namePrefix ?? `aitb-${stack.toLowerCase().replace(/[^a-z0-9-]/g, "")}`;
  return {
    resourceGroup: azure.resourceGroupName ?? `rg-aitb-${stack}`,
    prefix,
    vault: `${prefix}-kv`,
    storageAccount: `${prefix.replace(/[^a-z0-9]/g, "")}data`,
    server: `${prefix}-pg`,
    environment: `${prefix}-apps`,
    databaseZone: `${prefix}.private.postgres.database.azure.com`,
  };
}

/** Container Apps secret name for an environment variable: DATABASE_URL -> database-url. */
export function secretNameOf(variable: string): string {
  return variable.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
