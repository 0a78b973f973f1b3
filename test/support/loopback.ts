import * as fs from "node:fs";
import * as path from "node:path";
import type { PlannedResource } from "../../cli/engine/evaluate";
import type { Plan } from "../../cli/engine/plan";
import { SECRET_MASK } from "../../contract/secrets";
import { DEFAULT_SERVICE_SETTINGS, type ServiceName } from "../../domain/services";
import { accepts } from "../../drills/ports";
import { ROOT } from "./stacks";

/** What the offline plan uses for the secret keys (cli/engine/stackFiles.ts secretPlaceholders). */
export const PLACEHOLDER = {
  dbPassword: "placeholder-dbPassword",
  exchangeApiKey: "placeholder-exchangeApiKey",
} as const;

/** The compiled files the loopback providers start (the supervisor and the reference service). */
export function requireBuild(): void {
  const needed = [
    "dist/components/platform/loopback/runtime/supervisor.js",
    "dist/reference-service/server.js",
  ];
  const missing = needed.filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`${missing.join(", ")} missing: run \`npm run build\` first`);
  }
}

export function labelsOf(resource: PlannedResource): Record<string, string> {
  const labels = resource.inputs.labels;
  return labels && typeof labels === "object" && !Array.isArray(labels)
    ? (labels as Record<string, string>)
    : {};
}

export function named(plan: Plan, name: string): PlannedResource {
  const found = plan.resources.find((r) => r.name === name);
  if (!found) throw new Error(`the plan has no resource ${name}`);
  return found;
}

/**
 * A planned resource's inputs as the engine would hand them to its provider: without the
 * serialized provider, and with the secrets the plan masks put back (the placeholders).
 */
export function providerInputs<T>(plan: Plan, name: string): T {
  const resource = named(plan, name);
  const inputs: Record<string, unknown> = { ...resource.inputs };
  delete inputs.__provider;
  const db = (plan.outputs.databases as { live: string }).live;
  const [, address, database] = /^postgres@([^/]+)\/(.+)$/.exec(db) ?? [];
  if (inputs.password === SECRET_MASK) inputs.password = PLACEHOLDER.dbPassword;
  if (inputs.secretEnvironment === SECRET_MASK) {
    inputs.secretEnvironment = { PGPASSWORD: PLACEHOLDER.dbPassword };
  }
  if (inputs.secretEnv === SECRET_MASK) {
    const service = labelsOf(resource)["aitb-service"] as ServiceName;
    const env: Record<string, string> = {};
    if (DEFAULT_SERVICE_SETTINGS[service].usesDatabase) {
      env.DATABASE_URL = `postgres://aitb:${PLACEHOLDER.dbPassword}@${address}/${database}`;
    }
    if (service === "bot") env.EXCHANGE_API_KEY = PLACEHOLDER.exchangeApiKey;
    inputs.secretEnv = env;
  }
  return inputs as T;
}

/** A base port with the ten service ports (base+0..4, base+10..14) free on 127.0.0.1 now. */
export async function freeServiceBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below the kernel's ephemeral range (Linux: 32768-60999), where every outgoing connection of
    // the tests running beside this one also takes a port: a free-looking port there can be taken
    // by a client socket before the service binds it.
    const base = 20_000 + Math.floor(Math.random() * 1_270) * 10;
    const ports = [0, 1, 2, 3, 4, 10, 11, 12, 13, 14].map((offset) => base + offset);
    const taken = await Promise.all(ports.map((port) => accepts("127.0.0.1", port)));
    if (!taken.some(Boolean)) return base;
  }
  throw new Error("found no free range of service ports on 127.0.0.1");
}
