import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { LocalCommandRequest, Platform } from "./types";

/**
 * A component's step where `pulumi up` runs: the target's own runner when it has one (loopback),
 * else @pulumi/command's local Command, as the Docker and Azure targets have always declared it.
 */
export function localCommand(
  platform: Platform,
  request: LocalCommandRequest,
  parent: pulumi.Resource,
): pulumi.Resource {
  if (platform.localCommand) return platform.localCommand(request, parent);
  return new command.local.Command(
    request.name,
    {
      ...(request.interpreter ? { interpreter: request.interpreter } : {}),
      create: request.create,
      environment: request.environment,
      triggers: request.triggers,
    },
    { parent, dependsOn: request.dependsOn },
  );
}
