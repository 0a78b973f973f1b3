import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { Foundation } from "../components/platform/azure/foundation";
import { VaultSecrets } from "../components/platform/azure/vaultSecrets";

/**
 * What an app's Key Vault reference names: the version Azure reports for the secret
 * (properties.secretUriWithVersion), so a new version reaches the apps only through an update.
 * The mocks answer like Azure: a secret's version depends on its value.
 */

const versionOf = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 32);

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

async function referenceFor(value: string): Promise<{ url: string; secret: boolean }> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type !== "azure-native:keyvault:Secret") return { id: args.name, state: {} };
        // The mocks get a secret as a wrapper around its value.
        const given = (args.inputs.properties as { value: string | { value: string } }).value;
        const value = typeof given === "string" ? given : given.value;
        return {
          id: `${args.name}-id`,
          state: {
            properties: {
              secretUri: `https://aitb-prod-dbkv.vault.azure.net/secrets/${args.inputs.secretName}`,
              secretUriWithVersion: `https://aitb-prod-dbkv.vault.azure.net/secrets/${args.inputs.secretName}/${versionOf(value)}`,
            },
          },
        };
      },
      call: (args) => args.inputs,
    },
    "aitb",
    "prod",
    false,
  );
  const vaultName = pulumi.output("aitb-prod-dbkv");
  const foundation = {
    resourceGroupName: pulumi.output("rg-aitb-prod"),
    vaults: { database: { name: vaultName }, exchange: { name: vaultName } },
  } as unknown as Foundation;
  const parent = new pulumi.ComponentResource("test:index:Parent", `parent-${value.length}`);
  const vault = new VaultSecrets(foundation, "prod");
  const reference = vault.store("database-url", pulumi.secret(value), "database", parent);
  return { url: await resolve(reference.url), secret: await pulumi.isSecret(reference.url) };
}

describe("a vault reference", () => {
  it("names the secret's version, and a new value names a new version", async () => {
    const first = await referenceFor("postgres://aitb:one@host/aitb");
    const rotated = await referenceFor("postgres://aitb:two-rotated@host/aitb");
    expect(first.url).toBe(
      `https://aitb-prod-dbkv.vault.azure.net/secrets/database-url/${versionOf("postgres://aitb:one@host/aitb")}`,
    );
    expect(rotated.url).not.toBe(first.url);
    expect(rotated.url).toMatch(/\/secrets\/database-url\/[0-9a-f]{32}$/);
  });

  it("is not itself a secret, so a review shows the version change", async () => {
    expect((await referenceFor("postgres://aitb:one@host/aitb")).secret).toBe(false);
  });
});
