import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as resources from "@pulumi/azure-native/resources";
import { parseImageRef } from "../../../domain/images";
import { RESTORE_TAGS } from "./database";
import type { Foundation } from "./foundation";
import { grant } from "./roles";
import { identitiesFor, registriesFor } from "./serviceApp";
import { CONTAINERS, type BackupStorage } from "./storage";
import { tagsFor } from "./tags";
import type { VaultReference } from "./vaultSecrets";

const JOB_NAME = "forensic-copy";
const DUMP_DIR = "/forensic";
const DUMP_FILE = `${DUMP_DIR}/copy.dump`;
/** Container Apps job API the deployment script calls (start, then poll the execution): GA. */
export const JOBS_API = "2024-03-01";

/** How long the copy may run: the job's replica timeout, and the run script's bound after it. */
export const COPY_TIMEOUT_SECONDS = 3 * 3600;
export const RUN_TIMEOUT_SECONDS = COPY_TIMEOUT_SECONDS + 15 * 60;
/**
 * How long the first start may be refused while its grant takes effect: "it can take up to 10
 * minutes for changes to take effect" (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting,
 * "Role assignment changes are not being detected"), with margin.
 */
export const AUTHORIZATION_WAIT_SECONDS = 15 * 60;
export const POLL_SECONDS = 15;

/** The prefix a copy is filed under when no restore is declared (an operator starts the job). */
export const MANUAL_COPY_PREFIX = "manual";

/** Step 1 (init container, the pinned PostgreSQL image): dump the live database. */
export const DUMP_SCRIPT = `set -eu\npg_dump -Fc --no-owner -d "$DATABASE_URL" -f ${DUMP_FILE}\nls -l ${DUMP_FILE}`;

/** Step 2 (Azure CLI image, the forensic-copy identity): upload the dump to the write-once container. */
export const UPLOAD_SCRIPT = [
  "set -eu",
  // --username takes the identity's client id in every 2.x CLI (newer ones also accept --client-id).
  'az login --identity --username "$AZURE_CLIENT_ID" --output none',
  'blob="$AITB_FORENSIC_PREFIX-$(date -u +%Y%m%dT%H%M%SZ).dump"',
  `az storage blob upload --auth-mode login --account-name "$AITB_STORAGE_ACCOUNT" --container-name ${CONTAINERS.forensics} --name "$blob" --file ${DUMP_FILE} --overwrite false --output none`,
  'echo "forensic copy uploaded: $blob"',
].join("\n");

/**
 * Runs where Azure runs it (a deployment script), so `pulumi up` needs no Azure CLI. Starts the
 * job and waits for its execution; a failed, stopped or overdue copy fails this resource and the
 * restore never starts. Every wait is bounded:
 * - a request refused as not authorized is retried for AITB_AUTH_WAIT_SECONDS (a grant made on
 *   the job can take minutes to apply), any other error fails at once;
 * - a start answered 202 without a body names no execution: the execution that was not listed
 *   before the start is the one (the list is read before and after);
 * - the execution is polled until AITB_TIMEOUT_SECONDS, then the script fails saying so.
 */
export const RUN_SCRIPT = `set -eu
base="https://management.azure.com$AITB_JOB_ID"
errors=$(mktemp)
now() { date +%s; }
auth_deadline=$(( $(now) + AITB_AUTH_WAIT_SECONDS ))
deadline=$(( $(now) + AITB_TIMEOUT_SECONDS ))
azure() {
  while :; do
    if out=$(az rest --output tsv "$@" 2>"$errors"); then
      printf '%s\\n' "$out"
      return 0
    fi
    if grep -q -e AuthorizationFailed -e "does not have authorization" "$errors" && [ "$(now)" -lt "$auth_deadline" ]; then
      echo "not authorized yet (a new role assignment can take minutes to apply); retrying" >&2
      sleep "$AITB_POLL_SECONDS"
      continue
    fi
    cat "$errors" >&2
    return 1
  done
}
executions() { azure --method get --url "$base/executions?api-version=${JOBS_API}" --query "value[].name"; }
listed=$(executions)
before=" $(printf '%s' "$listed" | tr '\\n' ' ') "
execution=$(azure --method post --url "$base/start?api-version=${JOBS_API}" --query name)
while [ -z "$execution" ]; do
  listed=$(executions)
  for name in $listed; do
    case "$before" in *" $name "*) ;; *) execution="$name" ;; esac
  done
  [ -n "$execution" ] && break
  if [ "$(now)" -ge "$deadline" ]; then
    echo "forensic copy: the job was started but no new execution appeared within $AITB_TIMEOUT_SECONDS s; the restore does not start (az containerapp job execution list)" >&2
    exit 1
  fi
  sleep "$AITB_POLL_SECONDS"
done
echo "started $execution"
while :; do
  status=$(azure --method get --url "$base/executions/$execution?api-version=${JOBS_API}" --query properties.status)
  case "$status" in
    Succeeded) echo "forensic copy $execution succeeded"; exit 0 ;;
    Failed|Stopped|Degraded) echo "forensic copy $execution: $status; the restore does not start" >&2; exit 1 ;;
  esac
  if [ "$(now)" -ge "$deadline" ]; then
    echo "forensic copy $execution: still \${status:-unknown} after $AITB_TIMEOUT_SECONDS s; the restore does not start (az containerapp job execution show --name $execution)" >&2
    exit 1
  fi
  sleep "$AITB_POLL_SECONDS"
done
`;

