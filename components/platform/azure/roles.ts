import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/**
 * Built-in Azure role definitions the stack grants (ids are the same in every tenant), from
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles.
 */
export const BUILT_IN_ROLE = {
  /** Read secret contents (Key Vault RBAC data plane). */
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  /** Read, write and delete blobs; granted on one container, never the account. */
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  /** Read blobs; granted on the switch-record container to the proxy and the bot. */
  storageBlobDataReader: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /** "Read, start, and stop Container Apps jobs": granted on the forensic-copy job alone. */
  containerAppsJobsOperator: "b9a307c4-5aa3-4b52-ba60-2b17c136cd7b",
  /** Read a Log Analytics workspace's data: granted on the stack's workspace to the forensic run. */
  logAnalyticsReader: "73c42c96-874c-492b-b04d-ab87d138a893",
} as const;

export interface Grant {
  principalId: pulumi.Input<string>;
  principalType: "ServicePrincipal" | "Group";
  role: keyof typeof BUILT_IN_ROLE;
  scope: pulumi.Input<string>;
  subscriptionId: pulumi.Input<string>;
  description: string;
}

export function grant(
  name: string,
  args: Grant,
  opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      principalId: args.principalId,
      // Set so Azure does not look the new identity up in the directory before it has replicated.
      principalType: args.principalType,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE[args.role]}`,
      scope: args.scope,
      description: args.description,
    },
    opts,
  );
}
