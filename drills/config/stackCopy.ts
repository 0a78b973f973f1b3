import * as fs from "node:fs";
import * as path from "node:path";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { readStackSource, stackFileName } from "../../cli/engine/stackFiles";
import { projectRoot } from "../../components/platform/projectRoot";
import { validateStackConfig } from "../../config/validate";
import { releaseDigest } from "../../domain/releaseDigest";

/** The config file the drill's copy gives the live release's bot, so one can be deleted. */
export const DRILL_FILE = "/etc/aitb/risk-limits.yaml";
const DRILL_FILE_CONTENT = "maxPositionUsd: 250000\nmaxOrdersPerMinute: 120\n";

export interface StackCopy {
  /** The project folder of the copy: Pulumi.yaml and the stack file. */
  root: string;
  stackFile: string;
  /** The stack file as the drill starts every case from. */
  text: string;
  /** The live release (the active color's pin) and the digest its history entry records. */
  pin: string;
  recorded: string;
  /** The folder the copy's backups are written to (aitb:backups.root). */
  backupRoot: string;
}

/**
 * A copy of the project's stack file in `folder`, as the drill needs it: its backups under the
 * folder, and the live release with a config file in its bot service, recorded in
 * aitb:releaseHistory with that content's digest (the stack as it would be had the release gone
 * live with the file). Everything else is the stack file as committed.
 */
export function copyStack(folder: string, stack: string, now: Date): StackCopy {
  const root = projectRoot();
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(folder, "Pulumi.yaml"));
  const stackFile = path.join(folder, stackFileName(stack));
  const backupRoot = path.join(folder, "backups");
  const source = readStackSource(root, stack);
  const config = validateStackConfig(source.values, now, stack);
  const pin = config.slots[config.activeColor].release;
  const editor = new StackFileEditor(source.stackText, stackFile);
  editor.set("backups", ["root"], backupRoot);
  editor.set("releases", [pin, "services", "bot", "files"], {
    ...config.releases[pin].services.bot.files,
    [DRILL_FILE]: DRILL_FILE_CONTENT,
  });
  fs.writeFileSync(stackFile, editor.text());
  const withFile = validateStackConfig(readStackSource(folder, stack).values, now, stack);
  const recorded = releaseDigest(withFile.releases[pin]);
  const history = withFile.releaseHistory;
  history.forEach((entry, index) => {
    if (entry.release === pin) editor.set("releaseHistory", [index, "digest"], recorded);
  });
  if (!history.some((entry) => entry.release === pin)) {
    editor.append("releaseHistory", {
      release: pin,
      color: config.activeColor,
      activatedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      digest: recorded,
    });
  }
  const text = editor.text();
  fs.writeFileSync(stackFile, text);
  return { root: folder, stackFile, text, pin, recorded, backupRoot };
}
