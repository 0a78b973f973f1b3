import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type * as inputs from "@pulumi/azure-native/types/input";
import type { DeploymentSpec } from "../../../domain/deployment";
import { LABEL } from "../../../domain/labels";
import type { Foundation } from "./foundation";
import { HEALTH_APP, PROXY_APP } from "./names";
import { PROXY_PORT } from "./proxySite";
import { registriesFor } from "./serviceApp";
import { tagsFor } from "./tags";

/**
 * Start script of the proxy: write the site from the environment, check it, run nginx in the
 * foreground. Container Apps stops a replaced revision with SIGTERM, which nginx takes as "exit
 * now"; the trap turns it into SIGQUIT, nginx's graceful stop, so in-flight requests finish.
 */
export function proxyStartScript(
  options: { siteFile: string; nginx: string } = {
    siteFile: "/etc/nginx/conf.d/default.conf",
    nginx: "nginx",
  },
): string {
  return [
    "set -eu",
    `printf "%s\\n" "$AITB_NGINX_SITE" > ${options.siteFile}`,
    `${options.nginx} -t -q`,
    `${options.nginx} -g 'daemon off;' &`,
    "pid=$!",
    "trap 'kill -QUIT \"$pid\"' TERM INT",
    'wait "$pid" || wait "$pid"',
  ].join("\n");
}

export interface ProxyAppArgs {
  stack: string;
  spec: DeploymentSpec;
  site: string;
  image: string;
  replicas: number;
  hostname: string;
  certificateId?: string;
  foundation: Foundation;
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
  dependsOn: pulumi.Resource[];
}

/** An nginx Container App serving a generated site; it needs no identity beyond pulling its image. */
function nginxApp(args: NginxAppArgs, parent: pulumi.Resource): app.ContainerApp {
  const { foundation } = args;
  const tcp = { tcpSocket: { port: PROXY_PORT } };
  const pull = foundation.pull;
  return new app.ContainerApp(
    args.name,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      containerAppName: args.name,
      managedEnvironmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      ...(pull
        ? {
            identity: { type: "UserAssigned", userAssignedIdentities: [pull.identity.identity.id] },
          }
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
            command: ["/bin/sh", "-c", proxyStartScript()],
            env: [...args.env, { name: "AITB_NGINX_SITE", value: args.site }],
            resources: { cpu: 0.5, memory: "1Gi" },
            probes: [
              { type: "Readiness", ...tcp, periodSeconds: 5, failureThreshold: 3 },
              { type: "Liveness", ...tcp, periodSeconds: 15, failureThreshold: 4 },
            ],
          },
        ],
        scale: { minReplicas: args.replicas, maxReplicas: args.replicas },
        terminationGracePeriodSeconds: 30,
      },
      tags: args.tags,
    },
    { parent, dependsOn: [...args.dependsOn, ...(pull?.identity.grants ?? [])] },
  );
}

/**
 * The one public entry: an nginx Container App serving the generated site. A switch changes only
 * its AITB_NGINX_SITE (and the active-color tags); Container Apps starts a revision with the new
 * site and moves traffic to it once it is ready, while the old revision keeps serving until then.
 */
export function proxyApp(args: ProxyAppArgs, parent: pulumi.Resource): app.ContainerApp {
  const { spec } = args;
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
      env: [{ name: "AITB_ACTIVE_COLOR", value: spec.activeColor }],
      tags: tagsFor(args.stack, "router", {
        [LABEL.color]: spec.activeColor,
        [LABEL.release]: spec.colors[spec.activeColor].release,
      }),
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
