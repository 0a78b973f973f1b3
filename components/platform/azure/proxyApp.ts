import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import type { DeploymentSpec } from "../../../domain/deployment";
import { LABEL } from "../../../domain/labels";
import type { Foundation } from "./foundation";
import { PROXY_APP } from "./names";
import { PROXY_PORT } from "./proxySite";
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

/**
 * The one public entry: an nginx Container App serving the generated site. A switch changes only
 * its AITB_NGINX_SITE (and the active-color tags); Container Apps starts a revision with the new
 * site and moves traffic to it once it is ready, while the old revision keeps serving until then.
 */
export function proxyApp(args: ProxyAppArgs, parent: pulumi.Resource): app.ContainerApp {
  const { spec, foundation } = args;
  const tcp = { tcpSocket: { port: PROXY_PORT } };
  return new app.ContainerApp(
    PROXY_APP,
    {
      resourceGroupName: foundation.resourceGroupName,
      location: foundation.location,
      containerAppName: PROXY_APP,
      managedEnvironmentId: foundation.environmentId,
      workloadProfileName: "Consumption",
      configuration: {
        activeRevisionsMode: "Single",
        ingress: {
          external: true,
          targetPort: PROXY_PORT,
          transport: "http",
          allowInsecure: false,
          customDomains: args.certificateId
            ? [
                {
                  name: args.hostname,
                  bindingType: "SniEnabled",
                  certificateId: args.certificateId,
                },
              ]
            : [],
        },
      },
      template: {
        containers: [
          {
            name: "nginx",
            image: args.image,
            command: ["/bin/sh", "-c", proxyStartScript()],
            env: [
              { name: "AITB_ACTIVE_COLOR", value: spec.activeColor },
              { name: "AITB_NGINX_SITE", value: args.site },
            ],
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
      tags: tagsFor(args.stack, "router", {
        [LABEL.color]: spec.activeColor,
        [LABEL.release]: spec.colors[spec.activeColor].release,
      }),
    },
    { parent, dependsOn: args.dependsOn },
  );
}
