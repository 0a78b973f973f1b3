import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { COLORS } from "../../../domain/colors";
import { SERVICE_NAMES } from "../../../domain/services";
import { LOG_COPY_PREFIX, LOG_MANIFEST } from "../../../contract/logs";
import { cliVersionOf } from "./forensicCopy";
import type { Foundation } from "./foundation";
import { appName } from "./names";
import { grant } from "./roles";
import { CONTAINERS, type BackupStorage } from "./storage";
import { tagsFor } from "./tags";

/**
 * The table Container Apps writes each container's stdout and stderr to when the environment's
 * appLogsConfiguration destination is "log-analytics" (foundation.ts;
 * https://learn.microsoft.com/azure/container-apps/log-monitoring: ContainerAppConsoleLogs_CL,
 * column ContainerAppName_s). A replaced app's logs stay there for the workspace's retention
 * (aitb:azure.logRetentionDays, 30-730 days: retentionInDays of the workspace).
 */
export const CONSOLE_LOG_TABLE = "ContainerAppConsoleLogs_CL";

/**
 * The copy: one query per color over the workspace's whole retention, each color's rows as one
 * JSON file, their sha256 manifest, uploaded to <key>/logs-<time>/ in the forensics container
 * with --overwrite false. That container's time-based retention policy (storage.ts) lets a blob be
 * created and read but neither changed nor deleted until it expires
 * (https://learn.microsoft.com/azure/storage/blobs/immutable-time-based-retention-policy-overview).
 * A workspace data export rule is no substitute: it exports whole tables, unfiltered, as they
 * arrive, into containers it names itself (am-<table>), never into an existing container
 * (https://learn.microsoft.com/azure/azure-monitor/logs/logs-data-export).
 * A query's answer is bounded: 64 MB, the rest trimmed with only a warning (equinor/radix-log-api
 * issue 30), and a row bound of 500,000 that https://learn.microsoft.com/azure/azure-monitor/service-limits
 * lists under log queries (not re-read for this code). The script fails when a color's answer
 * reaches the row bound rather than keep a silently cut copy; the byte bound is not detected.
 */
export const LOG_COPY_SCRIPT = `set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir="$(mktemp -d)/${LOG_COPY_PREFIX}$stamp"
mkdir -p "$dir"
for color in ${COLORS.join(" ")}; do
  eval "apps=\\$AITB_APPS_$color"
  az monitor log-analytics query --workspace "$AITB_WORKSPACE_ID" --timespan "P\${AITB_RETENTION_DAYS}D" \\
    --analytics-query "${CONSOLE_LOG_TABLE} | where ContainerAppName_s in ($apps) | project TimeGenerated, ContainerAppName_s, RevisionName_s, Log_s | order by TimeGenerated asc" \\
    --output json > "$dir/$color.json" 2> "$dir.err" || {
      # A new stack has no console log table until its first app logs: nothing to copy yet.
      if grep -q -i "resolve table" "$dir.err"; then echo "[]" > "$dir/$color.json"; else cat "$dir.err" >&2; exit 1; fi
    }
  rows=$(grep -c '"TimeGenerated"' "$dir/$color.json" || true)
  if [ "$rows" -ge 500000 ]; then echo "the $color logs reached the query bound of 500000 rows; copy them in shorter spans" >&2; exit 1; fi
done
(cd "$dir" && sha256sum ${COLORS.map((c) => `${c}.json`).join(" ")} > ${LOG_MANIFEST})
az storage blob upload-batch --auth-mode login --account-name "$AITB_STORAGE_ACCOUNT" --destination ${CONTAINERS.forensics} \\
  --destination-path "$AITB_FORENSIC_KEY/${LOG_COPY_PREFIX}$stamp" --source "$dir" --overwrite false --output none
echo "forensic copy of the logs: ${CONTAINERS.forensics}/$AITB_FORENSIC_KEY/${LOG_COPY_PREFIX}$stamp"
`;

/**
 * Runs where Azure runs it (a deployment script, as the database's forensic copy starts its job),
 * as the forensic-copy identity: the one identity that writes to the forensics container
 * (storage.ts forensicWriteAccess), given here only the right to read the workspace.
 */
export function forensicLogRun(
  args: {
    stack: string;
    key: pulumi.Input<string>;
    triggers: pulumi.Input<string>[];
    cliImage: string;
    retentionDays: number;
    foundation: Foundation;
    storage: BackupStorage;
    workspace: { id: pulumi.Output<string>; customerId: pulumi.Output<string> };
    dependsOn: pulumi.Resource[];
  },
  parent: pulumi.Resource,
): pulumi.Resource {
  const { foundation } = args;
  const copier = foundation.identities["forensic-copy"];
  const reads = grant(
    "forensic-copy-reads-logs",
    {
      principalId: copier.identity.principalId,
      principalType: "ServicePrincipal",
      role: "logAnalyticsReader",
      scope: args.workspace.id,
      subscriptionId: foundation.subscriptionId,
      description: "The forensic copy of the logs queries the workspace",
    },
    { parent },
  );
  const apps = (color: (typeof COLORS)[number]) =>
    SERVICE_NAMES.map((service) => `'${appName(service, color)}'`).join(", ");
  return new resources.AzureCliScript(
    "forensic-logs-run",
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      kind: "AzureCLI",
      azCliVersion: cliVersionOf(args.cliImage),
      identity: { type: "UserAssigned", userAssignedIdentities: [copier.identity.id] },
      scriptContent: LOG_COPY_SCRIPT,
      environmentVariables: [
        { name: "AITB_WORKSPACE_ID", value: args.workspace.customerId },
        { name: "AITB_RETENTION_DAYS", value: String(args.retentionDays) },
        { name: "AITB_STORAGE_ACCOUNT", value: args.storage.accountName },
        { name: "AITB_FORENSIC_KEY", value: args.key },
        ...COLORS.map((color) => ({ name: `AITB_APPS_${color}`, value: apps(color) })),
      ],
      // Runs again only when a color is re-pinned or repointed (LogRetention's triggers).
      forceUpdateTag: pulumi.all(args.triggers).apply((triggers) => triggers.join(",")),
      timeout: "PT1H",
      retentionInterval: "P1D",
      cleanupPreference: "OnSuccess",
      tags: tagsFor(args.stack, "forensic-logs"),
    },
    {
      parent,
      dependsOn: [...args.dependsOn, reads, args.storage.forensicWriteAccess, ...copier.grants],
    },
  );
}
