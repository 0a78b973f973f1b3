/**
 * Hand-built resources in the shapes both targets register (Docker labels, Azure tags, command
 * environments), and a harness that runs one policy on them the way `aitb plan` does.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { judgeResources, type PolicyViolation } from "../../cli/engine/policies";
import type { PlannedResource } from "../../cli/engine/evaluate";
import type { DeployedState } from "../../domain/deployed";
import type { ChangeRecord } from "../../config/schema";
import { LABEL, type Role } from "../../domain/labels";
import type { Color } from "../../domain/colors";
import { SERVICE_NAMES } from "../../domain/services";

export const DIGEST = `sha256:${"a".repeat(64)}`;

export function urnOf(type: string, name: string, stack = "prod"): string {
  return `urn:pulumi:${stack}::aitb::${type}::${name}`;
}

export function resource(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  options: Partial<Omit<PlannedResource, "type" | "name" | "inputs">> = {},
): PlannedResource {
  return {
    urn: urnOf(type, name),
    type,
    name,
    custom: true,
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    dependsOn: [],
    secretPaths: [],
    inputs,
    ...options,
  };
}

export function dockerLabels(role: Role, extra: Record<string, string> = {}) {
  return Object.entries({ [LABEL.role]: role, [LABEL.stack]: "dev", ...extra }).map(
    ([label, value]) => ({ label, value }),
  );
}

export function azureTags(role: Role, extra: Record<string, string> = {}) {
  return { [LABEL.role]: role, [LABEL.stack]: "prod", ...extra };
}

export interface ServiceOptions {
  tradingMode?: string;
  image?: string;
  env?: Record<string, string>;
  minReplicas?: number;
  dependsOn?: string[];
}

/** A Docker container of one color's service, labelled as the Docker adapter labels it. */
export function dockerService(
  color: Color,
  service: string,
  options: ServiceOptions = {},
): PlannedResource {
  const extra: Record<string, string> = {
    [LABEL.color]: color,
    [LABEL.service]: service,
    [LABEL.release]: "2026.11.4",
  };
  if (options.tradingMode) extra[LABEL.tradingMode] = options.tradingMode;
  return resource(
    "docker:index/container:Container",
    `${service}-${color}`,
    {
      name: `aitb-dev-${color}-${service}`,
      image: options.image ?? `ghcr.io/aitb/${service}:2026.11.4`,
      envs: Object.entries(options.env ?? {}).map(([key, value]) => `${key}=${value}`),
      labels: dockerLabels("service", extra),
    },
    { dependsOn: options.dependsOn ?? [], deleteBeforeReplace: true },
  );
}

/** An Azure Container App of one color's service, tagged as the Azure adapter tags it. */
export function azureService(
  color: Color,
  service: string,
  options: ServiceOptions = {},
): PlannedResource {
  const extra: Record<string, string> = {
    [LABEL.color]: color,
    [LABEL.service]: service,
    [LABEL.release]: "2026.11.4",
  };
  if (options.tradingMode) extra[LABEL.tradingMode] = options.tradingMode;
  return resource(
    "azure-native:app:ContainerApp",
    `${service}-${color}`,
    {
      containerAppName: `aitb-${service}-${color}`,
      configuration: { secrets: [], activeRevisionsMode: "Single" },
      template: {
        containers: [
          {
            name: service,
            image: options.image ?? `ghcr.io/aitb/${service}:2026.11.4@${DIGEST}`,
            env: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
          },
        ],
        scale: { minReplicas: options.minReplicas ?? 1, maxReplicas: 3 },
      },
      tags: azureTags("service", extra),
    },
    { dependsOn: options.dependsOn ?? [] },
  );
}

/** Both colors' services on one target; blue's bot live and ordered after green's. */
export function colors(
  make: typeof dockerService,
  active: Color = "blue",
  options: Partial<Record<string, ServiceOptions>> = {},
): PlannedResource[] {
  const standby: Color = active === "blue" ? "green" : "blue";
  const standbyBot = make(standby, "bot", { tradingMode: "paper", ...options[`bot-${standby}`] });
  const all: PlannedResource[] = [];
  for (const color of [standby, active]) {
    for (const service of SERVICE_NAMES) {
      if (service === "bot") {
        all.push(
          color === standby
            ? standbyBot
            : make(color, "bot", {
                tradingMode: "live",
                dependsOn: [standbyBot.urn],
                ...options[`bot-${color}`],
              }),
        );
      } else {
        all.push(make(color, service, options[`${service}-${color}`] ?? {}));
      }
    }
  }
  return all;
}

export const DEPLOYED: DeployedState = {
  activeColor: "green",
  releases: { blue: "2026.11.3", green: "2026.11.4" },
  database: "aitb-prod-pg/aitb",
  restore: "",
  knownGoodReleases: ["2026.11.2", "2026.11.3", "2026.11.4"],
};

export const PLANNED_CHANGE: ChangeRecord = {
  class: "planned",
  reason: "Roll out 2026.11.4",
  incident: "CHG-2304",
  requestedBy: "release-manager",
  at: "2026-11-24T22:15:00Z",
};

export interface RecordOptions {
  change?: Partial<ChangeRecord>;
  deployed?: DeployedState | null;
  desired?: Partial<DeployedState>;
  environment?: string;
  /** The stack in the record's URN: what the policies judge the environment by. */
  stack?: string;
}

/** The change record command, as components/ChangeRecord.ts declares it. */
export function changeRecord(options: RecordOptions = {}): PlannedResource {
  const deployed = options.deployed === undefined ? DEPLOYED : options.deployed;
  const desired = { ...DEPLOYED, ...options.desired };
  const record = resource("command:local:Command", "aitb-change-entry", {
    create: 'echo "aitb change record: $AITB_CHANGE"',
    environment: {
      AITB_CHANGE: JSON.stringify({ ...PLANNED_CHANGE, ...options.change }),
      AITB_DEPLOYED: JSON.stringify(deployed),
      AITB_DESIRED: JSON.stringify(desired),
      AITB_ENVIRONMENT: options.environment ?? options.stack ?? "prod",
      AITB_ROLE: "change-record",
    },
  });
  return options.stack ? inStack(record, options.stack) : record;
}

/** The same resource as registered by another stack (the stack's name is in its URN). */
export function inStack(planned: PlannedResource, stack: string): PlannedResource {
  return { ...planned, urn: urnOf(planned.type, planned.name, stack) };
}

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Run one policy on the resources, as `aitb plan` runs the pack. */
export async function violationsOf(
  policy: AnyPolicy,
  resources: PlannedResource[],
): Promise<PolicyViolation[]> {
  return (await judgeResources([policy], resources)).violations;
}

export async function messagesOf(policy: AnyPolicy, resources: PlannedResource[]) {
  return (await violationsOf(policy, resources)).map((violation) => violation.message);
}
