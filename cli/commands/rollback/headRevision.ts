import { gitOutput } from "../../shared/git";

/**
 * The commit checked out now, abbreviated: a base that keeps naming the file as it was before an
 * edit after the edit is committed (`HEAD` would then name the edit itself).
 */
export function headRevision(root: string): string | undefined {
  return gitOutput(root, ["rev-parse", "--short=12", "--verify", "--quiet", "HEAD"])?.trim();
}
