import type * as pulumi from "@pulumi/pulumi";

/**
 * The name this stack gave a resource, as an output that waits for the resource to exist. Children
 * take it instead of the plain string so Pulumi orders them after the parent; the value is the
 * configured name, which an offline plan can show (the SDK mocks echo logical names for `name`).
 */
export function nameAfter(resource: pulumi.CustomResource, name: string): pulumi.Output<string> {
  return resource.id.apply(() => name);
}
