import { releaseSchema, type Release } from "../../../config/schema";
import { SERVICE_NAMES } from "../../../domain/services";
import { canonicalJson, releaseDigest } from "../../../domain/releaseDigest";
import type { ServiceEnv } from "../../../domain/configBackup";
import type { StackFileEditor } from "../rollback/stackEdit";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The release as it goes back into the stack file: the backup's content, without the empty
 * `env: {}` and `files: {}` the schema fills in where the file does not write them (absent and
 * empty are the same release, domain/releaseDigest.ts), so the diff shows only what changes.
 */
export function releaseToWrite(release: Release, current: unknown): Record<string, unknown> {
  const currentServices =
    isRecord(current) && isRecord(current.services) ? current.services : undefined;
  const services = Object.fromEntries(
    Object.entries(release.services).map(([name, service]) => {
      const written =
        currentServices && isRecord(currentServices[name]) ? currentServices[name] : {};
      const value: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(service)) {
        const empty = isRecord(item) && Object.keys(item).length === 0;
        if (item === undefined || (empty && !(key in written))) continue;
        value[key] = item;
      }
      return [name, value];
    }),
  );
  return { ...(release.notes === undefined ? {} : { notes: release.notes }), services };
}

/** What the stack file holds for the pin now: its digest when it is a valid release. */
export function currentRelease(editor: StackFileEditor, pin: string) {
  const raw = editor.get("releases", [pin]);
  const parsed = raw === undefined ? undefined : releaseSchema.safeParse(raw);
  const release = parsed?.success ? parsed.data : undefined;
  return {
    raw,
    present: raw !== undefined,
    digest: release ? releaseDigest(release) : undefined,
    notes: release?.notes,
  };
}

/** Write the release back under `aitb:releases.<pin>`; the mapping is edited key by key. */
export function restoreRelease(editor: StackFileEditor, pin: string, release: Release): void {
  const current = editor.get("releases", [pin]);
  editor.set("releases", [pin], releaseToWrite(release, current));
}

/** Set every service's stack-level env to the backup's (a service without one loses its env). */
export function restoreServiceEnv(editor: StackFileEditor, env: ServiceEnv): string[] {
  const changed: string[] = [];
  for (const service of SERVICE_NAMES) {
    const current = editor.get("services", [service, "env"]);
    const wanted = env[service];
    if (canonicalJson(current ?? {}) === canonicalJson(wanted ?? {})) continue;
    if (wanted && Object.keys(wanted).length > 0) editor.set("services", [service, "env"], wanted);
    else editor.delete("services", [service, "env"]);
    changed.push(service);
  }
  return changed;
}
