import type { ConfigIssue } from "../../../config/errors";
import type { ParsedStackConfig } from "../../../config/schema";

/**
 * aitb:influxdb is refused on Azure, before anything registers. Azure has no managed InfluxDB 1.x,
 * and the only persistent volume a Container App can mount is an Azure Files share
 * (learn.microsoft.com/azure/container-apps/storage-mounts: "Azure Container Apps doesn't support
 * mounting file shares from Azure NetApp Files or Azure Blob Storage"), reached over SMB, whose
 * locking InfluxDB's memory-mapped TSM files and BoltDB meta store are not built for: a container
 * would not give the data the guarantees PostgreSQL and Azure SQL have here (point-in-time
 * restore, protected managed backups).
 */
export function azureInfluxIssues(config: ParsedStackConfig): ConfigIssue[] {
  if (!config.influxdb) return [];
  return [
    {
      key: "aitb:influxdb",
      message:
        "is not available on the azure target: Azure offers no managed InfluxDB 1.x, and a Container App's only persistent volume is an SMB Azure Files share, not storage a database's files can live on safely (docs/azure.md); remove aitb:influxdb from this stack, keep the time series in aitb:sqlServer or PostgreSQL, or run InfluxDB on the docker target",
    },
  ];
}
