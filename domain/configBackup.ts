/**
 * The configuration backup of one release, as every target writes it (components/BackupPlan.ts
 * asks each platform's configBackup) and as `aitb restore config` reads it back: the release's
 * own content (notes, and per service the image, digest, build, env and files) with what a
 * restore needs to trust it: the stack, the pin, the release's content digest (the one
 * `aitb:releaseHistory` records when the release goes live) and the time the backup was written.
 * The stack-level service env (`aitb:services.<service>.env`) rides along with its own digest.
 * Secrets are never in it: a stack file holds none in plain text (config/credentials.ts), and the
 * secret keys reach services only through the adapters' secret channels.
 */
import { contentDigest, releaseDigest, type ReleaseContent } from "./releaseDigest";
import { shellQuote } from "./quote";

export const CONFIG_BACKUP_FORMAT = "aitb-config-backup/1";
/** The backup's file name in its release's folder (and its blob name under the release). */
export const CONFIG_BACKUP_FILE = "config.json";

/** Stack-level env per service (`aitb:services.<service>.env`); services without any are left out. */
export type ServiceEnv = Record<string, Record<string, string>>;

export interface ConfigBackup extends ReleaseContent {
  format: typeof CONFIG_BACKUP_FORMAT;
  /** When the backup was written: stamped by the write step (absent in an Azure blob's body). */
  writtenAt?: string;
  stack: string;
  release: string;
  /** releaseDigest of the release content below. */
  digest: string;
  serviceEnv: ServiceEnv;
  /** contentDigest of serviceEnv. */
  serviceEnvDigest: string;
}

/** The services' stack-level env out of `aitb:services` (their other settings are not kept). */
export function serviceEnvOf(
  services: Readonly<Record<string, { env?: Record<string, string> } | undefined>>,
): ServiceEnv {
  return Object.fromEntries(
    Object.entries(services)
      .filter(([, settings]) => settings?.env && Object.keys(settings.env).length > 0)
      .map(([name, settings]) => [name, { ...(settings?.env ?? {}) }]),
  );
}

/** The backup of one release of one stack (without its time: the write step stamps that). */
export function configBackupOf(args: {
  stack: string;
  release: string;
  configuration: ReleaseContent;
  serviceEnv: ServiceEnv;
}): ConfigBackup {
  const { notes, services } = args.configuration;
  return {
    format: CONFIG_BACKUP_FORMAT,
    stack: args.stack,
    release: args.release,
    digest: releaseDigest({ services }),
    ...(notes === undefined ? {} : { notes }),
    services,
    serviceEnv: args.serviceEnv,
    serviceEnvDigest: contentDigest(args.serviceEnv),
  };
}

/** The backup's text: JSON, two-space indented, opening with `{` and a line break. */
export function renderConfigBackup(backup: ConfigBackup): string {
  return `${JSON.stringify(backup, null, 2)}\n`;
}

/**
 * The shell step that writes a backup, its text on stdin: the time it runs is stamped as the
 * first member (`writtenAt`, so the text the stack declares stays the same from update to
 * update), written beside the file and renamed over it, so a reader never sees half a backup.
 * POSIX sh, `date -u` and `tail -c +2`: it runs where `pulumi up` runs (Linux or macOS).
 */
export function configBackupScript(file: string): string {
  const folder = file.slice(0, Math.max(file.lastIndexOf("/"), 1));
  const partial = `${file}.partial`;
  return [
    "set -eu",
    `mkdir -p ${shellQuote(folder)}`,
    `{ printf '{\\n  "writtenAt": "%s",' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; tail -c +2; } > ${shellQuote(partial)}`,
    `mv ${shellQuote(partial)} ${shellQuote(file)}`,
  ].join("\n");
}

/** Why a backup cannot be read or trusted; `key` names the member at fault. */
export interface BackupIssue {
  key: string;
  message: string;
}

export interface ReadBackup {
  /** The release content, as the backup holds it (not yet checked against the release schema). */
  release: { notes?: unknown; services: unknown };
  stack?: string;
  pin?: string;
  writtenAt?: string;
  /** The digest the backup says its content has (absent in a backup of the first format). */
  declaredDigest?: string;
  serviceEnv?: ServiceEnv;
  serviceEnvDigest?: string;
  /** A backup written before backups carried their pin and digest: the release content alone. */
  legacy: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEnvMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === "string");
}

/**
 * Parse a backup's text. A backup of the first format (the release's content alone, written
 * before backups carried metadata) is read too and says so (`legacy`).
 */
export function readConfigBackup(text: string): { backup?: ReadBackup; issues: BackupIssue[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { issues: [{ key: "(file)", message: `is not JSON: ${(error as Error).message}` }] };
  }
  if (!isRecord(parsed)) {
    return { issues: [{ key: "(file)", message: "is not a JSON object" }] };
  }
  if (parsed.format === undefined && !("release" in parsed) && "services" in parsed) {
    return {
      backup: { release: { notes: parsed.notes, services: parsed.services }, legacy: true },
      issues: [],
    };
  }
  const issues: BackupIssue[] = [];
  if (parsed.format !== CONFIG_BACKUP_FORMAT) {
    issues.push({
      key: "format",
      message: `${JSON.stringify(parsed.format)} is not a configuration backup; expected "${CONFIG_BACKUP_FORMAT}"`,
    });
  }
  const text_ = (key: string): string | undefined => {
    const value = parsed[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") issues.push({ key, message: "expected a string" });
    return typeof value === "string" ? value : undefined;
  };
  const stack = text_("stack");
  const pin = text_("release");
  const writtenAt = text_("writtenAt");
  const declaredDigest = text_("digest");
  const serviceEnvDigest = text_("serviceEnvDigest");
  for (const [key, value] of [
    ["stack", stack],
    ["release", pin],
    ["digest", declaredDigest],
  ] as const) {
    if (value === undefined && parsed[key] === undefined) {
      issues.push({ key, message: "is missing" });
    }
  }
  const serviceEnv = parsed.serviceEnv ?? {};
  if (!isRecord(serviceEnv) || !Object.values(serviceEnv).every(isEnvMap)) {
    issues.push({ key: "serviceEnv", message: "expected service -> { NAME: value }" });
  }
  return {
    backup: {
      release: { notes: parsed.notes, services: parsed.services },
      stack,
      pin,
      writtenAt,
      declaredDigest,
      serviceEnv: isRecord(serviceEnv) ? (serviceEnv as ServiceEnv) : {},
      serviceEnvDigest,
      legacy: false,
    },
    issues,
  };
}
