import type { Color } from "./colors";
import type { ServiceSpec } from "./deployment";
import { contentDigest } from "./releaseDigest";

/** A setting value as the deployed state carries it (plain JSON). */
export type SettingValue = string | number | boolean | null | SettingValue[] | SettingMap;
export interface SettingMap {
  [key: string]: SettingValue;
}

/** The change record an update was deployed with: what the next record must differ from. */
export interface DeployedChange {
  class: string;
  reason: string;
  incident?: string;
  at?: string;
}

/**
 * What a stack has deployed, as the stack exports it (output `deployed`) and as the next update
 * reads it back through a StackReference to itself. The change-aware policies compare it with
 * the desired state.
 *
 * The optional fields were added later: a state exported before them still reads, and a fact it
 * does not carry is not compared (the next update exports it).
 */
export interface DeployedState {
  activeColor: Color;
  releases: Record<Color, string>;
  /** Identity of the database the services use: the live server, or the restore target. */
  database: string;
  /** Restore declared in the config, as "<color>:<target>", or "" when none. */
  restore: string;
  /**
   * The declared restore of each optional engine (aitb:influxdb, aitb:sqlServer), as
   * "<color>:<target>", by engine; absent without one.
   */
  engineRestores?: Record<string, string>;
  /** Releases that were active on this stack before, newest last (known-good rollback targets). */
  knownGoodReleases: string[];
  /** Content digest of each color's release (domain/releaseDigest.ts). */
  releaseDigests?: Record<Color, string>;
  /** The digests `aitb:releaseHistory` recorded when each release went live. */
  recordedDigests?: Record<string, string>;
  /** Digest of each color's bot as it runs (image, env, files, settings), its trading mode aside. */
  bots?: Record<Color, string>;
  /** The database settings (sku, tier, storage, retention, geo-backup, image, ...), restore aside. */
  databaseSettings?: SettingMap;
  /** The proxy's image. */
  proxyImage?: string;
  /** The health gate's settings. */
  healthGate?: SettingMap;
  /** Digest of the policy pack's rules (policies/config.json) the stack was deployed under. */
  rulesDigest?: string;
  /** The change record of the update that deployed this state. */
  change?: DeployedChange;
  /**
   * What the logs' last forensic copy was filed under and for which pins
   * (components/LogRetention.ts): a later update that replaces nothing keeps filing under it.
   * The stack exports it as its own output `logCopy`, beside `deployed`; readers of the outputs
   * join the two (cli/shared/deployedOutputs.ts).
   */
  logCopy?: { epoch: string; key: string };
}

export interface DeploymentChange {
  routing: boolean;
  repinned: Color[];
  /** The database identity or the declared restore. */
  database: boolean;
  /** Database settings whose value changes, by name. */
  databaseSettings: string[];
  /** Colors whose bot changes other than by its trading mode or its color's re-pin. */
  bots: Color[];
  proxyImage: boolean;
  healthGate: boolean;
  /** The policy pack's rules differ from those the stack was deployed under. */
  rules: boolean;
  /** Every release newly pinned is one that was active before. */
  toKnownGood: boolean;
  /** Nothing the change-aware rules judge has changed. */
  none: boolean;
}

function differs(a: unknown, b: unknown): boolean {
  return contentDigest(a) !== contentDigest(b);
}

/** Keys of two setting maps whose values differ; none when either side is unknown. */
function changedSettings(deployed?: SettingMap, desired?: SettingMap): string[] {
  if (!deployed || !desired) return [];
  const keys = [...new Set([...Object.keys(deployed), ...Object.keys(desired)])].sort();
  return keys.filter((key) => differs(deployed[key], desired[key]));
}

/** Whether a fact both sides know differs. */
function known<T>(deployed: T | undefined, desired: T | undefined): boolean {
  return deployed !== undefined && desired !== undefined && differs(deployed, desired);
}

export interface ChangeOptions {
  /** Digest of the rules judging now; a deployed state that recorded other rules is a rules change. */
  rulesDigest?: string;
}

export function changeBetween(
  deployed: DeployedState | undefined,
  desired: DeployedState,
  options: ChangeOptions = {},
): DeploymentChange {
  if (!deployed) {
    return {
      routing: true,
      repinned: ["blue", "green"],
      database: true,
      databaseSettings: [],
      bots: [],
      proxyImage: false,
      healthGate: false,
      rules: false,
      toKnownGood: false,
      none: false,
    };
  }
  const routing = deployed.activeColor !== desired.activeColor;
  const repinned = (["blue", "green"] as const).filter(
    (color) => deployed.releases[color] !== desired.releases[color],
  );
  const database = deployed.database !== desired.database || deployed.restore !== desired.restore;
  const databaseSettings = changedSettings(deployed.databaseSettings, desired.databaseSettings);
  const bots = (["blue", "green"] as const).filter(
    (color) => !repinned.includes(color) && known(deployed.bots?.[color], desired.bots?.[color]),
  );
  const proxyImage = known(deployed.proxyImage, desired.proxyImage);
  const healthGate = changedSettings(deployed.healthGate, desired.healthGate).length > 0;
  const rulesDigest = options.rulesDigest ?? desired.rulesDigest;
  const rules = known(deployed.rulesDigest, rulesDigest);
  const liveBefore = new Set([
    ...deployed.knownGoodReleases,
    deployed.releases[deployed.activeColor],
  ]);
  const newLive = desired.releases[desired.activeColor];
  const pinsKnown = repinned.every((color) => liveBefore.has(desired.releases[color]));
  const toKnownGood = (routing || repinned.length > 0) && pinsKnown && liveBefore.has(newLive);
  return {
    routing,
    repinned,
    database,
    databaseSettings,
    bots,
    proxyImage,
    healthGate,
    rules,
    toKnownGood,
    none:
      !routing &&
      repinned.length === 0 &&
      !database &&
      databaseSettings.length === 0 &&
      bots.length === 0 &&
      !proxyImage &&
      !healthGate &&
      !rules,
  };
}

/** A plain-data copy of settings (undefined members dropped), as a deployed state carries them. */
export function settingMap(value: object): SettingMap {
  return JSON.parse(JSON.stringify(value)) as SettingMap;
}

/** Releases that were live on the stack before, oldest first, from the config's release history. */
export function knownGoodReleases(
  history: readonly { release: string; failedAnalysis?: unknown }[],
): string[] {
  const failed = new Set(history.filter((e) => e.failedAnalysis).map((e) => e.release));
  return [...new Set(history.map((entry) => entry.release))].filter((r) => !failed.has(r));
}

/** The digest each release had when it went live, from the release history (the first one wins). */
export function recordedDigests(
  history: readonly { release: string; digest?: string }[],
): Record<string, string> {
  const recorded: Record<string, string> = {};
  for (const entry of history) {
    if (entry.digest && !(entry.release in recorded)) recorded[entry.release] = entry.digest;
  }
  return recorded;
}

/**
 * What a bot runs, as a digest: its image or build, env, files and settings. The trading mode is
 * left out: a switch changes it, and the switch is judged as routing.
 */
export function botDigest(bot: ServiceSpec): string {
  const env = Object.fromEntries(
    Object.entries(bot.env).filter(([key]) => key !== "AITB_TRADING_MODE"),
  );
  return contentDigest({
    image: bot.image,
    buildReference: bot.buildReference,
    env,
    files: bot.files,
    settings: bot.settings,
  });
}
