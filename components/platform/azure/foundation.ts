import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import { SERVICE_NAMES, type ServiceName } from "../../../domain/services";
import type { AppRole, AzureConfig, AzureNames, VaultKind } from "./names";
import { nameAfter } from "./outputs";
import { grant } from "./roles";
import { tagsFor } from "./tags";

/** A user-assigned identity and the grants an app or job acting as it must wait for. */
export interface RoleIdentity {
  identity: managedidentity.UserAssignedIdentity;
  grants: pulumi.Resource[];
}

export interface VaultHandle {
  vault: keyvault.Vault;
  name: pulumi.Output<string>;
}

/** The registry identity: every app and job pulls with it, and it may do nothing else. */
export interface RegistryPull {
  server: string;
  identity: RoleIdentity;
}

/** The shared ground both colors, the proxy, the database and the backups stand on. */
export interface Foundation {
  location: string;
  resourceGroupName: pulumi.Output<string>;
  subscriptionId: pulumi.Output<string>;
  environmentId: pulumi.Output<string>;
  /** The environment's DNS suffix: an external app answers at <app>.<defaultDomain>. */
  defaultDomain: pulumi.Output<string>;
  /** One identity per role, each with only the grants that role needs (docs/azure.md). */
  identities: Record<Exclude<AppRole, "pull">, RoleIdentity>;
  /** Set when aitb:azure.containerRegistry is. */
  pull?: RegistryPull;
  vaults: Record<VaultKind, VaultHandle>;
  databaseSubnetId: pulumi.Output<string>;
  databaseZoneId: pulumi.Output<string>;
  /** What a database server waits for: its private DNS zone is linked to the network. */
  databaseNetwork: pulumi.Resource[];
  /** The workspace every app's console logs go to: the stack's retained log store. */
  logs: {
    workspace: pulumi.Resource;
    id: pulumi.Output<string>;
    customerId: pulumi.Output<string>;
  };
}

export interface FoundationArgs {
  stack: string;
  azure: AzureConfig;
  names: AzureNames;
  /** Services that read the database URL: the database vault's readers. */
  databaseUsers: readonly ServiceName[];
  zoneRedundant: boolean;
}

const APP_DELEGATION = "Microsoft.App/environments";
const DATABASE_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers";
const ROLES: readonly Exclude<AppRole, "pull">[] = [
  ...SERVICE_NAMES,
  "forensic-copy",
  "forensic-run",
  "proxy",
];

/** Who reads each vault. Only the bot reads the exchange key; the forensic copy dumps the database. */
function vaultReaders(
  databaseUsers: readonly ServiceName[],
): Record<VaultKind, Exclude<AppRole, "pull">[]> {
  return { database: [...databaseUsers, "forensic-copy"], exchange: ["bot"] };
}

