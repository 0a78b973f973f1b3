import * as pulumi from "@pulumi/pulumi";
import type { DeploymentSpec } from "../domain/deployment";
import { routeTable, type Route } from "../domain/routing";
import type { Platform } from "./platform/types";

export interface TrafficRouterArgs {
  spec: DeploymentSpec;
  platform: Platform;
  /** What must exist before traffic moves: the target color's services and the pre-switch snapshot. */
  dependsOn: pulumi.Resource[];
}

/** Sends public traffic to the active color: the only part of the stack a switch changes, with the bots. */
export class TrafficRouter extends pulumi.ComponentResource {
  readonly routes: Route[];
  readonly publicEndpoint: pulumi.Output<string>;
  readonly resources: pulumi.Resource[];

  constructor(name: string, args: TrafficRouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("aitb:deploy:TrafficRouter", name, {}, opts);
    this.routes = routeTable(args.spec);
    const handle = args.platform.router(
      { spec: args.spec, routes: this.routes, dependsOn: args.dependsOn },
      this,
    );
    this.publicEndpoint = handle.publicEndpoint;
    this.resources = handle.resources;
    this.registerOutputs({
      activeColor: args.spec.activeColor,
      publicEndpoint: this.publicEndpoint,
      routes: this.routes.map((route) => `${route.path} -> ${route.service}-${route.color}`),
    });
  }
}
