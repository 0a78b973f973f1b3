import * as path from "node:path";
import type { Color } from "../../../domain/colors";
import { shellQuote } from "../../../domain/quote";

/** `<stateDir>/logs/<color>`: AITB_LOG_DIR of every service of the color on loopback. */
export function loopbackLogsDir(stateDir: string, color: Color): string {
  return path.join(stateDir, "logs", color);
}

/** Makes the folder; never empties it (a new process of the color appends to its files). */
export function logStoreScript(dir: string): string {
  return `mkdir -p ${shellQuote(dir)} && echo "logs kept in ${dir.replace(/"/g, "")}"`;
}
