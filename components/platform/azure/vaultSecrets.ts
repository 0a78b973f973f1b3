import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type { Foundation } from "./foundation";
import type { VaultKind } from "./names";
import { tagsFor } from "./tags";

/** A Key Vault secret the apps read through their identity; the value never enters an app's inputs. */
export interface VaultReference {
  name: string;
  vault: VaultKind;
  /**
   * The secret's URL with its version. Container Apps polls a versionless reference and restarts
   * every revision that uses it within 30 minutes of a new version; a versioned one never
   * changes by itself (https://learn.microsoft.com/azure/container-apps/manage-secrets, "Key Vault
   * secret URI and secret rotation"). So a rotation reaches the apps only as the new version's
   * URL in a reviewed `pulumi up`, which starts new revisions.
   */
  url: pulumi.Output<string>;
  resource: keyvault.Secret;
  /** For database URLs: which server and database it points to (shown to the apps as AITB_DATABASE). */
  database?: string;
}

/** Shown by an offline plan only: under the SDK's mocks no secret has a version yet. */
export const VERSION_AT_DEPLOY = "<version>";

/**
 * The stack's secrets in Key Vault, keyed by the very Output the components pass around, so a
 * service asking for DATABASE_URL gets the vault secret of the database its color is pointed to.
 */
export class VaultSecrets {
  private readonly byValue = new Map<pulumi.Output<string>, VaultReference>();

  constructor(
    private readonly foundation: Foundation,
    private readonly stack: string,
  ) {}

  store(
    name: string,
    value: pulumi.Output<string>,
    vault: VaultKind,
    parent: pulumi.Resource,
    database?: string,
  ): VaultReference {
    const vaultName = this.foundation.vaults[vault].name;
    const resource = new keyvault.Secret(
      `secret-${name}`,
      {
        resourceGroupName: this.foundation.resourceGroupName,
        vaultName,
        secretName: name,
        properties: { value: pulumi.secret(value) },
        tags: tagsFor(this.stack, "secrets"),
      },
      { parent, protect: true, retainOnDelete: true },
    );
    // The engine marks `properties` secret because its input holds the value; the URL is not
    // (it names a version, not its content), and reviewers should see it change at a rotation.
    const url = pulumi.unsecret(
      pulumi
        .all([resource.properties, vaultName])
        .apply(
          ([properties, vaultHost]) =>
            properties.secretUriWithVersion ??
            `https://${vaultHost}.vault.azure.net/secrets/${name}/${VERSION_AT_DEPLOY}`,
        ),
    );
    const reference = { name, vault, url, resource, database };
    this.byValue.set(value, reference);
    return reference;
  }

  find(value: pulumi.Output<string>): VaultReference | undefined {
    return this.byValue.get(value);
  }
}
