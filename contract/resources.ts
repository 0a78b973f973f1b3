/**
 * What a resource means, read from what it carries, on every target and in every view of it (the
 * engine's policy arguments, the offline plan, `aitb diff`, `aitb verify`): Docker containers and
 * volumes carry `labels: [{label, value}]`, Azure resources carry `tags: {}`, Azure blobs carry
 * `metadata: {aitb_role}` (metadata names cannot hold "-"), the loopback target's dynamic resources
 * carry `labels: {}`, and commands (and the loopback steps, which take a command's inputs) carry
 * `environment.AITB_ROLE`. The program writes these markers with domain/labels.ts; this module is
 * the one reader.
 */
import { COLORS, isColor, type Color } from "../domain/colors";
import { LABEL, ROLES, type Role } from "../domain/labels";
import { SERVICE_NAMES, type ServiceName } from "../domain/services";

/** The fields every policy argument shape has (resource and stack validation alike). */
export interface ResourceView {
  type: string;
  urn: string;
  name: string;
  props: Record<string, unknown>;
}

export const COMMAND_TYPE = "command:local:Command";
export const AZURE_POSTGRES_SERVER = "azure-native:dbforpostgresql:Server";
export const AZURE_SQL_DATABASE = "azure-native:sql:Database";
export const AZURE_CONTAINER_APP = "azure-native:app:ContainerApp";
export const DOCKER_CONTAINER = "docker:index/container:Container";
export const DOCKER_VOLUME = "docker:index/volume:Volume";
/** The loopback target's steps (components/platform/loopback/resources.ts): a command's inputs. */
export const LOOPBACK_STEP = "pulumi-nodejs:dynamic/loopback:Step";
export const LOOPBACK_POSTGRES_SERVER = "pulumi-nodejs:dynamic/loopback:PostgresServer";

/**
 * A type token without its API version: azure-native publishes every resource also under versioned
 * modules (`azure-native:dbforpostgresql/v20240801:Server`, `.../v20250801preview:Server`), the same
 * resource to a policy or a review.
 */
export function baseType(type: string): string {
  return type.replace(/^([^:]+):([^:/]+)\/v\d{8}(preview)?:/, "$1:$2:");
}

/** Whether a resource is of one of these types, in any API version. */
export function isType(resource: { type: string }, ...types: string[]): boolean {
  const base = baseType(resource.type);
  return types.includes(base);
}

/** A local command, or a loopback step standing in for one. */
export function isCommand(resource: { type: string }): boolean {
  return isType(resource, COMMAND_TYPE, LOOPBACK_STEP);
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
  const metadataRole = stringProp(
    (known(() => resource.props.metadata) as Record<string, unknown>) ?? {},
    "aitb_role",
  );
  if (metadataRole && !markers[LABEL.role]) markers[LABEL.role] = metadataRole;
  const role = envOf(resource).AITB_ROLE;
  if (role) markers[LABEL.role] = role;
  return markers;
}

/**
 * Which database engine a database, backup, forensic copy or restore belongs to: the `aitb-engine`
 * label or tag, or a command's AITB_DATABASE_ENGINE; PostgreSQL when it carries none.
 */
export const ENGINE_MARKER = "aitb-engine";
export const ENGINE_ENV = "AITB_DATABASE_ENGINE";

/**
 * The env value through which a service that uses the database reaches an optional engine's
 * database (aitb:influxdb, aitb:sqlServer): a secret, repointed like DATABASE_URL by a restore.
 */
export const ENGINE_URL_ENV = { influxdb: "INFLUXDB_URL", sqlServer: "SQLSERVER_URL" } as const;
export const DATABASE_ENGINES = ["postgresql", "influxdb", "sqlServer"] as const;
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

export function engineOf(resource: ResourceView): DatabaseEngine {
  const marked = envOf(resource)[ENGINE_ENV] ?? markersOf(resource)[ENGINE_MARKER];
  return (DATABASE_ENGINES as readonly string[]).includes(marked)
    ? (marked as DatabaseEngine)
    : "postgresql";
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

/** The variable through which the health gate's command receives its checks (components/HealthGate.ts). */
export const HEALTH_CHECKS_ENV = "AITB_HEALTH_CHECKS";

/** Which analysis a health-gate command runs: before the switch record moves, or after. */
export const ANALYSIS_STAGE_ENV = "AITB_ANALYSIS_STAGE";

/**
 * The checks of the post-promotion analysis (the health gate after the switch) as JSON text, when
 * the resource is its command: what `aitb verify` runs against the deployed stack.
 */
export function healthChecksOf(resource: ResourceView): string | undefined {
  const env = envOf(resource);
  if (env[ANALYSIS_STAGE_ENV] === "pre-promotion") return undefined;
  return env[HEALTH_CHECKS_ENV];
}

/** The checks of the pre-promotion analysis as JSON text, when the resource is its command. */
export function prePromotionChecksOf(resource: ResourceView): string | undefined {
  const env = envOf(resource);
  return env[ANALYSIS_STAGE_ENV] === "pre-promotion" ? env[HEALTH_CHECKS_ENV] : undefined;
}

/** What a resource is, for a review: its role, and the service and color it belongs to. */
export interface ResourceIdentity {
  role?: string;
  service?: ServiceName;
  color?: Color;
}

const SERVICE_NAME = new RegExp(`^(${SERVICE_NAMES.join("|")})-(${COLORS.join("|")})$`);

/**
 * The role, service and color of a resource from its markers; where it carries none (a resource
 * the program did not label, such as a provider's backup), from its type and name.
 */
export function identify(resource: ResourceView): ResourceIdentity {
  const markers = markersOf(resource);
  const byName = SERVICE_NAME.exec(resource.name);
  const service = markers[LABEL.service] ?? byName?.[1];
  const color = markers[LABEL.color] ?? byName?.[2];
  let role: string | undefined = markers[LABEL.role];
  if (!role && (/backup/i.test(resource.type) || /backup|snapshot/i.test(resource.name))) {
    role = "backup";
  }
  if (!role && isType(resource, AZURE_POSTGRES_SERVER)) role = "database";
  if (!role && byName) role = "service";
  return {
    role,
    service: (SERVICE_NAMES as readonly string[]).includes(service ?? "")
      ? (service as ServiceName)
      : undefined,
    color: isColor(color) ? color : undefined,
  };
}
