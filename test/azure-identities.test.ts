import * as pulumi from "@pulumi/pulumi";
import * as sdkSettings from "@pulumi/pulumi/runtime/settings";
import { secretPlaceholders } from "../cli/engine/stackFiles";
import { BUILT_IN_ROLE } from "../components/platform/azure/roles";
import { COLORS } from "../domain/colors";
import { SERVICE_NAMES } from "../domain/services";
import { NOW, stackSource } from "./support/stacks";

/**
 * Who may do what on Azure. The plan's usual mocks echo inputs, so an identity has no principal
 * id there; these mocks give every identity one, and the role assignments then name the very
 * identity they were made for.
 */

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const REGISTRY = "aitbprod.azurecr.io";
const REGISTRY_ID =
  "/subscriptions/sub/resourceGroups/rg-shared/providers/Microsoft.ContainerRegistry/registries/aitbprod";

/** The mocks see a secret as a wrapper around its value (the SDK's rpc.specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return unwrap(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

async function evaluate(stack: string, changes: Record<string, unknown>): Promise<Registered[]> {
  const source = stackSource(stack, changes);
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: unwrap(args.inputs) as Record<string, unknown>,
        });
        if (args.type === "pulumi:pulumi:StackReference") {
          return {
            id: args.name,
            state: { name: args.inputs.name, outputs: {}, secretOutputNames: [] },
          };
        }
        const state: Record<string, unknown> = { name: args.name, ...args.inputs };
        if (args.type === "azure-native:managedidentity:UserAssignedIdentity") {
          state.principalId = `${args.name}-principal`;
          state.clientId = `${args.name}-client`;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    source.project,
    source.stack,
    false,
    "organization",
  );
  const placeholders = secretPlaceholders(source.project);
  pulumi.runtime.setAllConfig({ ...placeholders, ...source.flat }, Object.keys(placeholders));
  await pulumi.runtime.runInPulumiStack(async () => {
    const { aitbProgram } =
      require("../components/program") as typeof import("../components/program");
    return aitbProgram({ now: NOW });
  });
  await (sdkSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return registered;
}

interface Assignment {
  principal: string;
  role: string;
  scope: string;
}

interface AppInputs {
  identity: { type: string; userAssignedIdentities: string[] };
  configuration: {
    secrets?: { name: string; keyVaultUrl?: string; identity?: string }[];
    registries?: { server: string; identity: string }[];
  };
  template: { containers: { image: string }[] };
}

describe("identities and grants on prod, one identity per role", () => {
  const database = stackSource("prod").values.database as Record<string, unknown>;
  const proxy = stackSource("prod").values.proxy as Record<string, unknown>;
  const azure = stackSource("prod").values.azure as Record<string, unknown>;
  let resources: Registered[];
  let assignments: Assignment[];
  const roleName = (id: string) =>
    Object.entries(BUILT_IN_ROLE).find(([, guid]) => id.endsWith(`/${guid}`))?.[0] ?? id;
  const holders = (scope: string) =>
    assignments
      .filter((a) => a.scope === scope)
      .map((a) => `${a.principal} ${a.role}`)
      .sort();
  const named = (name: string) => {
    const found = resources.find((r) => r.name === name && r.type !== "pulumi:pulumi:Stack");
    if (!found) throw new Error(`no resource ${name}`);
    return found;
  };
  const app = (name: string) => named(name).inputs as unknown as AppInputs;

  beforeAll(async () => {
    resources = await evaluate("prod", {
      azure: { ...azure, containerRegistry: { server: REGISTRY, resourceId: REGISTRY_ID } },
      proxy: { ...proxy, image: `${REGISTRY}/nginx:1.27.2@sha256:${"a".repeat(64)}` },
      database: {
        ...database,
        restore: {
          pointInTime: "2026-11-25T14:00:00Z",
          color: "blue",
          reason: "Order table corrupted",
          incident: "INC-7781",
        },
      },
    });
    assignments = resources
      .filter((r) => r.type === "azure-native:authorization:RoleAssignment")
      .map((r) => ({
        principal: String(r.inputs.principalId),
        role: roleName(String(r.inputs.roleDefinitionId)),
        scope: String(r.inputs.scope),
      }));
  });

  it("lets only the bot read the exchange key", () => {
    expect(holders("vault-exchange-id")).toEqual(["identity-bot-principal keyVaultSecretsUser"]);
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES.filter((s) => s !== "bot")) {
        const secrets = app(`${service}-${color}`).configuration.secrets ?? [];
        expect(secrets.map((s) => s.name)).not.toContain("exchange-api-key");
      }
    }
  });

  it("lets only the database users and the forensic copy read the database secrets", () => {
    expect(holders("vault-database-id")).toEqual([
      "identity-bot-principal keyVaultSecretsUser",
      "identity-dashboard-principal keyVaultSecretsUser",
      "identity-forensic-copy-principal keyVaultSecretsUser",
      "identity-webapp-principal keyVaultSecretsUser",
    ]);
  });

  it("runs each service as its own identity, which reads its secrets, and pulls as the pull identity", () => {
    for (const color of COLORS) {
      for (const service of SERVICE_NAMES) {
        const inputs = app(`${service}-${color}`);
        expect(inputs.identity.userAssignedIdentities).toEqual([
          `identity-${service}-id`,
          "identity-pull-id",
        ]);
        const referenced = inputs.configuration.secrets?.filter((s) => s.keyVaultUrl) ?? [];
        for (const secret of referenced) expect(secret.identity).toBe(`identity-${service}-id`);
      }
    }
    expect(app("bot-green").configuration.secrets?.map((s) => s.name)).toEqual(
      expect.arrayContaining(["database-url", "exchange-api-key"]),
    );
    expect(app("inference-green").configuration.secrets ?? []).toEqual([]);
  });

  it("lets only the run identity start the forensic job, and only the copy identity write copies", () => {
    expect(holders("forensic-copy-id")).toEqual([
      "identity-forensic-run-principal containerAppsJobsOperator",
    ]);
    expect(holders("container-forensics-id")).toEqual([
      "identity-forensic-copy-principal storageBlobDataContributor",
    ]);
    const job = named("forensic-copy").inputs as unknown as AppInputs;
    expect(job.identity.userAssignedIdentities).toEqual([
      "identity-forensic-copy-id",
      "identity-pull-id",
    ]);
    const run = named("forensic-copy-run").inputs as { identity: AppInputs["identity"] };
    expect(run.identity.userAssignedIdentities).toEqual(["identity-forensic-run-id"]);
  });

  it("gives AcrPull to the pull identity alone, used only where an image comes from the registry", () => {
    expect(holders(REGISTRY_ID)).toEqual(["identity-pull-principal acrPull"]);
    expect(app("proxy").configuration.registries).toEqual([
      { server: REGISTRY, identity: "identity-pull-id" },
    ]);
    // The services' images are on ghcr.io: no registry credentials for them.
    expect(app("webapp-blue").configuration.registries).toEqual([]);
  });

  it("grants nothing on the subscription, the resource group or the storage account, and no Contributor", () => {
    const scopes = new Set(assignments.map((a) => a.scope));
    expect([...scopes].sort()).toEqual(
      [
        "vault-exchange-id",
        "vault-database-id",
        "forensic-copy-id",
        "container-forensics-id",
        // The proxy and the bot read the switch record, in its own container.
        "container-switch-record-id",
        // The forensic copy of the logs reads the workspace (components/platform/azure/logs.ts).
        "logs-id",
        REGISTRY_ID,
      ].sort(),
    );
    expect(assignments.map((a) => a.role)).not.toContain("contributor");
    expect(assignments.every((a) => a.principal.startsWith("identity-"))).toBe(true);
  });
});
