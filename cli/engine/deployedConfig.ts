import * as fs from "node:fs";
import * as path from "node:path";
import { gitOutput } from "../shared/git";
import { parse } from "yaml";
import type { DeployedState } from "../../domain/deployed";
import { readBaseSource, readStackSource, stackFileName, type StackSource } from "./stackFiles";

/** How far back the history of a stack file is searched for the version that was deployed. */
const COMMITS_SEARCHED = 50;

export interface DeployedConfig {
  source: StackSource;
  /** The commit it was read at; undefined for the working tree's file. */
  revision?: string;
}

/**
 * Whether a stack file's text is the version the deployed state came from. Its change record is
 * what tells versions apart (each change carries one written for it: fresh-change-record), and
 * the routing and pins must agree with it too.
 */
function isDeployedVersion(text: string, deployed: DeployedState): boolean {
  const change = deployed.change;
  if (!change?.at) return false;
  let config: Record<string, unknown>;
  try {
    config = ((parse(text) as { config?: Record<string, unknown> } | null)?.config ?? {}) as Record<
      string,
      unknown
    >;
  } catch {
    return false;
  }
  const record = (config["aitb:change"] ?? {}) as Record<string, unknown>;
  const slots = (config["aitb:slots"] ?? {}) as Record<string, { release?: unknown } | undefined>;
  const at = typeof record.at === "string" ? new Date(record.at).getTime() : NaN;
  return (
    at === new Date(change.at).getTime() &&
    record.reason === change.reason &&
    (record.incident ?? undefined) === (change.incident ?? undefined) &&
    config["aitb:activeColor"] === deployed.activeColor &&
    String(slots.blue?.release) === deployed.releases.blue &&
    String(slots.green?.release) === deployed.releases.green
  );
}

/**
 * The version of the stack file the deployed state was deployed from: the working tree's file,
 * or the newest commit of its history that carries the deployed change record. Undefined when
 * none does (deployed from a file never committed, or from further back).
 */
export function deployedConfig(
  root: string,
  stack: string,
  deployed: DeployedState,
): DeployedConfig | undefined {
  const name = stackFileName(stack);
  const file = path.join(root, name);
  if (fs.existsSync(file) && isDeployedVersion(fs.readFileSync(file, "utf8"), deployed)) {
    return { source: readStackSource(root, stack, file) };
  }
  const log = gitOutput(root, ["log", `-n${COMMITS_SEARCHED}`, "--format=%h", "--", name]);
  for (const revision of (log ?? "").split("\n").filter(Boolean)) {
    const text = gitOutput(root, ["show", "--end-of-options", `${revision}:${name}`]);
    if (text !== undefined && isDeployedVersion(text, deployed)) {
      return { source: readBaseSource(root, stack, revision), revision };
    }
  }
  return undefined;
}
