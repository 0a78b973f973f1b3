import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";

/** Built-in Azure role definitions the stack's identity is granted (ids are the same in every tenant). */
export const BUILT_IN_ROLE = {
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  /** Narrowly scoped (one Container Apps job) so the deployment script can start it. */
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
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
      principalType: args.principalType,
      roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLE[args.role]}`,
      scope: args.scope,
      description: args.description,
    },
    opts,
  );
}
