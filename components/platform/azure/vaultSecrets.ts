import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import type { Foundation } from "./foundation";
import { tagsFor } from "./tags";

/** A Key Vault secret the apps read through their identity; the value never enters an app's inputs. */
export interface VaultReference {
  name: string;
  /** Versionless secret URL, so a new version reaches the apps at their next revision. */
  url: pulumi.Output<string>;
  resource: keyvault.Secret;
  /** For database URLs: which server and database it points to (shown to the apps as AITB_DATABASE). */
  database?: string;
}

/**
 * The stack's secrets in Key Vault, keyed by the very Output the components pass around, so a
 * service asking for DATABASE_URL gets the vault secret of the database its color is pointed to.
 */
export class VaultSecrets {
  private readonly byValue = new Map<pulumi.Output<string>, VaultReference>();
  private readonly vaultUri: pulumi.Output<string>;

  constructor(
    private readonly foundation: Foundation,
    private readonly stack: string,
    vaultName: string,
  ) {
    this.vaultUri = foundation.vault.properties.apply(
      (properties) => properties.vaultUri ?? `https://${vaultName}.vault.azure.net/`,
    );
  }

  store(
    name: string,
    value: pulumi.Output<string>,
    parent: pulumi.Resource,
    database?: string,
  ): VaultReference {
    const resource = new keyvault.Secret(
      `secret-${name}`,
      {
        resourceGroupName: this.foundation.resourceGroupName,
        vaultName: this.foundation.vaultName,
        secretName: name,
        properties: { value: pulumi.secret(value) },
        tags: tagsFor(this.stack, "secrets"),
      },
      { parent, protect: true, retainOnDelete: true },
    );
    const url = this.vaultUri.apply((uri) => `${uri.replace(/\/$/, "")}/secrets/${name}`);
    const reference = { name, url, resource, database };
    this.byValue.set(value, reference);
    return reference;
  }

  find(value: pulumi.Output<string>): VaultReference | undefined {
    return this.byValue.get(value);
  }
}
