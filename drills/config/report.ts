import { shortDigest } from "../../domain/releaseDigest";
import { machineLine } from "../report";
import type { ConfigDrillReport } from "./drill";

const met = (ok: boolean) => (ok ? "met" : "MISSED");

const WHAT: Record<string, string> = {
  "env-value-changed": "an env value of the release changed in the stack file",
  "file-entry-deleted": "a config file entry of the release deleted",
  "release-deleted": "the whole release deleted from aitb:releases",
  "already-equal": "nothing damaged (the restore must change nothing)",
  "dry-run": "release deleted, --dry-run (must write nothing)",
  "tampered-backup": "release deleted, backup changed and its digest recomputed",
  "edited-backup": "release deleted, backup changed, digest left as written",
};

export function configDrillText(report: ConfigDrillReport): string {
  const lines = [
    `Config drill: a copy of the ${report.stack} stack (${report.target} target), live release ${report.release} (its bot given a config file in the copy) recorded as ${shortDigest(report.recorded)}; ${report.options.rounds} round(s) per case`,
    `  ${machineLine(report.machine)}`,
    `  offline plan of the program (declares the backup steps): ${report.planMs} ms`,
    ...report.backups.map(
      (b) =>
        `  backup of ${b.release} written by its ${report.target} step: ${b.ms} ms, ${b.bytes} bytes`,
    ),
    "",
    "  case                 exit     restore p50 / max   release digest after   result",
  ];
  for (const c of report.cases) {
    lines.push(
      `  ${c.id.padEnd(20)} ${c.exits.join(",").padEnd(8)} ${`${c.restoreMs.p50} / ${c.restoreMs.max} ms`.padEnd(19)} ${(c.digestAfter ? shortDigest(c.digestAfter) : "(no release)").padEnd(22)} ${c.ok ? "ok" : "FAILED"}`,
      `    ${WHAT[c.id]}; expected exit ${c.expectedExit}`,
    );
  }
  lines.push(
    "",
    `  target: every damaged release restored to the recorded digest: ${met(report.targets.restoredToRecordedDigest)}`,
    `  target: a backup changed after it was written is refused, stack file unchanged: ${met(report.targets.tamperedRefused)}`,
    `  target: no secret in any backup: ${met(report.targets.noSecrets)}`,
  );
  return lines.join("\n");
}