export function buildFoundation(args: FoundationArgs, parent: pulumi.Resource): Foundation {
  const { azure, names, stack } = args;
  const tags = tagsFor(stack, "network");
  const location = azure.location;
  const client = authorization.getClientConfigOutput({ parent });

  const group = new resources.ResourceGroup(
    "resource-group",
    { resourceGroupName: names.resourceGroup, location, tags },
    { parent },
  );
  const resourceGroupName = nameAfter(group, names.resourceGroup);
  const scoped = { parent: group };

  const logs = new operationalinsights.Workspace(
    "logs",
    {
      resourceGroupName,
      location,
      workspaceName: `${names.prefix}-logs`,
      sku: { name: "PerGB2018" },
      retentionInDays: azure.logRetentionDays,
      tags,
    },
    // The services' logs: a replaced app's console logs stay here, so no update may delete it.
    { ...scoped, protect: true, retainOnDelete: true },
  );
  const logKeys = operationalinsights.getSharedKeysOutput(
    { resourceGroupName, workspaceName: nameAfter(logs, `${names.prefix}-logs`) },
    { parent: logs },
  );

  const vnet = new network.VirtualNetwork(
    "network",
    {
      resourceGroupName,
      location,
      virtualNetworkName: `${names.prefix}-vnet`,
      addressSpace: { addressPrefixes: [azure.network.addressSpace] },
      subnets: [
        {
          name: "apps",
          addressPrefix: azure.network.appsSubnet,
          delegations: [{ name: "apps", serviceName: APP_DELEGATION }],
        },
        {
          name: "database",
          addressPrefix: azure.network.databaseSubnet,
          delegations: [{ name: "database", serviceName: DATABASE_DELEGATION }],
        },
      ],
      tags,
    },
    scoped,
  );
  const zone = new privatedns.PrivateZone(
    "database-dns",
    { resourceGroupName, privateZoneName: names.databaseZone, location: "global", tags },
    scoped,
  );
  const zoneLink = new privatedns.VirtualNetworkLink(
    "database-dns-link",
    {
      resourceGroupName,
      privateZoneName: nameAfter(zone, names.databaseZone),
      virtualNetworkLinkName: `${names.prefix}-vnet`,
      location: "global",
      registrationEnabled: false,
      virtualNetwork: { id: vnet.id },
      tags,
    },
    { parent: zone },
  );

  const environment = new app.ManagedEnvironment(
    "environment",
    {
      resourceGroupName,
      location,
      environmentName: names.environment,
      appLogsConfiguration: {
        destination: "log-analytics",
        logAnalyticsConfiguration: {
          customerId: logs.customerId,
          sharedKey: pulumi.secret(logKeys.apply((keys) => keys.primarySharedKey ?? "")),
        },
      },
      vnetConfiguration: { infrastructureSubnetId: pulumi.interpolate`${vnet.id}/subnets/apps` },
      workloadProfiles: [{ name: "Consumption", workloadProfileType: "Consumption" }],
      // Only settable when the environment is created, and only with an infrastructure subnet
      // (https://learn.microsoft.com/azure/container-apps/disaster-recovery).
      zoneRedundant: args.zoneRedundant,
      tags,
    },
    scoped,
  );

  const identityOf = (role: AppRole) =>
    new managedidentity.UserAssignedIdentity(
      `identity-${role}`,
      { resourceGroupName, location, resourceName: names.identity(role), tags },
      scoped,
    );
  const identities = {} as Record<Exclude<AppRole, "pull">, RoleIdentity>;
  for (const role of ROLES) identities[role] = { identity: identityOf(role), grants: [] };

  const vaultOf = (kind: VaultKind): VaultHandle => {
    const vault = new keyvault.Vault(
      `vault-${kind}`,
      {
        resourceGroupName,
        location,
        vaultName: names.vaults[kind],
        properties: {
          tenantId: azure.tenantId ?? client.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          enablePurgeProtection: true,
        },
        tags: tagsFor(stack, "secrets"),
      },
      { ...scoped, protect: true, retainOnDelete: true },
    );
    return { vault, name: nameAfter(vault, names.vaults[kind]) };
  };
  const vaults: Record<VaultKind, VaultHandle> = {
    database: vaultOf("database"),
    exchange: vaultOf("exchange"),
  };

  // Vault-scope grants, made here, before any secret or app exists: an app whose Key Vault
  // reference it cannot read yet fails to provision, and a new grant can take minutes to apply.
  const readers = vaultReaders(args.databaseUsers);
  for (const kind of ["database", "exchange"] as const) {
    for (const role of readers[kind]) {
      const reader = identities[role];
      reader.grants.push(
        grant(
          `${role}-reads-${kind}-vault`,
          {
            principalId: reader.identity.principalId,
            principalType: "ServicePrincipal",
            role: "keyVaultSecretsUser",
            scope: vaults[kind].vault.id,
            subscriptionId: client.subscriptionId,
            description: `AITB ${role} reads the ${kind} secrets`,
          },
          { parent: vaults[kind].vault },
        ),
      );
    }
  }
  if (azure.operatorsObjectId) {
    grant(
      "operators-read-database-vault",
      {
        principalId: azure.operatorsObjectId,
        principalType: "Group",
        role: "keyVaultSecretsUser",
        scope: vaults.database.vault.id,
        subscriptionId: client.subscriptionId,
        description: "AITB operators read the database password during an incident",
      },
      { parent: vaults.database.vault },
    );
  }

  let pull: RegistryPull | undefined;
  if (azure.containerRegistry) {
    const identity: RoleIdentity = { identity: identityOf("pull"), grants: [] };
    if (azure.containerRegistry.resourceId) {
      identity.grants.push(
        grant(
          "pull-reads-registry",
          {
            principalId: identity.identity.principalId,
            principalType: "ServicePrincipal",
            role: "acrPull",
            scope: azure.containerRegistry.resourceId,
            subscriptionId: client.subscriptionId,
            description: "AITB apps and jobs pull their pinned images",
          },
          { parent: identity.identity },
        ),
      );
    }
    pull = { server: azure.containerRegistry.server, identity };
  }

  return {
    location,
    resourceGroupName,
    subscriptionId: client.subscriptionId,
    environmentId: environment.id,
    defaultDomain: environment.defaultDomain,
    identities,
    pull,
    vaults,
    databaseSubnetId: pulumi.interpolate`${vnet.id}/subnets/database`,
    databaseZoneId: zone.id,
    databaseNetwork: [zoneLink],
    logs: { workspace: logs, id: logs.id, customerId: logs.customerId },
  };
}
