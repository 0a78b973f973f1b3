import { COLORS, isColor, type Color } from "../../domain/colors";
import { LABEL } from "../../domain/labels";
import { SERVICE_NAMES, type ServiceName } from "../../domain/services";
import type { PlannedResource } from "../plan/evaluate";
import type { Plan } from "../plan/plan";
import type { GraphDiff, ResourceChange } from "./graphDiff";

/** What a resource is, from the labels (Docker), tags (Azure) or role variable (commands) it carries. */
export interface ResourceIdentity {
  role?: string;
  service?: ServiceName;
  color?: Color;
}

const ROLE_ENV = LABEL.role.toUpperCase().replace(/-/g, "_");
const DATABASE_ROLES = new Set(["database", "database-volume", "restore", "forensic-copy"]);
const SERVICE_NAME = new RegExp(`^(${SERVICE_NAMES.join("|")})-(${COLORS.join("|")})$`);

function labelsOf(inputs: Record<string, unknown>): Record<string, string> {
  const found: Record<string, string> = {};
  const labels = inputs.labels;
  if (Array.isArray(labels)) {
    for (const item of labels as { label?: unknown; value?: unknown }[]) {
      if (typeof item?.label === "string" && typeof item.value === "string") {
        found[item.label] = item.value;
      }
    }
  }
  // An Azure blob has metadata, whose names cannot hold "-": aitb_role stands for aitb-role.
  const metadata = inputs.metadata;
  if (metadata && typeof metadata === "object" && !Array.isArray(metadata)) {
    const role = (metadata as Record<string, unknown>).aitb_role;
    if (typeof role === "string") found[LABEL.role] = role;
  }
  for (const map of [inputs.labels, inputs.tags]) {
    if (map && typeof map === "object" && !Array.isArray(map)) {
      for (const [key, value] of Object.entries(map)) {
        if (typeof value === "string") found[key] = value;
      }
    }
  }
  return found;
}

export function identify(resource: PlannedResource): ResourceIdentity {
  const labels = labelsOf(resource.inputs);
  const environment = resource.inputs.environment;
  const envRole =
    environment && typeof environment === "object"
      ? (environment as Record<string, unknown>)[ROLE_ENV]
      : undefined;
  const byName = SERVICE_NAME.exec(resource.name);
  const service = labels[LABEL.service] ?? byName?.[1];
  const color = labels[LABEL.color] ?? byName?.[2];
  let role = labels[LABEL.role] ?? (typeof envRole === "string" ? envRole : undefined);
  if (!role && (/backup/i.test(resource.type) || /backup|snapshot/i.test(resource.name))) {
    role = "backup";
  }
  if (!role && /dbforpostgresql/i.test(resource.type)) role = "database";
  if (!role && byName) role = "service";
  return {
    role,
    service: (SERVICE_NAMES as readonly string[]).includes(service ?? "")
      ? (service as ServiceName)
      : undefined,
    color: isColor(color) ? color : undefined,
  };
}

export interface BlastRadius {
  activeColor: { from: Color; to: Color } | null;
  releases: Partial<Record<Color, { from: string; to: string }>>;
  /** Per color, the services whose resources change. */
  services: Record<Color, ServiceName[]>;
  /** Public traffic moves between colors (the switch record changes). */
  routing: boolean;
  /** The proxy's own resources change (its site: a drained reload; its container or app). */
  proxy: string[];
  /**
   * The switch record, when it changes: what a switch changes instead of the proxy and the bots
   * (the proxy routes and the bots trade by it at run time).
   */
  switchRecord: string[];
  database: { changes: boolean; resources: string[] };
  backups: string[];
  /** Changed resources that belong to no service, router or database (health gate, change record). */
  other: string[];
  /** Resources replaced (deleted and created) rather than updated, and the inputs that force it. */
  replacements: { name: string; forcedBy: string[]; deleteFirst: boolean }[];
  /** Updated resources whose type the replacement table does not know: each may be a replace. */
  unknown: { name: string; type: string }[];
}

function resourceOf(change: ResourceChange): PlannedResource {
  return (change.after ?? change.before) as PlannedResource;
}

/** Which services of which color, the routing and the database a change touches. */
export function blastRadius(base: Plan, desired: Plan, diff: GraphDiff): BlastRadius {
  const services: Record<Color, Set<ServiceName>> = { blue: new Set(), green: new Set() };
  const database: string[] = [];
  const backups: string[] = [];
  const other: string[] = [];
  const replacements: BlastRadius["replacements"] = [];
  const unknown: BlastRadius["unknown"] = [];
  const switchRecord: string[] = [];
  const proxy: string[] = [];
  for (const change of diff.changes) {
    if (change.op === "replace") {
      replacements.push({
        name: change.name,
        forcedBy: (change.forcedBy ?? []).map((cause) => cause.property),
        deleteFirst: change.deleteFirst === true,
      });
    } else if (change.replacementUnknown) {
      unknown.push({ name: change.name, type: change.type });
    }
    const identity = identify(resourceOf(change));
    if (identity.service && identity.color && (!identity.role || identity.role === "service")) {
      services[identity.color].add(identity.service);
    } else if (identity.role === "router") {
      proxy.push(change.name);
    } else if (identity.role === "switch-record") {
      switchRecord.push(change.name);
    } else if (identity.role && DATABASE_ROLES.has(identity.role)) {
      database.push(change.name);
    } else if (identity.role === "backup") {
      backups.push(change.name);
    } else {
      other.push(change.name);
    }
  }
  const releases: BlastRadius["releases"] = {};
  for (const color of COLORS) {
    if (base.releases[color] !== desired.releases[color]) {
      releases[color] = { from: base.releases[color], to: desired.releases[color] };
    }
  }
  const order = (set: Set<ServiceName>) => SERVICE_NAMES.filter((name) => set.has(name));
  return {
    activeColor:
      base.activeColor !== desired.activeColor
        ? { from: base.activeColor, to: desired.activeColor }
        : null,
    releases,
    services: { blue: order(services.blue), green: order(services.green) },
    routing: switchRecord.length > 0,
    proxy,
    switchRecord,
    database: { changes: database.length > 0, resources: database },
    backups,
    other,
    replacements,
    unknown,
  };
}
