import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as resources from "@pulumi/azure-native/resources";
import { parseImageRef } from "../../../domain/images";
import { RESTORE_TAGS } from "./database";
import type { Foundation } from "./foundation";
import { grant } from "./roles";
import { CONTAINERS, type BackupStorage } from "./storage";
import { tagsFor } from "./tags";
import type { VaultReference } from "./vaultSecrets";

const JOB_NAME = "forensic-copy";
const DUMP_DIR = "/forensic";
const DUMP_FILE = `${DUMP_DIR}/copy.dump`;
/** Container Apps job API the deployment script calls (start, then poll the execution). */
const JOBS_API = "2024-03-01";

/** Step 1 (init container, the pinned PostgreSQL image): dump the live database. */
export const DUMP_SCRIPT = `set -eu\npg_dump -Fc --no-owner -d "$DATABASE_URL" -f ${DUMP_FILE}\nls -l ${DUMP_FILE}`;

/** Step 2 (Azure CLI image, the stack's identity): upload the dump to the write-once container. */
export const UPLOAD_SCRIPT = [
  "set -eu",
  // --username takes the identity's client id in every 2.x CLI (newer ones also accept --client-id).
  'az login --identity --username "$AZURE_CLIENT_ID" --output none',
  'blob="$AITB_FORENSIC_PREFIX-$(date -u +%Y%m%dT%H%M%SZ).dump"',
  `az storage blob upload --auth-mode login --account-name "$AITB_STORAGE_ACCOUNT" --container-name ${CONTAINERS.forensics} --name "$blob" --file ${DUMP_FILE} --overwrite false --output none`,
  'echo "forensic copy uploaded: $blob"',
].join("\n");

/**
 * Runs where Azure runs it (a deployment script), so `pulumi up` needs no Azure CLI: start the job
 * and wait for its execution; a failed copy fails this resource and the restore never starts.
 */
export const RUN_SCRIPT = [
  "set -eu",
  `job="$AITB_JOB_ID"`,
  `execution=$(az rest --method post --url "https://management.azure.com$job/start?api-version=${JOBS_API}" --query name --output tsv)`,
  'echo "started $execution"',
  "while :; do",
  `  status=$(az rest --method get --url "https://management.azure.com$job/executions/$execution?api-version=${JOBS_API}" --query properties.status --output tsv)`,
  '  case "$status" in',
  '    Succeeded) echo "forensic copy $execution succeeded"; exit 0 ;;',
  '    Failed|Stopped|Degraded) echo "forensic copy $execution: $status" >&2; exit 1 ;;',
  "  esac",
  "  sleep 15",
  "done",
].join("\n");

/** "mcr.microsoft.com/azure-cli:2.67.0@sha256:..." -> "2.67.0" (checked by azureConfigIssues). */
export function cliVersionOf(image: string): string {
  return parseImageRef(image).tag ?? "";
}

export interface ForensicCopyArgs {
  stack: string;
  /** The restore this copy precedes: its target and incident name the blob. */
  target: string;
  incident: string;
  liveUrl: VaultReference;
  dumpImage: string;
  /** Azure CLI image of the upload step; its tag is the deployment script's CLI version. */
  cliImage: string;
  foundation: Foundation;
  storage: BackupStorage;
}

/**
 * The seed's "forensic copy before rollback" on Azure: a Container Apps job inside the stack's
 * network (the live server has no public access) dumps the live database with pg_dump and uploads
 * it to the forensics container, whose time-based retention policy keeps it unchangeable. A
 * deployment script starts the job during `pulumi up` and succeeds only when the copy did.
 */
export function forensicCopy(args: ForensicCopyArgs, parent: pulumi.Resource): pulumi.Resource {
  const { foundation } = args;
  const tags = tagsFor(args.stack, "forensic-copy", { [RESTORE_TAGS.incident]: args.incident });
  const identity = foundation.identity;
  const dumpVolume = [{ volumeName: "forensic", mountPath: DUMP_DIR }];
  const job = new app.Job(
    JOB_NAME,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      jobName: JOB_NAME,
      environmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: 4 * 3600,
        replicaRetryLimit: 0,
        secrets: [{ name: "database-url", keyVaultUrl: args.liveUrl.url, identity: identity.id }],
      },
      template: {
        initContainers: [
          {
            name: "dump",
            image: args.dumpImage,
            command: ["/bin/sh", "-c", DUMP_SCRIPT],
            env: [{ name: "DATABASE_URL", secretRef: "database-url" }],
            resources: { cpu: 1, memory: "2Gi" },
            volumeMounts: dumpVolume,
          },
        ],
        containers: [
          {
            name: "upload",
            image: args.cliImage,
            command: ["/bin/sh", "-c", UPLOAD_SCRIPT],
            env: [
              { name: "AZURE_CLIENT_ID", value: identity.clientId },
              { name: "AITB_STORAGE_ACCOUNT", value: args.storage.accountName },
              { name: "AITB_FORENSIC_PREFIX", value: `${args.target}/${args.incident}` },
            ],
            resources: { cpu: 1, memory: "2Gi" },
            volumeMounts: dumpVolume,
          },
        ],
        volumes: [{ name: "forensic", storageType: "EmptyDir" }],
      },
      tags,
    },
    { parent, dependsOn: [...foundation.appPrerequisites, args.storage.writeAccess] },
  );
  const mayStart = grant(
    "forensic-copy-start",
    {
      principalId: identity.principalId,
      principalType: "ServicePrincipal",
      role: "contributor",
      scope: job.id,
      subscriptionId: foundation.subscriptionId,
      description: "The forensic-copy deployment script starts this job",
    },
    { parent: job },
  );
  return new resources.AzureCliScript(
    "forensic-copy-run",
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      kind: "AzureCLI",
      azCliVersion: cliVersionOf(args.cliImage),
      identity: { type: "UserAssigned", userAssignedIdentities: [identity.id] },
      scriptContent: RUN_SCRIPT,
      environmentVariables: [{ name: "AITB_JOB_ID", value: job.id }],
      // A new restore target or incident runs a new copy; re-running `pulumi up` does not.
      forceUpdateTag: `${args.target}/${args.incident}`,
      timeout: "PT4H",
      retentionInterval: "P1D",
      cleanupPreference: "OnSuccess",
      tags,
    },
    { parent, dependsOn: [job, mayStart] },
  );
}
