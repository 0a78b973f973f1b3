import type { DatabaseConfig, ParsedStackConfig } from "../../../config/schema";
import { resolveServiceSettings } from "../../../domain/deployment";
import { SERVICE_NAMES, type ServiceName } from "../../../domain/services";

export type HighAvailabilityMode = NonNullable<DatabaseConfig["highAvailability"]>;

/** The Azure settings whose defaults depend on the environment, resolved once. */
export interface AzureSettings {
  /** Container Apps environment across availability zones (prod by default). */
  zoneRedundant: boolean;
  /** PostgreSQL high availability: ZoneRedundant in prod unless the tier cannot have it. */
  highAvailability: HighAvailabilityMode;
  /** Services that read DATABASE_URL (settings are the same for both colors): the database vault's readers. */
  databaseUsers: ServiceName[];
}

export function azureSettings(config: ParsedStackConfig): AzureSettings {
  const prod = config.environment === "prod";
  const burstable = config.database.tier === "Burstable";
  return {
    zoneRedundant: config.azure?.zoneRedundant ?? prod,
    highAvailability:
      config.database.highAvailability ?? (prod && !burstable ? "ZoneRedundant" : "Disabled"),
    databaseUsers: SERVICE_NAMES.filter(
      (service) => resolveServiceSettings(config, service).usesDatabase,
    ),
  };
}
