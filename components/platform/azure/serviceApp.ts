import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { ServiceSpec } from "../../../domain/deployment";
import { parseImageRef } from "../../../domain/images";
import type { Foundation, RegistryPull, RoleIdentity } from "./foundation";
import { appName, secretNameOf } from "./names";
import {
  SWITCH_RECORD_MOUNT,
  SWITCH_RECORD_VOLUME,
  switchRecordSidecar,
  switchRecordVolume,
} from "./switchRecord";
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
  /** This service's own identity (both colors share it) and the grants it waits for. */
  identity: RoleIdentity;
  /** The bot's switch-record sidecar: its image and the blob it reads. */
  switchRecord: { image: string; blobUrl: string };
  dependsOn: pulumi.Resource[];
}

function sorted<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

const digestOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/**
 * A release file (absolute path -> content) is a Container Apps secret mounted at that path. The
 * secret is named by path, so it is only ever updated, never removed while a running revision
 * still mounts it. Secret values are application-scope and start no revision; the mount's item
 * name carries the content's digest and sits in the template, whose every change starts a new
 * revision (https://learn.microsoft.com/azure/container-apps/revisions, "Change types"), so a
 * files-only change reaches the app as a new revision reading the new value.
 */
export function fileSecretName(file: string): string {
  return `file-${secretNameOf(path.basename(file))}-${digestOf(file).slice(0, 8)}`.slice(0, 63);
}

export function fileItemName(file: string, content: string): string {
  return `${fileSecretName(file)}-${digestOf(content)}`;
}

/** Registries the app pulls from: the configured registry, with the pull identity alone. */
export function registriesFor(
  images: readonly string[],
  pull: RegistryPull | undefined,
): inputs.app.RegistryCredentialsArgs[] {
  const used = images.some(
    (image) => parseImageRef(image).repository.split("/")[0] === pull?.server,
  );
  return pull && used ? [{ server: pull.server, identity: pull.identity.identity.id }] : [];
}

/** What an app or job acting as `identity` runs with: its own identity, and the pull identity. */
export function identitiesFor(
  identity: RoleIdentity,
  pull: RegistryPull | undefined,
): inputs.app.ManagedServiceIdentityArgs {
  return {
    type: "UserAssigned",
    userAssignedIdentities: [identity.identity.id, ...(pull ? [pull.identity.identity.id] : [])],
  };
}

/**
 * Secrets reach the app as versioned Key Vault references read with the service's own identity,
 * so no secret value is an input of the app; a value the vault does not hold stays a Pulumi
 * secret inside the app. A repointed database or a new secret version changes the reference (and
 * AITB_DATABASE), which starts a revision that reads it.
 */
function secretsAndEnv(args: ServiceAppArgs): { secrets: Secret[]; env: Env[] } {
  const secrets: Secret[] = [];
  const env: Env[] = [];
  for (const [variable, value] of sorted(args.secretEnv)) {
    const name = secretNameOf(variable);
    const reference: VaultReference | undefined = args.vault.find(value);
    secrets.push(
      reference
        ? { name, keyVaultUrl: reference.url, identity: args.identity.identity.id }
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
  const isBot = spec.service === "bot";
  // The bot learns the desired color from the switch record, which its sidecar keeps in a
  // volume they share; nothing in this app changes on a switch.
  const switchVolume = isBot ? [switchRecordVolume] : [];
  return new app.ContainerApp(
    appName(spec.service, spec.color),
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      containerAppName: appName(spec.service, spec.color),
      managedEnvironmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      identity: identitiesFor(args.identity, foundation.pull),
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
        registries: registriesFor([spec.image], foundation.pull),
      },
      template: {
        containers: [
          {
            name: spec.service,
            image: spec.image,
            env: [
              ...sorted(spec.env).map(([name, value]) => ({ name, value })),
              ...(isBot ? [{ name: "AITB_SWITCH_RECORD", value: SWITCH_RECORD_MOUNT }] : []),
              ...env,
            ],
            resources: { cpu: spec.settings.cpu, memory: `${spec.settings.memoryGi}Gi` },
            probes: probes(spec),
            volumeMounts: [
              ...files.map(([file, content]) => ({
                volumeName: FILES_VOLUME,
                mountPath: file,
                subPath: fileItemName(file, content),
              })),
              ...(isBot
                ? [{ volumeName: SWITCH_RECORD_VOLUME, mountPath: SWITCH_RECORD_MOUNT }]
                : []),
            ],
          },
          ...(isBot
            ? [
                switchRecordSidecar({
                  image: args.switchRecord.image,
                  blobUrl: args.switchRecord.blobUrl,
                  clientId: args.identity.identity.clientId,
                }),
              ]
            : []),
        ],
        volumes: [
          ...(files.length
            ? [
                {
                  name: FILES_VOLUME,
                  storageType: "Secret",
                  secrets: files.map(([file, content]) => ({
                    secretRef: fileSecretName(file),
                    path: fileItemName(file, content),
                  })),
                },
              ]
            : []),
          ...switchVolume,
        ],
        scale: { minReplicas: spec.settings.replicas, maxReplicas: spec.settings.replicas },
        // The bot finishes or cancels its cycle on SIGTERM (docs/service-contract.md).
        terminationGracePeriodSeconds: isBot ? 60 : 30,
      },
      tags: serviceTags(args.stack, spec),
    },
    {
      parent,
      dependsOn: [
        ...args.dependsOn,
        ...args.identity.grants,
        ...(foundation.pull?.identity.grants ?? []),
      ],
      // No replacement on a switch, and no ordering between the bots: an old revision and a new
      // one of a bot may run side by side (Single revision mode keeps the old one until the new
      // is ready), and the trading lease keeps at most one of them live.
    },
  );
}
