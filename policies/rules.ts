/**
 * The rules the policies judge by, from the pack's committed configuration `policies/config.json`
 * and never from the stack file they judge: which environment each stack is, the market
 * calendars, the freeze windows and every policy's settings.
 *
 * The file is in the format `pulumi preview --policy-pack policies --policy-pack-config <file>`
 * takes: `{ "<policy>": "<enforcement level>" | { "enforcementLevel"?: ..., "<setting>": ... },
 * "all"?: ... }` (pulumi/pulumi pkg/resource/analyzer/config.go, parsePolicyPackConfig). The pack
 * hands it to the engine as its initial config (`new PolicyPack(name, args, initialConfig)`,
 * @pulumi/policy 1.21 policy.d.ts), so a preview without `--policy-pack-config` applies the same
 * rules; `aitb plan` reads the same file (cli/engine/policies.ts).
 */
import { z } from "zod";
import committed from "./config.json";
import {
  NYSE_REGULAR,
  marketCalendarSchema,
  type FreezeWindow,
  type MarketCalendar,
} from "../domain/calendar";
import { contentDigest } from "../domain/releaseDigest";

/** Where the rules live, for messages that tell a user where to change them. */
export const RULES_FILE = "policies/config.json";

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The policy that owns the map from stack to environment (its section of the rules file). */
export const STACK_ENVIRONMENT = "stack-environment";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevelName = (typeof ENFORCEMENT_LEVELS)[number];

const enforcementLevel = z.enum(ENFORCEMENT_LEVELS);

const policyEntry = z.union([
  enforcementLevel,
  z.looseObject({ enforcementLevel: enforcementLevel.optional() }),
]);

/** One policy's entry: an enforcement level and settings. */
export type PolicyEntry = z.output<typeof policyEntry>;
export type PolicyPackConfigFile = Record<string, PolicyEntry>;

const rulesFileSchema = z.record(z.string(), policyEntry);

const environment = z.enum(ENVIRONMENTS);
const stackEnvironmentsSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected a stack name"), environment)
  .refine((map) => Object.keys(map).length > 0, { message: "expected at least one stack" });

const environments = z.array(environment);
const freezeWindowsSetting = z.array(
  z.strictObject({ start: z.string(), end: z.string(), reason: z.string().min(1) }),
);
const noSettings = z.strictObject({});

/**
 * Each policy's settings as the file may give them: a misspelt or unknown setting is an error
 * here, in the pack and in `aitb plan` alike (the engine checks the types against each policy's
 * configSchema, but not unknown names).
 */
const POLICY_SETTINGS: Record<string, z.ZodType> = {
  [STACK_ENVIRONMENT]: z.strictObject({ stackEnvironments: stackEnvironmentsSchema }),
  "market-hours-change-window": z.strictObject({
    marketCalendars: z
      .partialRecord(environment, z.union([z.string(), z.looseObject({})]))
      .optional(),
    freezeWindows: freezeWindowsSetting.optional(),
  }),
  "fresh-change-record": z.strictObject({
    maxAgeHours: z.number().nonnegative().optional(),
    maxFutureMinutes: z.number().nonnegative().optional(),
    maxEmergencyHours: z.number().positive().optional(),
  }),
  "immutable-releases": noSettings,
  "db-restore-guard": noSettings,
  "pinned-versions": z.strictObject({ requireDigestIn: environments.optional() }),
  "single-live-bot": noSettings,
  "warm-standby": z.strictObject({ environments: environments.optional() }),
  "protect-data": noSettings,
  "secrets-stay-secret": z.strictObject({ credentialNames: z.array(z.string().min(1)).optional() }),
  all: noSettings,
};

export interface PackRules {
  /** The file as the engine reads it: policy name -> enforcement level and settings. */
  config: PolicyPackConfigFile;
  /** Which environment each stack (by the name the engine reports) is. */
  stackEnvironments: Record<string, Environment>;
  /** Digest of the file's content: a deployed state records the rules it was deployed under. */
  digest: string;
}

