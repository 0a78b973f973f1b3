import type { Color } from "./colors";

/**
 * What a stack has deployed, as the stack exports it (output `deployed`) and as the next update
 * reads it back through a StackReference to itself. The change-aware policies compare it with
 * the desired state.
 */
export interface DeployedState {
  activeColor: Color;
  releases: Record<Color, string>;
  /** Identity of the database the services use: the live server, or the restore target. */
  database: string;
  /** Restore declared in the config, as "<color>:<target>", or "" when none. */
  restore: string;
  /** Releases that were active on this stack before, newest last (known-good rollback targets). */
  knownGoodReleases: string[];
}

export interface DeploymentChange {
  routing: boolean;
  repinned: Color[];
  database: boolean;
  /** Every release newly pinned is one that was active before. */
  toKnownGood: boolean;
  /** Nothing the change-aware rules judge has changed. */
  none: boolean;
}

export function changeBetween(
  deployed: DeployedState | undefined,
  desired: DeployedState,
): DeploymentChange {
  if (!deployed) {
    return {
      routing: true,
      repinned: ["blue", "green"],
      database: true,
      toKnownGood: false,
      none: false,
    };
  }
  const routing = deployed.activeColor !== desired.activeColor;
  const repinned = (["blue", "green"] as const).filter(
    (color) => deployed.releases[color] !== desired.releases[color],
  );
  const database = deployed.database !== desired.database || deployed.restore !== desired.restore;
  const known = new Set([...deployed.knownGoodReleases, deployed.releases[deployed.activeColor]]);
  const newLive = desired.releases[desired.activeColor];
  const pinsKnown = repinned.every((color) => known.has(desired.releases[color]));
  const toKnownGood = (routing || repinned.length > 0) && pinsKnown && known.has(newLive);
  return {
    routing,
    repinned,
    database,
    toKnownGood,
    none: !routing && repinned.length === 0 && !database,
  };
}

/** Releases that were live on the stack before, oldest first, from the config's release history. */
export function knownGoodReleases(history: readonly { release: string }[]): string[] {
  return [...new Set(history.map((entry) => entry.release))];
}
