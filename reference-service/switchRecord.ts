/**
 * Reading the switch record (docs/service-contract.md, "Switch record"): `<dir>/current` links to
 * a generation folder whose `record.json` names the active color. The layout repeats
 * domain/switchRecord.ts on purpose (this folder builds alone); test/reference-service.test.ts
 * holds the two equal.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type Color = "blue" | "green";

export const SWITCH_RECORD_CURRENT = "current";
export const SWITCH_RECORD_FILE = "record.json";

export interface SwitchRecordView {
  activeColor: Color;
}

export type SwitchRecordRead =
  { ok: true; record: SwitchRecordView } | { ok: false; problem: string };

/** The record as it is now; never throws (a bot that cannot read it does not trade live). */
export function readSwitchRecord(dir: string): SwitchRecordRead {
  const file = path.join(dir, SWITCH_RECORD_CURRENT, SWITCH_RECORD_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return {
      ok: false,
      problem: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    };
  }
  try {
    const value = JSON.parse(text) as Partial<SwitchRecordView>;
    if (value.activeColor !== "blue" && value.activeColor !== "green") {
      return { ok: false, problem: `${file} names no active color` };
    }
    return { ok: true, record: { activeColor: value.activeColor } };
  } catch {
    return { ok: false, problem: `${file} is not JSON` };
  }
}
