/**
 * The switch record as the policies see it (domain/switchRecord.ts): the resource with the role
 * `switch-record` (a command's or loopback step's AITB_ROLE, or an Azure blob's `aitb_role`
 * metadata) and the record it writes (AITB_SWITCH_RECORD, or the blob's `record` metadata).
 */
import { decodeSwitchRecord, SwitchRecordError, type SwitchRecord } from "../domain/switchRecord";
import { envOf, isRecord, known, roleOf, type ResourceView } from "../contract/resources";

export type SwitchRecordLookup<R extends ResourceView = ResourceView> =
  | { found: true; resource: R; record: SwitchRecord }
  | { found: false; resources: R[]; problem: string };

function metadataOf(resource: ResourceView): Record<string, unknown> {
  const metadata = known(() => resource.props.metadata);
  return isRecord(metadata) ? metadata : {};
}

export function isSwitchRecord(resource: ResourceView): boolean {
  return roleOf(resource) === "switch-record" || metadataOf(resource).aitb_role === "switch-record";
}

export function findSwitchRecord<R extends ResourceView>(
  resources: readonly R[],
): SwitchRecordLookup<R> {
  const records = resources.filter(isSwitchRecord);
  if (records.length !== 1) {
    return {
      found: false,
      resources: records,
      problem:
        records.length === 0
          ? "no switch record is declared"
          : `${records.length} switch records are declared`,
    };
  }
  const [resource] = records;
  const text = envOf(resource).AITB_SWITCH_RECORD ?? metadataOf(resource).record;
  if (typeof text !== "string") {
    return {
      found: false,
      resources: records,
      problem: "the switch record's value is not known yet",
    };
  }
  try {
    return { found: true, resource, record: decodeSwitchRecord(text) };
  } catch (error) {
    if (error instanceof SwitchRecordError)
      return { found: false, resources: records, problem: error.message };
    throw error;
  }
}

/**
 * A bot's mode under this config: a leased bot is live when the record names its color and in
 * its standby mode otherwise; a bot with a fixed mode has that mode.
 */
export function tradingModeOf(
  bot: { color?: string; tradingMode?: string; lease?: { standbyMode?: string } },
  record: SwitchRecordLookup,
): string | undefined {
  if (!bot.lease) return bot.tradingMode;
  if (!record.found) return undefined;
  return bot.color === record.record.activeColor ? "live" : (bot.lease.standbyMode ?? "suspended");
}
