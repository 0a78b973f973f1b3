import * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, validateStackConfig } from "./validate";
import { SECRET_KEYS, type ParsedStackConfig, type SecretKey } from "./schema";

export interface StackSettings {
  config: ParsedStackConfig;
  secrets: Record<SecretKey, pulumi.Output<string>>;
  stack: string;
  project: string;
}

/** A config value as Pulumi hands it over: structured values arrive as JSON text. */
function decode(value: string): unknown {
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? value : parsed;
  } catch {
    return value;
  }
}

/** Every `aitb:` key of the stack (project-level values included), secrets left out. */
export function rawStackConfig(
  all: Record<string, string> = pulumi.runtime.allConfig(),
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    const [namespace, key] = fullKey.split(":", 2);
    if (namespace !== NAMESPACE || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = decode(value);
  }
  return raw;
}

/** The only place that reads pulumi.Config: validates everything before any resource registers. */
export function readStackSettings(now: Date = new Date()): StackSettings {
  const config = validateStackConfig(rawStackConfig(), now, pulumi.getStack());
  const pulumiConfig = new pulumi.Config(NAMESPACE);
  const secrets = Object.fromEntries(
    SECRET_KEYS.map((key) => [key, pulumiConfig.requireSecret(key)]),
  ) as Record<SecretKey, pulumi.Output<string>>;
  return { config, secrets, stack: pulumi.getStack(), project: pulumi.getProject() };
}
