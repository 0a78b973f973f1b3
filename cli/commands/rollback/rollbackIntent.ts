import { otherColor, type Color } from "../../../domain/colors";
import type { ChangeClass } from "../../../domain/change";
import { triggerById, TRIGGER_CONDITIONS } from "../../../domain/change";
import type { EngineRestoreConfig, ParsedStackConfig, RestoreConfig } from "../../../config/schema";
import { ENGINE_NAMES, type EngineKey } from "../../../domain/influxRestore";
import { InputError, type InputIssue } from "../../exitCodes";
import { lastKnownGood } from "../../shared/releaseHistory";
import { isoInstant } from "../../shared/time";

export interface RollbackRequest {
  changeClass: ChangeClass;
  reason: string;
  incident: string;
  requestedBy: string;
  /** The instant the change is judged at (`--now`); defaults to when it is written. */
  now: Date;
  /** When the record is written: the real clock, never `--now`. */
  writtenAt: Date;
  /** The color to switch to; the standby by default. */
  to?: Color;
  /** Re-pin the target color: a release pin, or `true` for the last known-good release. */
  release?: string | true;
  /** Restore the target color's database: an ISO instant, or a release whose snapshot to restore. */
  restore?: string;
  /** Which databases `restore` restores (`--databases`); PostgreSQL alone by default. */
  databases?: readonly RestorableDatabase[];
  expires?: string;
  /** Id of a trigger condition of the decision matrix. */
  trigger?: string;
}

/**
 * What a rollback does to the stack config:
 * - `switch`: flip `aitb:activeColor` to the target color (the seed's immediate blue/green switch);
 * - `full`: re-pin the target color to a known-good release and switch to it in one update;
 * - `restore`: step one of a full rollback with a database restore: re-pin the standby and
 *   declare the restore for it while its bot stays on paper; the switch follows as step two,
 *   after `aitb verify`, because a restore is never declared under a live bot;
 * - `extend`: renew the current emergency's expiry under a new record (cli/commands/rollback/extendIntent.ts).
 */
export type RollbackKind = "switch" | "full" | "restore" | "extend";

/** The databases a rollback can restore, as `--databases` names them. */
export const RESTORABLE_DATABASES = ["postgresql", "influxdb", "sql-server"] as const;
export type RestorableDatabase = (typeof RESTORABLE_DATABASES)[number];

/** The stack config key of each optional engine `--databases` names. */
const ENGINE_KEYS: Record<Exclude<RestorableDatabase, "postgresql">, EngineKey> = {
  influxdb: "influxdb",
  "sql-server": "sqlServer",
};

export interface RollbackIntent {
  kind: RollbackKind;
  from: { color: Color; release: string };
  target: { color: Color; release: string };
  /** The new active color, when this step switches. */
  activeColor?: Color;
  /** The re-pin of the target color, when its pin changes. */
  repin?: { color: Color; from: string; to: string };
  /** The PostgreSQL restore (`aitb:database.restore`), when `--databases` names it. */
  restore?: RestoreConfig;
  /** The restores of the optional engines (`aitb:influxdb.restore`, `aitb:sqlServer.restore`). */
  engineRestores: Partial<Record<EngineKey, EngineRestoreConfig>>;
  change: {
    class: ChangeClass;
    reason: string;
    incident: string;
    requestedBy: string;
    at: string;
    expires?: string;
    trigger?: string;
  };
  /** The emergency an extension renews: its expiry until now. */
  renews?: { expires?: string };
  /** What to tell the user that is not a change: a re-pin that was already in place. */
  notes: string[];
}

const ISO = /^\d{4}-\d{2}-\d{2}T/;

function fail(key: string, message: string): never {
  throw new InputError("rollback", [{ key, message }]);
}

function restoreFrom(
  value: string,
  color: Color,
  request: RollbackRequest,
  catalog: string[],
): RestoreConfig {
  const base = { color, reason: request.reason, incident: request.incident };
  if (ISO.test(value)) {
    if (Number.isNaN(new Date(value).getTime())) {
      fail(
        "--restore",
        `"${value}" is not a valid ISO-8601 time; expected e.g. 2026-11-25T14:30:00Z`,
      );
    }
    return { ...base, pointInTime: isoInstant(new Date(value)) };
  }
  if (!catalog.includes(value)) {
    fail(
      "--restore",
      `"${value}" is neither an ISO-8601 time nor a release of the catalog (aitb:releases); expected a time such as 2026-11-25T14:30:00Z or one of ${catalog.join(", ")}`,
    );
  }
  return { ...base, fromRelease: value };
}

