import * as fs from "node:fs";
import * as path from "node:path";
import type { ChangeClass } from "../../../domain/change";
import { TRADING_SCHEMA_ENV, type TradingDataType } from "../../../contract/tradingData";
import { assembleStackSource } from "../../engine/stackFiles";
import { judgeStackChange, type StackChange } from "../../engine/stackChange";
import { InputError } from "../../exitCodes";
import type { CommandIo } from "../../shared/io";
import { editedFile, type EditedFile } from "../rollback/rollbackWrite";
import { changedConfigKeys, StackFileEditor } from "../rollback/stackEdit";

export interface RepointRequest {
  stack: string;
  config?: string;
  schema: string;
  restoredFrom: {
    day: string;
    types: readonly TradingDataType[];
    manifestSha256: string;
    at: string;
  };
  change: {
    class: ChangeClass;
    reason: string;
    incident?: string;
    requestedBy: string;
    at: string;
    expires?: string;
  };
  now: Date;
}

export interface JudgedRepoint {
  edited: EditedFile;
  before: string;
  after: string;
  changedKeys: string[];
  judged: StackChange;
  /** The schema the services read before the change, and after it. */
  from: string;
  to: string;
}

/**
 * The one reviewed change a trading-data restore ends with, as a database restore does: the new
 * schema in `aitb:tradingData.schema` (handed to the services as AITB_TRADING_SCHEMA), where it
 * came from, and the change record; judged offline through the policy pack like any change.
 */
export async function judgeRepoint(io: CommandIo, request: RepointRequest): Promise<JudgedRepoint> {
  const edited = editedFile(io, request, request.now);
  const editor = new StackFileEditor(edited.original.stackText, edited.file);
  editor.set("tradingData", [], {
    schema: request.schema,
    restoredFrom: { ...request.restoredFrom, types: [...request.restoredFrom.types] },
  });
  const record: Record<string, unknown> = { ...request.change };
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  editor.set("change", [], record);
  const after = editor.text();
  const projectText = fs.readFileSync(path.join(io.root, "Pulumi.yaml"), "utf8");
  const judged = await judgeStackChange({
    base: edited.original,
    source: assembleStackSource(request.stack, projectText, after, edited.file),
    now: request.now,
  });
  return {
    edited,
    before: edited.original.stackText,
    after,
    changedKeys: changedConfigKeys(edited.original.stackText, after),
    judged,
    from: edited.config.tradingData.schema,
    to: request.schema,
  };
}

/** Write the judged change, unless the file changed meanwhile. */
export function writeRepoint(repoint: JudgedRepoint): void {
  const { file, displayFile } = repoint.edited;
  if (fs.readFileSync(file, "utf8") !== repoint.before) {
    throw new InputError("data restore", [
      {
        key: displayFile,
        message: "changed while the restore ran; the stack file was not written, run it again",
      },
    ]);
  }
  fs.writeFileSync(file, repoint.after);
}

export function repointLines(repoint: JudgedRepoint, written: boolean): string[] {
  const { verdict } = repoint.judged;
  const advisory = verdict.violations.length - verdict.mandatory;
  return [
    `  stack file: ${repoint.edited.displayFile} ${written ? "now sets" : "would set"} aitb:tradingData.schema ${repoint.from} -> ${repoint.to}, with the change record`,
    `    keys changed: ${repoint.changedKeys.join(", ") || "none"}`,
    `  policies: ${verdict.mandatory} mandatory, ${advisory} advisory violation${advisory === 1 ? "" : "s"}`,
    ...verdict.violations.map(
      (violation) => `    - [${violation.level}] ${violation.policy}: ${violation.message}`,
    ),
    `  the services read the schema from ${TRADING_SCHEMA_ENV}; pulumi up repoints them`,
  ];
}
