/**
 * Recognising AITB resources on every target, the way the engine and the offline plan hand them
 * to a policy: Docker containers and volumes carry `labels: [{label, value}]`, Azure resources
 * carry `tags: {}`, the loopback target's dynamic resources carry `labels: {}`, commands (and the
 * loopback steps, which take a command's inputs) carry `environment.AITB_ROLE`.
 */
import { LABEL, ROLES, type Role } from "../domain/labels";

/** The fields every policy argument shape has (resource and stack validation alike). */
export interface ResourceView {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
}

export const COMMAND_TYPE = "command:local:Command";
export const AZURE_POSTGRES_SERVER = "azure-native:dbforpostgresql:Server";
export const AZURE_CONTAINER_APP = "azure-native:app:ContainerApp";
export const DOCKER_CONTAINER = "docker:index/container:Container";
/** The loopback target's steps (components/platform/loopback/resources.ts): a command's inputs. */
export const LOOPBACK_STEP = "pulumi-nodejs:dynamic/loopback:Step";

/** A local command, or a loopback step standing in for one. */
export function isCommand(resource: { type: string }): boolean {
  return resource.type === COMMAND_TYPE || resource.type === LOOPBACK_STEP;
}

/**
 * During `pulumi preview` the engine's proxy throws on values it cannot know yet; recognisers
 * treat such a value as absent rather than failing the whole policy.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isUnknownValue(error)) return undefined;
    throw error;
  }
}

/** The error @pulumi/policy's proxy throws when a policy reads a value unknown during preview. */
export function isUnknownValue(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "UnknownValueError";
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringEntries(value: unknown): [string, string][] {
  if (!isRecord(value)) return [];
  return Object.keys(value)
    .map((key): [string, unknown] => [key, known(() => value[key])])
    .filter((entry): entry is [string, string] => typeof entry[1] === "string");
}

/** A command's environment (empty for anything else). */
export function envOf(resource: ResourceView): Record<string, string> {
  if (!isCommand(resource)) return {};
  return Object.fromEntries(stringEntries(known(() => resource.props.environment)));
}

/** Docker labels and Azure tags as one map; a command's AITB_ROLE counts as its role label. */
export function markersOf(resource: ResourceView): Record<string, string> {
  const markers: Record<string, string> = {};
  const labels = known(() => resource.props.labels);
  if (Array.isArray(labels)) {
    for (const entry of labels) {
      const label = known(() => (isRecord(entry) ? entry.label : undefined));
      const value = known(() => (isRecord(entry) ? entry.value : undefined));
      if (typeof label === "string" && typeof value === "string") markers[label] = value;
    }
  }
  if (isRecord(labels)) for (const [key, value] of stringEntries(labels)) markers[key] = value;
  for (const [key, value] of stringEntries(known(() => resource.props.tags))) markers[key] = value;
  const role = envOf(resource).AITB_ROLE;
  if (role) markers[LABEL.role] = role;
  return markers;
}

export function roleOf(resource: ResourceView): Role | undefined {
  const role = markersOf(resource)[LABEL.role];
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : undefined;
}

export function hasRole(resource: ResourceView, ...roles: Role[]): boolean {
  const role = roleOf(resource);
  return role !== undefined && roles.includes(role);
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` -> the name, for messages. */
export function shortUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** A string property read safely, or undefined. */
export function stringProp(props: Record<string, unknown>, key: string): string | undefined {
  const value = known(() => props[key]);
  return typeof value === "string" ? value : undefined;
}

/** A nested property read safely through records, or undefined. */
export function pathProp(props: Record<string, unknown>, ...path: string[]): unknown {
  let node: unknown = props;
  for (const part of path) {
    if (!isRecord(node)) return undefined;
    const parent: Record<string, unknown> = node;
    node = known(() => parent[part]);
  }
  return node;
}

/** The dependency links a stack policy sees on each resource. */
export interface DependencyView {
  urn: string;
  dependencies: readonly DependencyView[];
  propertyDependencies?: Record<string, readonly DependencyView[]>;
}

/** Whether `from` waits for `to`, directly or through other resources. */
export function waitsFor(from: DependencyView, to: { urn: string }): boolean {
  const seen = new Set<string>();
  const queue: DependencyView[] = [from];
  while (queue.length > 0) {
    const next = queue.shift() as DependencyView;
    const direct = [...next.dependencies, ...Object.values(next.propertyDependencies ?? {}).flat()];
    for (const dependency of direct) {
      if (dependency.urn === to.urn) return true;
      if (!seen.has(dependency.urn)) {
        seen.add(dependency.urn);
        queue.push(dependency);
      }
    }
  }
  return false;
}

/** `urn:pulumi:<stack>::...` -> the stack name. */
export function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match?.[1];
}
