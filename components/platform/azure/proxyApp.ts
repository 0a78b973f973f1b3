import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { Foundation, RoleIdentity } from "./foundation";
import { HEALTH_APP, PROXY_APP } from "./names";
import { PROXY_PORT } from "./proxySite";
import { registriesFor } from "./serviceApp";
import {
  SWITCH_RECORD_MOUNT,
  SWITCH_RECORD_VOLUME,
  switchRecordSidecar,
  switchRecordVolume,
} from "./switchRecord";
import { tagsFor } from "./tags";

/**
 * Start script of the proxy: write the site from the environment, check it, run nginx in the
 * foreground. Container Apps stops a replaced revision with SIGTERM, which nginx takes as "exit
 * now"; the trap turns it into SIGQUIT, nginx's graceful stop, so in-flight requests finish.
 */
export function proxyStartScript(
  options: { siteFile: string; nginx: string; waitForRecord?: string } = {
    siteFile: "/etc/nginx/conf.d/default.conf",
    nginx: "nginx",
  },
): string {
  return [
    "set -eu",
    `printf "%s\\n" "$AITB_NGINX_SITE" > ${options.siteFile}`,
    `${options.nginx} -t -q`,
    // The proxy listens (and so turns ready) only once its sidecar has the switch record.
    ...(options.waitForRecord
      ? [
          "waited=0",
          `until [ -f ${options.waitForRecord} ]; do`,
          '  waited=$((waited + 1)); if [ "$waited" -gt 600 ]; then echo "no switch record after 60 s" >&2; exit 1; fi',
          "  sleep 0.1",
          "done",
        ]
      : []),
    `${options.nginx} -g 'daemon off;' &`,
    "pid=$!",
    "trap 'kill -QUIT \"$pid\"' TERM INT",
    'wait "$pid" || wait "$pid"',
  ].join("\n");
}

export interface ProxyAppArgs {
  stack: string;
  site: string;
  image: string;
  replicas: number;
  hostname: string;
  certificateId?: string;
  foundation: Foundation;
  /** The sidecar that keeps the switch record in the volume nginx reads it from. */
  switchRecord: { blobUrl: string; identity: RoleIdentity };
  dependsOn: pulumi.Resource[];
}

interface NginxAppArgs {
  name: string;
  site: string;
  image: string;
  replicas: number;
  foundation: Foundation;
  ingress: inputs.app.IngressArgs;
  env: { name: string; value: string }[];
  tags: Record<string, string>;
  switchRecord?: { blobUrl: string; identity: RoleIdentity };
  dependsOn: pulumi.Resource[];
}

/**
 * An nginx Container App serving a generated site. The public proxy also runs the switch-record
 * sidecar with its own identity; the health site needs no identity beyond pulling its image.
 */
function nginxApp(args: NginxAppArgs, parent: pulumi.Resource): app.ContainerApp {
  const { foundation } = args;
  const tcp = { tcpSocket: { port: PROXY_PORT } };
  const pull = foundation.pull;
  const record = args.switchRecord;
  const identities = [
    ...(record ? [record.identity.identity.id] : []),
    ...(pull ? [pull.identity.identity.id] : []),
  ];
  return new app.ContainerApp(
    args.name,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      containerAppName: args.name,
      managedEnvironmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      ...(identities.length
        ? { identity: { type: "UserAssigned", userAssignedIdentities: identities } }
        : {}),
      configuration: {
        activeRevisionsMode: "Single",
        ingress: args.ingress,
        registries: registriesFor([args.image], pull),
      },
      template: {
        containers: [
          {
            name: "nginx",
            image: args.image,
            command: [
              "/bin/sh",
              "-c",
              proxyStartScript({
                siteFile: "/etc/nginx/conf.d/default.conf",
                nginx: "nginx",
                ...(record ? { waitForRecord: `${SWITCH_RECORD_MOUNT}/current/record.json` } : {}),
              }),
            ],
            env: [...args.env, { name: "AITB_NGINX_SITE", value: args.site }],
            resources: { cpu: 0.5, memory: "1Gi" },
            probes: [
              { type: "Readiness", ...tcp, periodSeconds: 5, failureThreshold: 3 },
              { type: "Liveness", ...tcp, periodSeconds: 15, failureThreshold: 4 },
            ],
            ...(record
              ? {
                  volumeMounts: [
                    { volumeName: SWITCH_RECORD_VOLUME, mountPath: SWITCH_RECORD_MOUNT },
                  ],
                }
              : {}),
          },
          ...(record
            ? [
                switchRecordSidecar({
                  image: args.image,
                  blobUrl: record.blobUrl,
                  clientId: record.identity.identity.clientId,
                }),
              ]
            : []),
        ],
        ...(record ? { volumes: [switchRecordVolume] } : {}),
        scale: { minReplicas: args.replicas, maxReplicas: args.replicas },
        terminationGracePeriodSeconds: 30,
      },
      tags: args.tags,
    },
    {
      parent,
      dependsOn: [
        ...args.dependsOn,
        ...(record?.identity.grants ?? []),
        ...(pull?.identity.grants ?? []),
      ],
    },
  );
}

/**
 * The one public entry: an nginx Container App serving the generated site, which picks the color
 * per request from the switch record its sidecar keeps. A switch changes nothing here; only a
 * change of the site itself (a route, a release) starts a revision, which Container Apps moves
 * traffic to once it is ready, while the old revision keeps serving until then.
 */
export function proxyApp(args: ProxyAppArgs, parent: pulumi.Resource): app.ContainerApp {
  return nginxApp(
    {
      name: PROXY_APP,
      site: args.site,
      image: args.image,
      replicas: args.replicas,
      foundation: args.foundation,
      ingress: {
        external: true,
        targetPort: PROXY_PORT,
        transport: "http",
        allowInsecure: false,
        customDomains: args.certificateId
          ? [{ name: args.hostname, bindingType: "SniEnabled", certificateId: args.certificateId }]
          : [],
      },
      env: [],
      tags: tagsFor(args.stack, "router"),
      switchRecord: args.switchRecord,
      dependsOn: args.dependsOn,
    },
    parent,
  );
}

/**
 * The health-only routes' app, declared only when aitb:azure.healthCheckSources lists who may
 * call it: its ingress admits those ranges and nothing else ("Allow: allow inbound traffic only
 * from address ranges you specify"; with no rule all traffic is allowed, so without sources the
 * app does not exist: https://learn.microsoft.com/azure/container-apps/ip-restrictions).
 */
export function healthApp(
  args: {
    stack: string;
    site: string;
    image: string;
    sources: readonly string[];
    foundation: Foundation;
    dependsOn: pulumi.Resource[];
  },
  parent: pulumi.Resource,
): app.ContainerApp {
  return nginxApp(
    {
      name: HEALTH_APP,
      site: args.site,
      image: args.image,
      replicas: 1,
      foundation: args.foundation,
      ingress: {
        external: true,
        targetPort: PROXY_PORT,
        transport: "http",
        allowInsecure: false,
        ipSecurityRestrictions: args.sources.map((cidr, index) => ({
          name: `health-check-source-${index + 1}`,
          description: "aitb:azure.healthCheckSources",
          ipAddressRange: cidr,
          action: "Allow",
        })),
      },
      env: [],
      tags: tagsFor(args.stack, "router"),
      dependsOn: args.dependsOn,
    },
    parent,
  );
}
