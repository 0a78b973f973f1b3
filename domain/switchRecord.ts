import { isColor, type Color } from "./colors";
import type { DeploymentSpec } from "./deployment";

/**
 * The switch record: which color is active, as one value that a switch replaces atomically. The
 * proxy reads it on every request to pick the color it routes to, and each bot reads it to learn
 * whether it should seek the live trading lease (docs/service-contract.md, "Switch record").
 * Nothing else carries the active color at run time, so a switch restarts nothing.
 */
export interface SwitchRecord {
  activeColor: Color;
}

/**
 * The record on a file system (the Docker and loopback targets, the Azure sidecar's volume): a
 * folder holding `current`, a symbolic link to a generation folder that holds `record.json` and
 * an empty file named after the active color. A switch writes a new generation, then renames a new
 * link over `current` (rename(2) is atomic), so a reader sees the old record or the new one, never
 * a mix. nginx tests `<dir>/current/green` (one stat per request: green, else blue) and that
 * `<dir>/current/record.json` exists; a bot reads `<dir>/current/record.json`.
 */
export const SWITCH_RECORD_LAYOUT = {
  current: "current",
  record: "record.json",
  generationPrefix: "gen-",
} as const;

/**
 * The record names the active color and nothing else, so it changes on a switch and only then
 * (a re-pin changes the colors' services and the proxy's site, not the record).
 */
export function switchRecordOf(spec: DeploymentSpec): SwitchRecord {
  return { activeColor: spec.activeColor };
}

/** The record as stored: one line of JSON, so equal records are equal text. */
export function encodeSwitchRecord(record: SwitchRecord): string {
  return JSON.stringify({ activeColor: record.activeColor });
}

export class SwitchRecordError extends Error {}

/** Reads a stored record; throws a SwitchRecordError naming what is wrong. */
export function decodeSwitchRecord(text: string, where = "the switch record"): SwitchRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SwitchRecordError(`${where} is not JSON`);
  }
  const record = value as { activeColor?: unknown };
  if (!isColor(record?.activeColor)) {
    throw new SwitchRecordError(
      `${where} has activeColor ${JSON.stringify(record?.activeColor)}; expected "blue" or "green"`,
    );
  }
  return { activeColor: record.activeColor };
}

/** The file nginx tests for `color` (a path inside the record's folder). */
export function switchFlagPath(dir: string, color: Color): string {
  return `${dir.replace(/\/+$/, "")}/${SWITCH_RECORD_LAYOUT.current}/${color}`;
}
