import * as fs from "node:fs";
import * as path from "node:path";
import { validateStackConfig } from "../../../config/validate";
import type { ParsedStackConfig } from "../../../config/schema";
import type { DeployedState } from "../../../domain/deployed";
import {
  assembleStackSource,
  committedBase,
  readStackSource,
  stackFileName,
  type StackSource,
} from "../../engine/stackFiles";
import { EXIT, InputError } from "../../exitCodes";
import { headRevision } from "./headRevision";
import type { CommandIo } from "../../shared/io";
import { assertRestoreDeployed, type DeployedRestore } from "./restoreRun";
import { commitRollback, planCommit, pushCommand, rollbackBranch } from "./rollbackCommit";
import { applyRollback, restoresCompletedBy } from "./rollbackEdit";
import type { RollbackIntent } from "./rollbackIntent";
import { commitMessage, renderRefusal, renderRollbackReport } from "./rollbackReport";
import { changedConfigKeys, StackFileEditor } from "./stackEdit";
import { judgeStackChange } from "../../engine/stackChange";

/** The stack file being edited, and how to name it to the user (from the current folder). */
export interface EditedFile {
  file: string;
  displayFile: string;
  original: StackSource;
  config: ParsedStackConfig;
}

/** `--config` is read from the current folder, as plan, diff and verify read it. */
export function editedFile(
  io: CommandIo,
  flags: { stack: string; config?: string },
  now: Date,
): EditedFile {
  const file = flags.config
    ? path.resolve(flags.config)
    : path.join(io.root, stackFileName(flags.stack));
  const displayFile = path.relative(process.cwd(), file) || file;
  const original = readStackSource(io.root, flags.stack, file);
  return { file, displayFile, original, config: validateStackConfig(original.values, now) };
}

/** The commit the file was edited on, when it is the stack file git tracks there. */
function diffBaseOf(io: CommandIo, stack: string, file: string): string | undefined {
  if (file !== path.join(io.root, stackFileName(stack))) return undefined;
  return committedBase(io.root, stack) ? headRevision(io.root) : undefined;
}

export interface ChangeToWrite {
  stack: string;
  edited: EditedFile;
  intent: RollbackIntent;
  failedAnalysis?: string;
  /** The deployed restore a switch to the restored color completes. */
  restore?: DeployedRestore;
  commit?: boolean;
  force?: boolean;
  dryRun?: boolean;
  config?: string;
  now: Date;
}

/**
 * Judge the edit offline (the edited config planned against the file as it was, through the
 * policy pack) and write it; a mandatory violation refuses it (the file stays byte-for-byte as it
 * was) unless --force.
 */
export async function judgeAndWrite(change: ChangeToWrite, io: CommandIo): Promise<number> {
  const { edited, intent } = change;
  const { file, displayFile, original, config } = edited;
  if (change.commit && change.dryRun) {
    throw new InputError("rollback", [
      { key: "--commit", message: "a dry run writes nothing to commit; drop one of them" },
    ]);
  }
  const commit = change.commit
    ? planCommit(io.root, file, rollbackBranch(change.stack, intent.change.incident))
    : undefined;
  // Named before the commit: afterwards HEAD is the rollback itself.
  const diffBase = diffBaseOf(io, change.stack, file);
  const editor = new StackFileEditor(original.stackText, file);
  applyRollback(editor, config, intent, {
    failedAnalysis: change.failedAnalysis,
    // A state exported before change records carries no time: the restore had run by now.
    restorePerformedAt: change.restore && (change.restore.recordedAt ?? intent.change.at),
  });
  const after = editor.text();
  const projectText = fs.readFileSync(path.join(io.root, "Pulumi.yaml"), "utf8");
  const judged = await judgeStackChange({
    base: original,
    source: assembleStackSource(change.stack, projectText, after, file),
    now: change.now,
  });
  if (change.restore) {
    const planned = judged.base.outputs.deployed as DeployedState | undefined;
    for (const { key } of restoresCompletedBy(config, intent)) {
      const declared =
        (key === "database" ? planned?.restore : planned?.engineRestores?.[key]) ?? "";
      assertRestoreDeployed(
        change.restore,
        key,
        declared,
        change.stack,
        String(intent.activeColor),
      );
    }
  }

  const denied = judged.verdict.mandatory > 0;
  if (denied && !change.force && !change.dryRun) {
    io.err(renderRefusal(intent, judged, displayFile));
    return EXIT.denied;
  }
  if (!change.dryRun) {
    if (fs.readFileSync(file, "utf8") !== original.stackText) {
      throw new InputError("rollback", [
        {
          key: displayFile,
          message:
            "changed while the rollback was being planned; nothing was written, run it again",
        },
      ]);
    }
    fs.writeFileSync(file, after);
  }
  const committed = commit && {
    branch: commit.branch,
    revision: commitRollback(io.root, file, commit, commitMessage(intent, judged)),
    push: pushCommand(io.root, commit.branch),
  };
  if (!editor.roundTrips()) {
    io.err(
      `note: ${displayFile} does not read back byte-for-byte through the YAML library; check \`git diff\` for reformatted lines\n`,
    );
  }
  io.out(
    renderRollbackReport({
      intent,
      change: judged,
      file,
      displayFile,
      before: original.stackText,
      after,
      changedKeys: changedConfigKeys(original.stackText, after),
      written: !change.dryRun,
      denied,
      config: change.config,
      diffBase,
      committed,
    }),
  );
  return denied && change.dryRun ? EXIT.denied : EXIT.ok;
}
