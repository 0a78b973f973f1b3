import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import type { BackupsConfig } from "../../../config/schema";
import type { AzureConfig } from "./names";
import type { Foundation } from "./foundation";
import { nameAfter } from "./outputs";
import { grant } from "./roles";
import { tagsFor } from "./tags";

export const CONTAINERS = {
  config: "config-backups",
  forensics: "forensics",
  /** The switch record (switchRecord.ts): read by the proxy's and the bots' sidecars. */
  switch: "switch-record",
} as const;

/** The storage account of parquet archives, configuration backups and forensic copies. */
export interface BackupStorage {
  account: storage.StorageAccount;
  accountName: pulumi.Output<string>;
  blobEndpoint: string;
  containers: Record<string, storage.BlobContainer>;
  /** The forensic-copy identity may write to the forensics container (and nothing else here). */
  forensicWriteAccess: pulumi.Resource;
}

/**
 * Nothing here may be lost: the account, its containers and their policies are protected and
 * kept if removed from the program; blobs are versioned and soft-deleted; forensic copies are
 * write-once for aitb:backups.forensicImmutabilityDays.
 */
export function buildStorage(
  args: {
    stack: string;
    azure: AzureConfig;
    backups: BackupsConfig;
    accountName: string;
    foundation: Foundation;
  },
  parent: pulumi.Resource,
): BackupStorage {
  const { azure, backups, foundation } = args;
  const keep = { protect: true, retainOnDelete: true };
  const account = new storage.StorageAccount(
    "storage",
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      accountName: args.accountName,
      kind: "StorageV2",
      sku: { name: azure.storageSku },
      accessTier: "Hot",
      minimumTlsVersion: "TLS1_2",
      enableHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      // The configuration backups are written by the Pulumi provider, which uses the account key.
      allowSharedKeyAccess: true,
      defaultToOAuthAuthentication: true,
      tags: tagsFor(args.stack, "backup"),
    },
    { parent, ...keep },
  );
  const accountName = nameAfter(account, args.accountName);
  const scoped = { parent: account, ...keep };
  const blobService = new storage.BlobServiceProperties(
    "blob-service",
    {
      resourceGroupName: foundation.resourceGroupName,
      accountName,
      blobServicesName: "default",
      isVersioningEnabled: true,
      deleteRetentionPolicy: { enabled: true, days: azure.softDeleteDays },
      containerDeleteRetentionPolicy: { enabled: true, days: azure.softDeleteDays },
    },
    scoped,
  );
  const containerNames = [
    ...backups.archives,
    CONTAINERS.config,
    CONTAINERS.forensics,
    CONTAINERS.switch,
  ];
  const containers = Object.fromEntries(
    containerNames.map((name) => [
      name,
      new storage.BlobContainer(
        `container-${name}`,
        {
          resourceGroupName: foundation.resourceGroupName,
          accountName,
          containerName: name,
          publicAccess: "None",
        },
        { ...scoped, dependsOn: [blobService] },
      ),
    ]),
  );
  new storage.BlobContainerImmutabilityPolicy(
    "forensics-immutability",
    {
      resourceGroupName: foundation.resourceGroupName,
      accountName,
      containerName: nameAfter(containers[CONTAINERS.forensics], CONTAINERS.forensics),
      immutabilityPolicyName: "default",
      immutabilityPeriodSinceCreationInDays: backups.forensicImmutabilityDays,
      allowProtectedAppendWrites: false,
    },
    { ...scoped, parent: containers[CONTAINERS.forensics] },
  );
  // Least privilege: only the forensic copy writes, and only to its container. No service is
  // given the archive containers: the service contract names no archive writer yet.
  const forensicWriteAccess = grant(
    "forensic-copy-writes-forensics",
    {
      principalId: foundation.identities["forensic-copy"].identity.principalId,
      principalType: "ServicePrincipal",
      role: "storageBlobDataContributor",
      scope: containers[CONTAINERS.forensics].id,
      subscriptionId: foundation.subscriptionId,
      description: "The forensic-copy job uploads its dump to the write-once container",
    },
    { parent: containers[CONTAINERS.forensics] },
  );
  // The switch record is read by the proxy's and the bots' sidecars, and by nothing else; the
  // apps wait for these grants as they do for their vault grants.
  for (const role of ["proxy", "bot"] as const) {
    const reader = foundation.identities[role];
    reader.grants.push(
      grant(
        `${role}-reads-switch-record`,
        {
          principalId: reader.identity.principalId,
          principalType: "ServicePrincipal",
          role: "storageBlobDataReader",
          scope: containers[CONTAINERS.switch].id,
          subscriptionId: foundation.subscriptionId,
          description: `AITB ${role} reads the switch record`,
        },
        { parent: containers[CONTAINERS.switch] },
      ),
    );
  }
  return {
    account,
    accountName,
    blobEndpoint: `https://${args.accountName}.blob.core.windows.net`,
    containers,
    forensicWriteAccess,
  };
}

/** The configuration of one release (images, env, files), kept as a versioned blob. */
export function configBackupBlob(
  args: { release: string; content: string; storage: BackupStorage; foundation: Foundation },
  parent: pulumi.Resource,
): { blob: storage.Blob; location: string } {
  const blobName = `${args.release}/config.json`;
  const blob = new storage.Blob(
    `config-backup-${args.release}`,
    {
      resourceGroupName: args.foundation.resourceGroupName,
      accountName: args.storage.accountName,
      containerName: nameAfter(args.storage.containers[CONTAINERS.config], CONTAINERS.config),
      blobName,
      type: "Block",
      contentType: "application/json",
      source: new pulumi.asset.StringAsset(args.content),
    },
    // Versioning keeps every earlier upload; dropping a release from the pins keeps its blob.
    { parent, retainOnDelete: true },
  );
  return { blob, location: `${args.storage.blobEndpoint}/${CONTAINERS.config}/${blobName}` };
}
