import type { ParsedStackConfig } from "../../config/schema";
import type { StackFileEditor } from "./stackEdit";
import type { RollbackIntent } from "./rollbackIntent";
import { goingLive } from "./releaseHistory";

/**
 * Write a rollback into the stack file: the active color, the target's pin, a declared restore,
 * the change record, and the release history when the live release or color changes. Nothing else.
 */
export function applyRollback(
  editor: StackFileEditor,
  config: ParsedStackConfig,
  intent: RollbackIntent,
  failedAnalysis?: string,
): void {
  if (intent.activeColor) editor.set("activeColor", [], intent.activeColor);
  if (intent.repin) editor.set("slots", [intent.repin.color, "release"], intent.repin.to);
  if (intent.restore) editor.set("database", ["restore"], intent.restore);
  const declared = config.database.restore;
  if (
    intent.activeColor &&
    declared &&
    declared.color === intent.activeColor &&
    !declared.performedAt
  ) {
    // Switching to the restored color means its restore has run: record when, so the point is
    // not judged against the retention on every later update.
    editor.set("database", ["restore", "performedAt"], intent.change.at);
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