export class RulesError extends Error {
  constructor(message: string) {
    super(`${RULES_FILE}: ${message}`);
    this.name = "RulesError";
  }
}

function issueText(error: z.ZodError, prefix: string): string {
  return error.issues
    .map(
      (issue) =>
        `${[prefix, ...issue.path.map(String)].filter(Boolean).join(".")}: ${issue.message}`,
    )
    .join("; ");
}

/** A policy's settings in the file (its entry without the enforcement level). */
export function fileSettings(
  config: PolicyPackConfigFile,
  policy: string,
): Record<string, unknown> {
  const entry = config[policy];
  if (entry === undefined || typeof entry === "string") return {};
  const settings: Record<string, unknown> = { ...entry };
  delete settings.enforcementLevel;
  return settings;
}

/** Read and check a rules file (the committed one by default). */
export function packRules(raw: unknown = committed): PackRules {
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success) throw new RulesError(issueText(parsed.error, ""));
  const config = parsed.data;
  for (const name of Object.keys(config)) {
    const schema = POLICY_SETTINGS[name];
    if (!schema) {
      throw new RulesError(
        `"${name}" is no policy of the pack; expected one of ${Object.keys(POLICY_SETTINGS).join(", ")}`,
      );
    }
    const settings = schema.safeParse(fileSettings(config, name));
    if (!settings.success) throw new RulesError(issueText(settings.error, name));
  }
  const map = stackEnvironmentsSchema.safeParse(
    fileSettings(config, STACK_ENVIRONMENT).stackEnvironments,
  );
  if (!map.success) {
    throw new RulesError(issueText(map.error, `${STACK_ENVIRONMENT}.stackEnvironments`));
  }
  return { config, stackEnvironments: map.data, digest: contentDigest(raw) };
}

/** The environment of a stack, or undefined when the map does not name it. */
export function environmentOfStack(
  rules: PackRules,
  stack: string | undefined,
): Environment | undefined {
  if (stack === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(rules.stackEnvironments, stack)
    ? rules.stackEnvironments[stack]
    : undefined;
}

/**
 * The environment a policy judges a stack as: the map's, or prod (the strictest) for a stack the
 * map does not name, which `stack-environment` denies besides.
 */
export function judgedEnvironment(rules: PackRules, stack: string | undefined): Environment {
  return environmentOfStack(rules, stack) ?? "prod";
}

/** Calendars the rules file may name instead of spelling one out. */
export const NAMED_CALENDARS: Readonly<Record<string, MarketCalendar>> = { nyse: NYSE_REGULAR };

/**
 * A calendar from the rules: a name (`"nyse"`) or a whole calendar object, with the rules' freeze
 * windows added to its own.
 */
export function calendarOf(
  ref: unknown,
  freezeWindows: readonly FreezeWindow[],
  where: string,
): MarketCalendar {
  let base: unknown = ref;
  if (typeof ref === "string") {
    if (!Object.prototype.hasOwnProperty.call(NAMED_CALENDARS, ref)) {
      throw new RulesError(
        `${where}: "${ref}" names no calendar; expected one of ${Object.keys(NAMED_CALENDARS)
          .map((name) => `"${name}"`)
          .join(
            ", ",
          )} or a calendar object {name, timeZone, sessions, holidays, earlyCloses, freezeWindows}`,
      );
    }
    base = NAMED_CALENDARS[ref];
  }
  const own = base && typeof base === "object" ? (base as { freezeWindows?: unknown }) : {};
  const parsed = marketCalendarSchema.safeParse({
    ...(base as object),
    freezeWindows: [
      ...(Array.isArray(own.freezeWindows) ? own.freezeWindows : []),
      ...freezeWindows,
    ],
  });
  if (!parsed.success) throw new RulesError(issueText(parsed.error, where));
  return parsed.data;
}
