import { z } from "zod";
import { keyOf } from "../../../config/validate";
import { releaseHistoryEntrySchema, releaseSchema, type Release } from "../../../config/schema";
import { readConfigBackup, type ServiceEnv } from "../../../domain/configBackup";
import { contentDigest, releaseDigest, shortDigest } from "../../../domain/releaseDigest";
import { InputError, type InputIssue } from "../../exitCodes";
import type { BackupSource } from "./backupSource";

const COMMAND = "restore config";

/** A backup that has been read, validated and checked against what was live. */
export interface CheckedBackup {
  pin: string;
  release: Release;
  /** The release content's digest (recomputed from the backup's bytes). */
  digest: string;
  /** The digest `aitb:releaseHistory` recorded for the pin, when the release has been live. */
  recorded?: string;
  stack?: string;
  writtenAt?: string;
  serviceEnv?: ServiceEnv;
  notes: string[];
}

/** The refusal of a backup whose content is not what was live (or not what it says it is). */
export class BackupMismatch extends Error {
  constructor(
    readonly pin: string,
    message: string,
  ) {
    super(message);
    this.name = "BackupMismatch";
  }
}

/** Every digest the history recorded for a pin (one per period it was live). */
export function recordedDigests(values: Record<string, unknown>, pin: string): string[] {
  const history = z.array(releaseHistoryEntrySchema).safeParse(values.releaseHistory ?? []);
  if (!history.success) {
    throw new InputError(COMMAND, [
      {
        key: "aitb:releaseHistory",
        message:
          "is not valid, so the digest recorded for the release cannot be read; fix it first (aitb plan names the entry)",
      },
    ]);
  }
  return [
    ...new Set(
      history.data
        .filter((entry) => entry.release === pin && entry.digest !== undefined)
        .map((entry) => entry.digest as string),
    ),
  ];
}

function fromZod(prefix: string, error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    key: `${prefix} ${keyOf(issue.path).replace(/^aitb:/, "") || "(release)"}`,
    message: issue.message,
  }));
}

/**
 * Read a backup and check it: it is a backup of `pin`, its release content is valid against the
 * release schema, its content matches the digest it carries, and that content's digest equals the
 * one `aitb:releaseHistory` recorded for the pin when there is one. A backup that fails any of
 * these is refused, and nothing is written.
 */
export function checkBackup(
  source: BackupSource,
  pin: string,
  values: Record<string, unknown>,
  restoreEnv: boolean,
): CheckedBackup {
  const read = readConfigBackup(source.text);
  if (!read.backup || read.issues.length > 0) {
    throw new InputError(
      COMMAND,
      read.issues.map((issue) => ({
        key: `${source.origin} ${issue.key}`,
        message: `${issue.message}; pass the configuration backup of release ${pin} (--from <file>)`,
      })),
    );
  }
  const backup = read.backup;
  if (backup.pin !== undefined && backup.pin !== pin) {
    throw new InputError(COMMAND, [
      {
        key: "--release",
        message: `${source.origin} is the backup of release ${backup.pin}, not ${pin}; pass --release ${backup.pin}, or the backup of ${pin}`,
      },
    ]);
  }
  const parsed = releaseSchema.safeParse(backup.release);
  if (!parsed.success) {
    throw new InputError(COMMAND, fromZod(source.origin, parsed.error));
  }
  const release = parsed.data;
  const digest = releaseDigest(release);
  const notes: string[] = [];
  if (backup.declaredDigest !== undefined && backup.declaredDigest !== digest) {
    throw new BackupMismatch(
      pin,
      `the backup of release ${pin} (${source.origin}) does not match the digest written with it: its content is ${shortDigest(digest)}, it says ${shortDigest(backup.declaredDigest)}; it was changed after it was written. Use an intact backup (an earlier blob version, or the file from another copy), or re-pin a color to a release whose backup verifies`,
    );
  }
  const recorded = recordedDigests(values, pin);
  if (recorded.length > 1) {
    notes.push(
      `aitb:releaseHistory records ${recorded.length} different digests for ${pin} (${recorded.map(shortDigest).join(", ")}); the backup matches ${recorded.includes(digest) ? "one of them" : "none"}`,
    );
  }
  if (recorded.length > 0 && !recorded.includes(digest)) {
    throw new BackupMismatch(
      pin,
      `the backup of release ${pin} (${source.origin}) is not the release that was live: aitb:releaseHistory recorded ${recorded.map((d) => d).join(" or ")}, the backup's content is ${digest}. Nothing was written. Restore from a backup of the same bytes (an earlier blob version on azure, a copy of ${source.origin} taken while ${pin} was live), or roll back to another known-good release (aitb rollback --release <pin>)`,
    );
  }
  if (recorded.length === 0) {
    notes.push(
      `aitb:releaseHistory records no digest for ${pin} (it has not been live on this stack): the backup is checked against the digest written with it only`,
    );
  }
  if (backup.legacy) {
    notes.push(
      `${source.origin} was written before backups carried their stack, pin and digest: its content is checked against aitb:releaseHistory only`,
    );
  }
  if (restoreEnv) {
    if (backup.legacy || backup.serviceEnvDigest === undefined) {
      throw new InputError(COMMAND, [
        {
          key: "--env",
          message: `${source.origin} carries no stack-level service env; restore the release without --env`,
        },
      ]);
    }
    if (contentDigest(backup.serviceEnv ?? {}) !== backup.serviceEnvDigest) {
      throw new BackupMismatch(
        pin,
        `the service env in ${source.origin} does not match the digest written with it (${shortDigest(backup.serviceEnvDigest)}); it was changed after it was written. Nothing was written; restore without --env, or from an intact backup`,
      );
    }
  }
  return {
    pin,
    release,
    digest,
    recorded: recorded.includes(digest) ? digest : undefined,
    stack: backup.stack,
    writtenAt: backup.writtenAt,
    serviceEnv: backup.serviceEnv,
    notes,
  };
}
