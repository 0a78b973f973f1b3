import type { ConfigIssue } from "../../../config/errors";
import type { ParsedStackConfig } from "../../../config/schema";

/**
 * The loopback target runs local processes only (nginx, PostgreSQL, the reference service): it has
 * no InfluxDB or SQL Server step, so either key is refused before anything registers rather than
 * silently left out. `aitb drill influxdb` runs the InfluxDB steps against a local influxd instead.
 */
export function loopbackEngineIssues(config: ParsedStackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.influxdb) {
    issues.push({
      key: "aitb:influxdb",
      message:
        "is not deployed by the loopback target (local processes only); remove it from this stack and run `aitb drill influxdb` to exercise the InfluxDB backup and restore against a local influxd, or deploy it on the docker target",
    });
  }
  if (config.sqlServer) {
    issues.push({
      key: "aitb:sqlServer",
      message:
        "is not deployed by the loopback target (SQL Server does not run on these machines); remove it from this stack, or deploy it on the docker or azure target",
    });
  }
  return issues;
}