/** "mcr.microsoft.com/azure-cli:2.67.0@sha256:..." -> "2.67.0" (checked by azureConfigIssues). */
export function cliVersionOf(image: string): string {
  return parseImageRef(image).tag ?? "";
}

export interface ForensicJobArgs {
  stack: string;
  /** Where this job's copies are filed: "<target>/<incident>" of the declared restore, or "manual". */
  prefix: string;
  incident?: string;
  liveUrl: VaultReference;
  dumpImage: string;
  /** Azure CLI image of the upload step. */
  cliImage: string;
  foundation: Foundation;
  storage: BackupStorage;
}

export interface ForensicJob {
  job: app.Job;
  /** The run identity may start the job: made with the job, long before a restore needs it. */
  mayStart: pulumi.Resource;
}

/**
 * The seed's "forensic copy before rollback" on Azure: a Container Apps job inside the stack's
 * network (the live server has no public access) dumps the live database with pg_dump and uploads
 * it to the forensics container, whose time-based retention policy keeps it unchangeable. The job
 * always exists (starting it costs nothing until it runs, and an operator can start it by hand),
 * so the grant that lets the run identity start it is in place long before any restore.
 */
export function forensicJob(args: ForensicJobArgs, parent: pulumi.Resource): ForensicJob {
  const { foundation } = args;
  const tags = tagsFor(args.stack, "forensic-copy", { [RESTORE_TAGS.incident]: args.incident });
  const copier = foundation.identities["forensic-copy"];
  const dumpVolume = [{ volumeName: "forensic", mountPath: DUMP_DIR }];
  const job = new app.Job(
    JOB_NAME,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      jobName: JOB_NAME,
      environmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      identity: identitiesFor(copier, foundation.pull),
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: COPY_TIMEOUT_SECONDS,
        replicaRetryLimit: 0,
        secrets: [
          { name: "database-url", keyVaultUrl: args.liveUrl.url, identity: copier.identity.id },
        ],
        registries: registriesFor([args.dumpImage, args.cliImage], foundation.pull),
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
              { name: "AZURE_CLIENT_ID", value: copier.identity.clientId },
              { name: "AITB_STORAGE_ACCOUNT", value: args.storage.accountName },
              { name: "AITB_FORENSIC_PREFIX", value: args.prefix },
            ],
            resources: { cpu: 1, memory: "2Gi" },
            volumeMounts: dumpVolume,
          },
        ],
        volumes: [{ name: "forensic", storageType: "EmptyDir" }],
      },
      tags,
    },
    {
      parent,
      dependsOn: [
        ...copier.grants,
        args.storage.forensicWriteAccess,
        ...(foundation.pull?.identity.grants ?? []),
      ],
    },
  );
  const mayStart = grant(
    "forensic-run-starts-forensic-copy",
    {
      principalId: foundation.identities["forensic-run"].identity.principalId,
      principalType: "ServicePrincipal",
      role: "containerAppsJobsOperator",
      scope: job.id,
      subscriptionId: foundation.subscriptionId,
      description: "The forensic-copy deployment script starts this job and reads its executions",
    },
    { parent: job },
  );
  return { job, mayStart };
}

/**
 * Starts the forensic job during `pulumi up` for a declared restore and succeeds only when the
 * copy did; the restored server depends on it.
 */
export function forensicRun(
  args: {
    stack: string;
    target: string;
    incident: string;
    cliImage: string;
    foundation: Foundation;
    forensic: ForensicJob;
  },
  parent: pulumi.Resource,
): pulumi.Resource {
  const { foundation } = args;
  const runner = foundation.identities["forensic-run"];
  return new resources.AzureCliScript(
    "forensic-copy-run",
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      kind: "AzureCLI",
      azCliVersion: cliVersionOf(args.cliImage),
      identity: { type: "UserAssigned", userAssignedIdentities: [runner.identity.id] },
      scriptContent: RUN_SCRIPT,
      environmentVariables: [
        { name: "AITB_JOB_ID", value: args.forensic.job.id },
        { name: "AITB_AUTH_WAIT_SECONDS", value: String(AUTHORIZATION_WAIT_SECONDS) },
        { name: "AITB_TIMEOUT_SECONDS", value: String(RUN_TIMEOUT_SECONDS) },
        { name: "AITB_POLL_SECONDS", value: String(POLL_SECONDS) },
      ],
      // A new restore target or incident runs a new copy; re-running `pulumi up` does not.
      forceUpdateTag: `${args.target}/${args.incident}`,
      timeout: "PT4H",
      retentionInterval: "P1D",
      cleanupPreference: "OnSuccess",
      tags: tagsFor(args.stack, "forensic-copy", { [RESTORE_TAGS.incident]: args.incident }),
    },
    { parent, dependsOn: [args.forensic.job, args.forensic.mayStart, ...runner.grants] },
  );
}
