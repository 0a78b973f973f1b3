import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { ServiceSpec } from "../../../domain/deployment";
import { parseImageRef } from "../../../domain/images";
import { LABEL } from "../../../domain/labels";
import type { Foundation } from "./foundation";
import { appName, secretNameOf } from "./names";
import { serviceTags } from "./tags";
import type { VaultReference, VaultSecrets } from "./vaultSecrets";

type Env = inputs.app.EnvironmentVarArgs;
type Secret = inputs.app.SecretArgs;

/** Port of a Container App's HTTP ingress inside the environment (it forwards to the service's port). */
export const INGRESS_PORT = 80;

const FILES_VOLUME = "release-files";

export interface ServiceAppArgs {
  stack: string;
  spec: ServiceSpec;
  secretEnv: Record<string, pulumi.Output<string>>;
  foundation: Foundation;
  vault: VaultSecrets;
  registryServer?: string;
  dependsOn: pulumi.Resource[];
}

function sorted<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** A release file (absolute path -> content) as a Container Apps secret mounted at that path. */
function fileSecretName(file: string): string {
  const digest = createHash("sha256").update(file).digest("hex").slice(0, 8);
  return `file-${secretNameOf(path.basename(file))}-${digest}`.slice(0, 63);
}

/**
 * Secrets reach the app as Key Vault references read with the stack's identity, so no secret value
 * is an input of the app; a value the vault does not hold stays a Pulumi secret inside the app.
 * A repointed database changes AITB_DATABASE, which starts a revision that reads the new secret.
 */
function secretsAndEnv(args: ServiceAppArgs): { secrets: Secret[]; env: Env[] } {
  const secrets: Secret[] = [];
  const env: Env[] = [];
  for (const [variable, value] of sorted(args.secretEnv)) {
    const name = secretNameOf(variable);
    const reference: VaultReference | undefined = args.vault.find(value);
    secrets.push(
      reference
        ? { name, keyVaultUrl: reference.url, identity: args.foundation.identity.id }
        : { name, value: pulumi.secret(value) },
    );
    env.push({ name: variable, secretRef: name });
    if (reference?.database) env.push({ name: "AITB_DATABASE", value: reference.database });
  }
  for (const [file, content] of sorted(args.spec.files)) {
    secrets.push({ name: fileSecretName(file), value: content });
  }
  return { secrets, env };
}

function probes(spec: ServiceSpec): inputs.app.ContainerAppProbeArgs[] {
  const httpGet = { path: spec.settings.healthPath, port: spec.settings.port, scheme: "HTTP" };
  return [
    { type: "Startup", httpGet, periodSeconds: 5, failureThreshold: 24, timeoutSeconds: 3 },
    { type: "Readiness", httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 3 },
    { type: "Liveness", httpGet, periodSeconds: 15, failureThreshold: 4, timeoutSeconds: 5 },
  ];
}

/**
 * One color's service as a Container App: its pinned image, reachable only inside the environment
 * (the proxy is the one public entry), replicas from config for both colors, so the standby is
 * warm and a switch changes no replica count.
 */
export function serviceApp(args: ServiceAppArgs, parent: pulumi.Resource): app.ContainerApp {
  const { spec, foundation } = args;
  if (!spec.image) {
    throw new Error(
      `${spec.service}-${spec.color}: release ${spec.release} pins no image; the azure target runs pinned images only`,
    );
  }
  const { secrets, env } = secretsAndEnv(args);
  const files = sorted(spec.files);
  const registry = parseImageRef(spec.image).repository.split("/")[0];
  const isBot = spec.service === "bot";
  return new app.ContainerApp(
    appName(spec.service, spec.color),
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      containerAppName: appName(spec.service, spec.color),
      managedEnvironmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      identity: { type: "UserAssigned", userAssignedIdentities: [foundation.identity.id] },
      configuration: {
        activeRevisionsMode: "Single",
        ingress: {
          external: false,
          targetPort: spec.settings.port,
          transport: "http",
          // Inside the environment only; the proxy calls http://<app> without a TLS redirect.
          allowInsecure: true,
        },
        secrets,
        registries:
          args.registryServer === registry
            ? [{ server: registry, identity: foundation.identity.id }]
            : [],
      },
      template: {
        containers: [
          {
            name: spec.service,
            image: spec.image,
            env: [...sorted(spec.env).map(([name, value]) => ({ name, value })), ...env],
            resources: { cpu: spec.settings.cpu, memory: `${spec.settings.memoryGi}Gi` },
            probes: probes(spec),
            volumeMounts: files.map(([file]) => ({
              volumeName: FILES_VOLUME,
              mountPath: file,
              subPath: fileSecretName(file),
            })),
          },
        ],
        volumes: files.length
          ? [
              {
                name: FILES_VOLUME,
                storageType: "Secret",
                secrets: files.map(([file]) => ({
                  secretRef: fileSecretName(file),
                  path: fileSecretName(file),
                })),
              },
            ]
          : [],
        scale: { minReplicas: spec.settings.replicas, maxReplicas: spec.settings.replicas },
        // The bot finishes or cancels its cycle on SIGTERM (docs/service-contract.md).
        terminationGracePeriodSeconds: isBot ? 60 : 30,
      },
      tags: serviceTags(args.stack, spec),
    },
    {
      parent,
      dependsOn: args.dependsOn,
      ...(isBot
        ? {
            // A trading-mode change replaces the bot, old app first: Container Apps keeps an old
            // revision running until a new one is ready, which for a bot could mean two live.
            replaceOnChanges: [`tags["${LABEL.tradingMode}"]`],
            deleteBeforeReplace: true,
          }
        : {}),
    },
  );
}
