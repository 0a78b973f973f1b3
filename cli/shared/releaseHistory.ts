import type { ReleaseCatalog, ReleaseHistoryEntry } from "../../config/schema";
import { releaseDigest } from "../../domain/releaseDigest";

/**
 * The release history lives in each stack file as `aitb:releaseHistory`: one entry per period a
 * release was live (the active color's pin), oldest first, the current one without
 * `deactivatedAt`. `aitb rollback` appends to it whenever the live release or color changes, so
 * the history is reviewed in the same pull request as the switch itself. Each entry records the
 * content digest of the release as it went live, so a release that has been live cannot later
 * change under its pin unnoticed (policies/immutableReleases.ts).
 */

/** The history entry of a release going live on a color now, with its content digest. */
export function goingLive(
  catalog: ReleaseCatalog,
  release: string,
  color: ReleaseHistoryEntry["color"],
  at: string,
  change?: string,
): ReleaseHistoryEntry {
  const content = catalog[release];
  if (!content) throw new Error(`release ${release} is not in the release catalog`);
  return { release, color, activatedAt: at, change, digest: releaseDigest(content) };
}

function byActivation(history: readonly ReleaseHistoryEntry[]): ReleaseHistoryEntry[] {
  return [...history].sort(
    (a, b) => new Date(a.activatedAt).getTime() - new Date(b.activatedAt).getTime(),
  );
}

/** Releases that failed their analysis or verification while live (`failedAnalysis`). */
export function failedReleases(history: readonly ReleaseHistoryEntry[]): Set<string> {
  return new Set(history.filter((entry) => entry.failedAnalysis).map((entry) => entry.release));
}

/**
 * The default target of a full rollback: the newest release that was live before and is not the
 * release live now (the one being rolled back from).
 */
export function lastKnownGood(
  history: readonly ReleaseHistoryEntry[],
  liveRelease: string,
): string | undefined {
  const failed = failedReleases(history);
  const earlier = byActivation(history).filter(
    (entry) => entry.release !== liveRelease && !failed.has(entry.release),
  );
  return earlier.length > 0 ? earlier[earlier.length - 1].release : undefined;
}

/** The release that was live before the current one, per the history. */
export function previousLive(
  history: readonly ReleaseHistoryEntry[],
): ReleaseHistoryEntry | undefined {
  const ordered = byActivation(history);
  return ordered.length > 1 ? ordered[ordered.length - 2] : undefined;
}
