import type { z } from "zod";
import { stackConfigSchema, type ParsedStackConfig } from "./schema";
import { ConfigError, type ConfigIssue } from "./errors";
import { COLORS } from "../domain/colors";
import { restoreProblems } from "../domain/restore";
import { engineRestoreProblems } from "../domain/influxRestore";
import { sqlServerRestoreProblems } from "../domain/sqlServerRestore";
import { environmentOfStack, packRules, RULES_FILE, STACK_ENVIRONMENT } from "../policies/rules";
import { plainCredentialIssues } from "./credentials";

export const NAMESPACE = "aitb";

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `aitb:slots.blue.release`; a segment with dots (a release pin) is bracketed: `releases["2026.11.4"]`. */
export function keyOf(path: readonly PropertyKey[]): string {
  return path
    .map(String)
    .reduce(
      (key, part, index) =>
        part.includes(".") ? `${key}["${part}"]` : index === 0 ? `${key}${part}` : `${key}.${part}`,
      `${NAMESPACE}:`,
    );
}

function fromZodIssue(raw: Record<string, unknown>, issue: z.core.$ZodIssue): ConfigIssue {
  if (issue.code === "unrecognized_keys") {
    const known =
      issue.path.length === 0 ? " (see Pulumi.yaml for the keys this project reads)" : "";
    return {
      key: keyOf([...issue.path, issue.keys[0]]),
      message: `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove or correct it${known}`,
    };
  }
  const value = valueAt(raw, issue.path);
  if (value === undefined) {
    return {
      key: keyOf(issue.path),
      message: `is missing; ${issue.message.replace(/, received undefined$/, "")}`,
    };
  }
  return { key: keyOf(issue.path), message: `${show(value)} is not valid; ${issue.message}` };
}

function crossKeyIssues(config: ParsedStackConfig, now: Date): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const releases = Object.keys(config.releases);
  for (const color of COLORS) {
    const pin = config.slots[color].release;
    if (!config.releases[pin]) {
      issues.push({
        key: `${NAMESPACE}:slots.${color}.release`,
        message: `"${pin}" is not in the release catalog (aitb:releases); expected one of ${releases.join(", ")}`,
      });
    }
  }
  if (config.target === "docker" && config.environment !== "dev") {
    issues.push({
      key: `${NAMESPACE}:target`,
      message: `"docker" is the dev target; ${config.environment} runs on "azure"`,
    });
  }
  if (config.target === "loopback" && config.environment !== "dev") {
    issues.push({
      key: `${NAMESPACE}:target`,
      message: `"loopback" (local processes, as on the loopback stack) is a dev target; ${config.environment} runs on "azure"`,
    });
  }
  if (config.target === "azure" && !config.azure) {
    issues.push({
      key: `${NAMESPACE}:azure`,
      message: 'is missing; expected at least {location: "<azure region>"}',
    });
  }
  for (const problem of restoreProblems(config.database, config.releaseHistory, releases, now)) {
    issues.push(problem);
  }
  issues.push(
    ...engineRestoreProblems("influxdb", config.influxdb, config.releaseHistory, releases, now),
    ...sqlServerRestoreProblems(config.sqlServer, config.releaseHistory, releases, now),
  );
  issues.push(...plainCredentialIssues(config));
  return issues;
}

/**
 * Keys a stack file may not set because they are rules of the policy pack: a file must not choose
 * the rules it is judged by (policies/config.json holds them).
 */
const RULE_KEYS: Record<string, string> = {
  marketCalendar:
    `the market calendar is a rule of the policy pack, not stack config: it lives in ${RULES_FILE} ` +
    `(market-hours-change-window.marketCalendars by environment, and freezeWindows), reviewed ` +
    `apart from the stacks it judges; remove aitb:marketCalendar from the stack file`,
};

function ruleKeyIssues(raw: Record<string, unknown>): ConfigIssue[] {
  return Object.keys(RULE_KEYS)
    .filter((key) => raw[key] !== undefined)
    .map((key) => ({ key: `${NAMESPACE}:${key}`, message: RULE_KEYS[key] }));
}

/**
 * `aitb:environment` says which environment the stack file is for, so a reader of the file knows;
 * it decides nothing. The environment is the one the pack's map gives the stack's name, and a
 * file that says otherwise is refused.
 */
function environmentIssues(raw: Record<string, unknown>, stack: string): ConfigIssue[] {
  const where = `${RULES_FILE} (${STACK_ENVIRONMENT}.stackEnvironments)`;
  const expected = environmentOfStack(packRules(), stack);
  if (!expected) {
    return [
      {
        key: `${NAMESPACE}:environment`,
        message: `stack "${stack}" has no environment in ${where}; add the stack there, reviewed with the pack's rules`,
      },
    ];
  }
  if (raw.environment !== undefined && raw.environment !== expected) {
    return [
      {
        key: `${NAMESPACE}:environment`,
        message: `${show(raw.environment)} is not the environment of stack "${stack}": the map from stack to environment lives in ${where} and says "${expected}"; set aitb:environment: ${expected}`,
      },
    ];
  }
  return [];
}

/**
 * Validate the `aitb:` config (keys without namespace) as of `now`; throws ConfigError listing
 * every problem. With the stack's name, `aitb:environment` is checked against the pack's map.
 */
export function validateStackConfig(
  raw: Record<string, unknown>,
  now: Date,
  stack?: string,
): ParsedStackConfig {
  const ruleIssues = [
    ...ruleKeyIssues(raw),
    ...(stack === undefined ? [] : environmentIssues(raw, stack)),
  ];
  const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => !(key in RULE_KEYS)));
  const parsed = stackConfigSchema.safeParse(rest);
  if (!parsed.success) {
    throw new ConfigError([
      ...ruleIssues,
      ...parsed.error.issues.map((issue) => fromZodIssue(rest, issue)),
    ]);
  }
  const issues = [...ruleIssues, ...crossKeyIssues(parsed.data, now)];
  if (issues.length > 0) throw new ConfigError(issues);
  return parsed.data;
}
