import * as pulumi from "@pulumi/pulumi";
import type { DeploymentSpec } from "../domain/deployment";
import { routeTable, type Route } from "../domain/routing";
import type { Platform } from "./platform/types";

export interface TrafficRouterArgs {
  spec: DeploymentSpec;
  platform: Platform;
  /** What the proxy's site needs: the routed services of both colors. */
  dependsOn: pulumi.Resource[];
  /** What must exist before the switch record moves: the active color's services, the pre-switch snapshot. */
  switchAfter: pulumi.Resource[];
}

/**
 * Sends public traffic to the active color. Its switch record is the only resource a switch
 * changes: the proxy reads it per request and the bots learn the desired color from it.
 */
export class TrafficRouter extends pulumi.ComponentResource {
  readonly routes: Route[];
  readonly publicEndpoint: pulumi.Output<string>;
  readonly switchRecord: pulumi.Resource;
  readonly resources: pulumi.Resource[];

  constructor(name: string, args: TrafficRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:TrafficRouter", name, {}, opts);
    this.routes = routeTable(args.spec);
    const handle = args.platform.router(
      {
        spec: args.spec,
        routes: this.routes,
        dependsOn: args.dependsOn,
        switchAfter: args.switchAfter,
      },
      this,
    );
    this.publicEndpoint = handle.publicEndpoint;
    this.switchRecord = handle.switchRecord;
    this.resources = handle.resources;
    this.registerOutputs({
      activeColor: args.spec.activeColor,
      publicEndpoint: this.publicEndpoint,
      routes: this.routes.map((route) => `${route.path} -> ${route.service}-${route.color}`),
    });
  }
}
