import type { ReleaseHistoryEntry } from "../../config/schema";

/**
 * The release history lives in each stack file as `aitb:releaseHistory`: one entry per period a
 * release was live (the active color's pin), oldest first, the current one without
 * `deactivatedAt`. `aitb rollback` appends to it whenever the live release or color changes, so
 * the history is reviewed in the same pull request as the switch itself.
 */

function byActivation(history: readonly ReleaseHistoryEntry[]): ReleaseHistoryEntry[] {
  return [...history].sort(
    (a, b) => new Date(a.activatedAt).getTime() - new Date(b.activatedAt).getTime(),
  );
}

/**
 * The default target of a full rollback: the newest release that was live before and is not the
 * release live now (the one being rolled back from).
 */
export function lastKnownGood(
  history: readonly ReleaseHistoryEntry[],
  liveRelease: string,
): string | undefined {
  const earlier = byActivation(history).filter((entry) => entry.release !== liveRelease);
  return earlier.length > 0 ? earlier[earlier.length - 1].release : undefined;
}

/** The release that was live before the current one, per the history. */
export function previousLive(
  history: readonly ReleaseHistoryEntry[],
): ReleaseHistoryEntry | undefined {
  const ordered = byActivation(history);
  return ordered.length > 1 ? ordered[ordered.length - 2] : undefined;
}
