/**
 * The change record as the change-aware policies read it: the `command:local:Command` whose
 * environment carries the change (class, reason, incident, expiry), what the stack has deployed
 * now, what this update wants, and the environment the program was configured as. Which rules
 * apply (environment, calendar) is never read from here: see policies/rules.ts.
 */
import { changeSchema, type ChangeRecord } from "../config/schema";
import type { DeployedChange, DeployedState, SettingMap } from "../domain/deployed";
import { isColor } from "../domain/colors";
import { envOf, isCommand, isUnknownValue, type ResourceView } from "../contract/resources";

export { RECORD_ENV } from "../domain/changeRecord";
import { RECORD_ENV } from "../domain/changeRecord";

export interface ChangeRecordView {
  urn: string;
  change: ChangeRecord;
  /** Undefined on a new stack. */
  deployed?: DeployedState;
  desired: DeployedState;
  /** The environment the program was configured as (`aitb:environment`); not a rule. */
  environment: string;
}

export type ChangeRecordLookup =
  { found: true; record: ChangeRecordView } | { found: false; problem?: string; urn?: string };

export function isChangeRecord(resource: ResourceView): boolean {
  if (!isCommand(resource)) return false;
  const env = envOf(resource);
  return env.AITB_ROLE === "change-record" || RECORD_ENV.change in env;
}

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new Error(`${key} is missing`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${key} is not JSON`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A map of strings, or undefined when absent or of another shape (a state from before it). */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const entries = Object.entries(value);
  return entries.every(([, item]) => typeof item === "string")
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined;
}

function colorMap(value: unknown): Record<"blue" | "green", string> | undefined {
  const map = stringMap(value);
  return map && typeof map.blue === "string" && typeof map.green === "string"
    ? { blue: map.blue, green: map.green }
    : undefined;
}

function deployedChange(value: unknown): DeployedChange | undefined {
  if (!isObject(value) || typeof value.class !== "string" || typeof value.reason !== "string") {
    return undefined;
  }
  return {
    class: value.class,
    reason: value.reason,
    incident: typeof value.incident === "string" ? value.incident : undefined,
    at: typeof value.at === "string" ? value.at : undefined,
  };
}

/**
 * A deployed or desired state. The fields added after the first release are optional: a state a
 * stack exported before them reads, without them.
 */
function deployedState(value: unknown, key: string): DeployedState {
  const state = value as Partial<DeployedState> | null;
  if (
    !state ||
    !isColor(state.activeColor) ||
    typeof state.releases?.blue !== "string" ||
    typeof state.releases?.green !== "string"
  ) {
    throw new Error(`${key} is not a deployed state ({activeColor, releases: {blue, green}, ...})`);
  }
  return {
    activeColor: state.activeColor,
    releases: state.releases,
    database: String(state.database ?? ""),
    restore: String(state.restore ?? ""),
    engineRestores: stringMap(state.engineRestores),
    knownGoodReleases: Array.isArray(state.knownGoodReleases)
      ? state.knownGoodReleases.map(String)
      : [],
    releaseDigests: colorMap(state.releaseDigests),
    recordedDigests: stringMap(state.recordedDigests),
    bots: colorMap(state.bots),
    databaseSettings: isObject(state.databaseSettings)
      ? (state.databaseSettings as SettingMap)
      : undefined,
    proxyImage: typeof state.proxyImage === "string" ? state.proxyImage : undefined,
    healthGate: isObject(state.healthGate) ? (state.healthGate as SettingMap) : undefined,
    rulesDigest: typeof state.rulesDigest === "string" ? state.rulesDigest : undefined,
    change: deployedChange(state.change),
  };
}

function readRecord(resource: ResourceView): ChangeRecordView {
  // Read directly, not through `known`: a value the preview cannot know yet must reach the engine,
  // which reports the policy as not runnable instead of judging a half-known change.
  const environment = resource.props.environment as Record<string, unknown>;
  const env = Object.fromEntries(
    Object.values(RECORD_ENV).map((key) => [key, environment[key]]),
  ) as Record<string, string | undefined>;
  const parsed = changeSchema.safeParse(parseJson(env[RECORD_ENV.change], RECORD_ENV.change));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${RECORD_ENV.change}.${first.path.join(".")}: ${first.message}`);
  }
  const deployed = parseJson(env[RECORD_ENV.deployed] ?? "null", RECORD_ENV.deployed);
  return {
    urn: resource.urn,
    change: parsed.data,
    deployed: deployed === null ? undefined : deployedState(deployed, RECORD_ENV.deployed),
    desired: deployedState(
      parseJson(env[RECORD_ENV.desired], RECORD_ENV.desired),
      RECORD_ENV.desired,
    ),
    environment: env[RECORD_ENV.environment] ?? "",
  };
}

/** The stack's change record, or why it cannot be read. */
export function findChangeRecord(resources: readonly ResourceView[]): ChangeRecordLookup {
  const records = resources.filter(isChangeRecord);
  if (records.length === 0) return { found: false };
  if (records.length > 1) {
    return {
      found: false,
      problem: `${records.length} change records are declared; expected exactly one`,
    };
  }
  try {
    return { found: true, record: readRecord(records[0]) };
  } catch (error) {
    if (isUnknownValue(error)) throw error;
    return { found: false, problem: (error as Error).message, urn: records[0].urn };
  }
}
