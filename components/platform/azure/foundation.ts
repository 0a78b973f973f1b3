import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import type { AzureConfig, AzureNames } from "./names";
import { nameAfter } from "./outputs";
import { grant } from "./roles";
import { tagsFor } from "./tags";

/** The shared ground both colors, the proxy, the database and the backups stand on. */
export interface Foundation {
  location: string;
  resourceGroupName: pulumi.Output<string>;
  subscriptionId: pulumi.Output<string>;
  environmentId: pulumi.Output<string>;
  /** The environment's DNS suffix: an external app answers at <app>.<defaultDomain>. */
  defaultDomain: pulumi.Output<string>;
  /** Pulls the images, reads the vault, writes archives and forensic copies. */
  identity: managedidentity.UserAssignedIdentity;
  vault: keyvault.Vault;
  vaultName: pulumi.Output<string>;
  databaseSubnetId: pulumi.Output<string>;
  databaseZoneId: pulumi.Output<string>;
  /** What a database server waits for: its private DNS zone is linked to the network. */
  databaseNetwork: pulumi.Resource[];
  /** What every app and job waits for: its identity may read the vault and pull the images. */
  appPrerequisites: pulumi.Resource[];
}

export interface FoundationArgs {
  stack: string;
  azure: AzureConfig;
  names: AzureNames;
}

const APP_DELEGATION = "Microsoft.App/environments";
const DATABASE_DELEGATION = "Microsoft.DBforPostgreSQL/flexibleServers";

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
    scoped,
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
      tags,
    },
    scoped,
  );

  const identity = new managedidentity.UserAssignedIdentity(
    "identity",
    { resourceGroupName, location, resourceName: `${names.prefix}-apps`, tags },
    scoped,
  );

  const vault = new keyvault.Vault(
    "vault",
    {
      resourceGroupName,
      location,
      vaultName: names.vault,
      properties: {
        tenantId: azure.tenantId ?? client.tenantId,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
      },
      tags,
    },
    { ...scoped, protect: true, retainOnDelete: true },
  );
  const appPrerequisites: pulumi.Resource[] = [
    grant(
      "identity-reads-vault",
      {
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        role: "keyVaultSecretsUser",
        scope: vault.id,
        subscriptionId: client.subscriptionId,
        description: "AITB apps read their secrets (database URL, exchange API key)",
      },
      { parent: vault },
    ),
  ];
  if (azure.operatorsObjectId) {
    grant(
      "operators-read-vault",
      {
        principalId: azure.operatorsObjectId,
        principalType: "Group",
        role: "keyVaultSecretsUser",
        scope: vault.id,
        subscriptionId: client.subscriptionId,
        description: "AITB operators read the database password during an incident",
      },
      { parent: vault },
    );
  }
  if (azure.containerRegistry?.resourceId) {
    appPrerequisites.push(
      grant(
        "identity-pulls-images",
        {
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          role: "acrPull",
          scope: azure.containerRegistry.resourceId,
          subscriptionId: client.subscriptionId,
          description: "AITB apps pull their pinned images",
        },
        { parent: identity },
      ),
    );
  }

  return {
    location,
    resourceGroupName,
    subscriptionId: client.subscriptionId,
    environmentId: environment.id,
    defaultDomain: environment.defaultDomain,
    identity,
    vault,
    vaultName: nameAfter(vault, names.vault),
    databaseSubnetId: pulumi.interpolate`${vnet.id}/subnets/database`,
    databaseZoneId: zone.id,
    databaseNetwork: [zoneLink],
    appPrerequisites,
  };
}
