import type { ParsedStackConfig, RestoreConfig } from "../../../config/schema";
import type { EngineKey } from "../../../domain/influxRestore";
import type { StackFileEditor } from "./stackEdit";
import type { RollbackIntent } from "./rollbackIntent";
import { goingLive } from "../../shared/releaseHistory";

/** The config key of a database a rollback restores: `aitb:database` (PostgreSQL) or an engine's. */
export type RestoredKey = "database" | EngineKey;

const RESTORED_KEYS: readonly RestoredKey[] = ["database", "influxdb", "sqlServer"];

/** A declared restore, under the key that declares it. */
export interface DeclaredRestore {
  key: RestoredKey;
  restore: Pick<RestoreConfig, "color" | "performedAt">;
}

/**
 * The declared restores a switch completes: those of the color it switches to that are not
 * recorded as performed. Their `performedAt` is then written from the deployed outputs.
 */
export function restoresCompletedBy(
  config: ParsedStackConfig,
  intent: RollbackIntent,
): DeclaredRestore[] {
  if (!intent.activeColor) return [];
  return RESTORED_KEYS.flatMap((key) => {
    const restore = config[key]?.restore;
    return restore && restore.color === intent.activeColor && !restore.performedAt
      ? [{ key, restore }]
      : [];
  });
}

export interface RollbackEditOptions {
  /** What failed: marks the release being left as failed in aitb:releaseHistory. */
  failedAnalysis?: string;
  /** When the restores this switch completes ran (restoresCompletedBy), from the deployed outputs. */
  restorePerformedAt?: string;
}

/**
 * Write a rollback into the stack file: the active color, the target's pin, a declared restore,
 * the change record, and the release history when the live release or color changes. Nothing else.
 */
export function applyRollback(
  editor: StackFileEditor,
  config: ParsedStackConfig,
  intent: RollbackIntent,
  options: RollbackEditOptions = {},
): void {
  const { failedAnalysis } = options;
  if (intent.activeColor) editor.set("activeColor", [], intent.activeColor);
  if (intent.repin) editor.set("slots", [intent.repin.color, "release"], intent.repin.to);
  if (intent.restore) editor.set("database", ["restore"], intent.restore);
  for (const [key, restore] of Object.entries(intent.engineRestores)) {
    editor.set(key, ["restore"], restore);
  }
  if (options.restorePerformedAt) {
    // The restores have run: their points are history, no longer judged against the retention.
    for (const { key } of restoresCompletedBy(config, intent)) {
      editor.set(key, ["restore", "performedAt"], options.restorePerformedAt);
    }
  }

  // Keys of the record the request does not set (an old expiry, an old trigger) are removed.
  const record: Record<string, unknown> = {
    class: intent.change.class,
    reason: intent.change.reason,
    incident: intent.change.incident,
    requestedBy: intent.change.requestedBy,
    at: intent.change.at,
    expires: intent.change.expires,
    trigger: intent.change.trigger,
  };
  editor.set("change", [], record);

  if (intent.activeColor) {
    const liveRelease = intent.target.release;
    const live = config.slots[config.activeColor].release;
    if (intent.activeColor !== config.activeColor || liveRelease !== live) {
      const inFile = editor.get("releaseHistory");
      (Array.isArray(inFile) ? inFile : []).forEach((entry: unknown, index) => {
        const open = typeof entry === "object" && entry !== null && !("deactivatedAt" in entry);
        if (!open) return;
        editor.set("releaseHistory", [index, "deactivatedAt"], intent.change.at);
        // The release being left failed while live: never a known-good target again.
        if (failedAnalysis) {
          editor.set("releaseHistory", [index, "failedAnalysis"], {
            at: intent.change.at,
            reason: failedAnalysis,
          });
        }
      });
      editor.append(
        "releaseHistory",
        goingLive(
          config.releases,
          liveRelease,
          intent.activeColor,
          intent.change.at,
          intent.change.incident,
        ),
      );
    }
  }
}