/** Decide the config change of a rollback from the stack's current config and the request. */
export function rollbackIntent(
  config: ParsedStackConfig,
  request: RollbackRequest,
): RollbackIntent {
  const issues: InputIssue[] = [];
  const active = config.activeColor;
  const target = request.to ?? otherColor(active);
  const liveRelease = config.slots[active].release;
  const catalog = Object.keys(config.releases);
  const full = request.release !== undefined || request.restore !== undefined;

  if (request.trigger !== undefined) {
    const trigger = triggerById(request.trigger);
    if (!trigger) {
      issues.push({
        key: "--trigger",
        message: `"${request.trigger}" is not a trigger of the decision matrix; expected one of ${TRIGGER_CONDITIONS.map((t) => t.id).join(", ")}`,
      });
    } else if (trigger.changeClass !== request.changeClass) {
      issues.push({
        key: "--class",
        message: `"${request.changeClass}" contradicts the decision matrix: "${trigger.description}" is an ${trigger.changeClass} rollback; pass --class ${trigger.changeClass}`,
      });
    }
  }
  if (target === active) {
    issues.push({
      key: "--to",
      message: full
        ? `"${target}" is the live color; a full rollback re-pins and restores the standby (${otherColor(active)}) and then switches to it, never the color serving traffic`
        : `"${target}" is already the active color; nothing to switch. Omit --to to switch to the standby (${otherColor(active)})`,
    });
  }
  if (
    request.expires !== undefined &&
    new Date(request.expires).getTime() <= request.writtenAt.getTime()
  ) {
    issues.push({
      key: "--expires",
      message: `"${request.expires}" is not after now (${isoInstant(request.writtenAt)}); expected a future time`,
    });
  }
  let release = config.slots[target].release;
  if (
    request.release === true ||
    (request.release === undefined && request.restore !== undefined)
  ) {
    const known = lastKnownGood(config.releaseHistory, liveRelease);
    if (!known) {
      issues.push({
        key: "--release",
        message: `aitb:releaseHistory names no release that was live before ${liveRelease}; pass --release <pin> (one of ${catalog.join(", ")})`,
      });
    } else {
      release = known;
    }
  } else if (typeof request.release === "string") {
    if (!catalog.includes(request.release)) {
      issues.push({
        key: "--release",
        message: `"${request.release}" is not in the release catalog (aitb:releases); expected one of ${catalog.join(", ")}`,
      });
    } else {
      release = request.release;
    }
  }
  const databases = request.databases ?? ["postgresql"];
  if (request.databases !== undefined && request.restore === undefined) {
    issues.push({
      key: "--databases",
      message: "names the databases a restore restores; add --restore <time|pin>, or drop it",
    });
  }
  if (databases.length === 0) {
    issues.push({
      key: "--databases",
      message: `names no database; expected one or more of ${RESTORABLE_DATABASES.join(", ")}`,
    });
  }
  for (const database of databases) {
    if (database === "postgresql") continue;
    const key = ENGINE_KEYS[database];
    if (!config[key]) {
      issues.push({
        key: "--databases",
        message: `"${database}": the stack declares no ${ENGINE_NAMES[key]} (aitb:${key} is absent); drop it from --databases, or declare aitb:${key} first`,
      });
    }
  }
  if (issues.length > 0) throw new InputError("rollback", issues);

  const notes: string[] = [];
  const pinned = config.slots[target].release;
  const repin = release !== pinned ? { color: target, from: pinned, to: release } : undefined;
  if (full && !repin) notes.push(`${target} is already pinned to ${release}; no re-pin needed`);
  const point =
    request.restore !== undefined
      ? restoreFrom(request.restore, target, request, catalog)
      : undefined;
  const restore = point && databases.includes("postgresql") ? point : undefined;
  const engineRestores: Partial<Record<EngineKey, EngineRestoreConfig>> = {};
  for (const database of databases) {
    if (point && database !== "postgresql") engineRestores[ENGINE_KEYS[database]] = { ...point };
  }
  const kind: RollbackKind = point ? "restore" : repin ? "full" : "switch";
  return {
    kind,
    from: { color: active, release: liveRelease },
    target: { color: target, release },
    activeColor: kind === "restore" ? undefined : target,
    repin,
    restore,
    engineRestores,
    change: {
      class: request.changeClass,
      reason: request.reason,
      incident: request.incident,
      requestedBy: request.requestedBy,
      at: isoInstant(request.writtenAt),
      ...(request.expires ? { expires: request.expires } : {}),
      ...(request.trigger ? { trigger: request.trigger } : {}),
    },
    notes,
  };
}
