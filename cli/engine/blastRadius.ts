import { identify, prePromotionChecksOf, type ResourceIdentity } from "../../contract/resources";
import { COLORS, type Color } from "../../domain/colors";
import { SERVICE_NAMES, type ServiceName } from "../../domain/services";
import type { PlannedResource } from "./evaluate";
import type { Plan } from "./plan";
import type { GraphDiff, ResourceChange } from "./graphDiff";

const DATABASE_ROLES = new Set(["database", "database-volume", "restore", "forensic-copy"]);

/** What a planned resource is (contract/resources.ts reads the markers the program wrote). */
export function identityOf(resource: PlannedResource): ResourceIdentity {
  return identify({
    type: resource.type,
    urn: resource.urn,
    name: resource.name,
    props: resource.inputs,
  });
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
  /**
   * On a switch: how many checks of the color it goes to the pre-promotion analysis runs before
   * the switch record moves (`gate: false` when the health gate is off). Null without a switch.
   */
  observedBeforeSwitch: { color: Color; checks: number; gate: boolean } | null;
}

/** The pre-promotion analysis's checks of `color` in a plan; gate false when it has none. */
function checksBeforeSwitch(plan: Plan, color: Color): { checks: number; gate: boolean } {
  for (const resource of plan.resources) {
    const text = prePromotionChecksOf({
      type: resource.type,
      urn: resource.urn,
      name: resource.name,
      props: resource.inputs,
    });
    if (text === undefined) continue;
    let checks: unknown;
    try {
      checks = JSON.parse(text);
    } catch {
      checks = [];
    }
    const list = Array.isArray(checks) ? (checks as { color?: unknown }[]) : [];
    return { checks: list.filter((check) => check.color === color).length, gate: true };
  }
  return { checks: 0, gate: false };
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
    const identity = identityOf(resourceOf(change));
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
    observedBeforeSwitch:
      base.activeColor !== desired.activeColor
        ? { color: desired.activeColor, ...checksBeforeSwitch(desired, desired.activeColor) }
        : null,
  };
}

/** The blast radius as plain sentences, one per line. */
export function blastLines(blast: BlastRadius): string[] {
  const move = blast.activeColor
    ? `: public traffic moves from ${blast.activeColor.from} to ${blast.activeColor.to}`
    : "";
  const lines = [
    blast.routing
      ? `routing: the switch record changes (${blast.switchRecord.join(", ")})${move}, and the live trading lease with it; the proxy and the bots read it at run time, so nothing reloads or restarts`
      : "routing: no change",
  ];
  const observed = blast.observedBeforeSwitch;
  if (observed) {
    lines.push(
      !observed.gate
        ? `pre-promotion: the health gate is off (aitb:healthGate.enabled): nothing of ${observed.color} is checked before the switch`
        : observed.checks > 0
          ? `pre-promotion: ${observed.color} is checked before the switch (${observed.checks} check${observed.checks === 1 ? "" : "s"})`
          : `pre-promotion: NO check of ${observed.color} runs before the switch: none of its services can be called from where pulumi up runs (Azure: set aitb:azure.healthCheckSources, docs/azure.md); only the public routes' baseline is measured`,
    );
  }
  if (blast.proxy.length > 0) {
    lines.push(
      `proxy: ${blast.proxy.join(", ")} change (a site change is a drained reload on Docker and loopback, a new revision on Azure)`,
    );
  }
  for (const color of COLORS) {
    const services = blast.services[color];
    const release = blast.releases[color];
    const pin = release ? ` (re-pinned ${release.from} → ${release.to})` : "";
    lines.push(
      `${color}: ${services.length > 0 ? services.join(", ") : "no service changes"}${pin}`,
    );
  }
  lines.push(
    blast.database.changes
      ? `database: CHANGES (${blast.database.resources.join(", ")})`
      : "database: no change",
  );
  if (blast.backups.length > 0) lines.push(`backups taken or updated: ${blast.backups.join(", ")}`);
  if (blast.other.length > 0) lines.push(`also: ${blast.other.join(", ")}`);
  const replaced = (deleteFirst: boolean) =>
    blast.replacements
      .filter((r) => r.deleteFirst === deleteFirst)
      .map((r) => `${r.name} [${r.forcedBy.join(", ")}]`);
  const gap = replaced(true);
  if (gap.length > 0) {
    lines.push(`replaced, delete then create (absent in between): ${gap.join(", ")}`);
  }
  const overlap = replaced(false);
  if (overlap.length > 0) lines.push(`replaced, new one first: ${overlap.join(", ")}`);
  if (blast.unknown.length > 0) {
    lines.push(
      `update? (replacement unknown, type not in the replacement table): ${blast.unknown.map((u) => `${u.name} (${u.type})`).join(", ")}`,
    );
  }
  return lines;
}
