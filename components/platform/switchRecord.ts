/**
 * Writing the switch record (domain/switchRecord.ts) into a folder, as a self-contained script for
 * `node -e`: the Docker and loopback targets run it where `pulumi up` runs, the switch drill runs
 * the same text, and the Azure proxy's and bots' sidecar embeds it. Input (environment):
 * AITB_SWITCH_DIR, the folder; AITB_SWITCH_RECORD, the record as JSON.
 *
 * A switch is one rename(2): a new generation folder (record.json and the active color's flag) is
 * written first, then a new symbolic link is renamed over `current`. rename replaces the link
 * atomically (it does not follow a link at the destination), so nginx's per-request file test and
 * a bot's read each see the old record or the new one. The previous generation is kept for a
 * reader that resolved the old link just before the rename; older ones are removed.
 */

/** The function the scripts share: `writeSwitchRecord(dir, text)` returns "switched" or "unchanged". */
export const WRITE_SWITCH_RECORD_FUNCTION = String.raw`
function writeSwitchRecord(dir, text) {
  const fs = require("fs");
  const path = require("path");
  let record;
  try { record = JSON.parse(text); } catch { throw new Error("the switch record is not JSON: " + text); }
  if (record.activeColor !== "blue" && record.activeColor !== "green") {
    throw new Error("the switch record's activeColor is " + JSON.stringify(record.activeColor) + "; expected blue or green");
  }
  const body = text.trim() + "\n";
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const current = path.join(dir, "current");
  try {
    if (fs.readFileSync(path.join(current, "record.json"), "utf8") === body) return "unchanged";
  } catch {}
  let previous;
  try { previous = fs.readlinkSync(current); } catch {}
  const stamp = Date.now().toString(36).padStart(9, "0");
  const generation = "gen-" + stamp + "-" + process.pid.toString(36) + "-" + Math.random().toString(36).slice(2, 8);
  const folder = path.join(dir, generation);
  fs.mkdirSync(folder, { mode: 0o755 });
  fs.writeFileSync(path.join(folder, "record.json"), body, { mode: 0o644 });
  fs.writeFileSync(path.join(folder, record.activeColor), "", { mode: 0o644 });
  const link = path.join(dir, ".next-" + generation);
  fs.symlinkSync(generation, link);
  fs.renameSync(link, current);
  for (const entry of fs.readdirSync(dir)) {
    const stale = (entry.startsWith("gen-") && entry !== generation && entry !== previous) || entry.startsWith(".next-");
    if (stale && entry !== ".next-" + generation) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
  }
  return "switched";
}
`;

/** The `node -e` script that writes AITB_SWITCH_RECORD into AITB_SWITCH_DIR once. */
export const SWITCH_RECORD_SCRIPT = String.raw`
${WRITE_SWITCH_RECORD_FUNCTION}
const dir = process.env.AITB_SWITCH_DIR;
const text = process.env.AITB_SWITCH_RECORD;
if (!dir || !text) {
  process.stderr.write("AITB_SWITCH_DIR and AITB_SWITCH_RECORD must be set\n");
  process.exit(2);
}
try {
  const outcome = writeSwitchRecord(dir, text);
  process.stdout.write("switch record " + outcome + ": " + text.trim() + " in " + dir + "\n");
} catch (error) {
  process.stderr.write(String((error && error.message) || error) + "\n");
  process.exit(1);
}
`;

/** Where a target keeps the switch record beside the proxy's site, on the machine that writes it. */
export const SWITCH_RECORD_FOLDER = "switch";
/** The drain flag's name in the proxy's folder (see NginxServer.drainFlag). */
export const DRAIN_FLAG = "aitb.drain";

type WriteSwitchRecord = (dir: string, text: string) => "switched" | "unchanged";
let compiled: WriteSwitchRecord | undefined;

/**
 * The same function, run in this process: for the drill's timed switches and the tests, which
 * must write exactly what the targets' script writes.
 */
export function writeSwitchRecord(dir: string, text: string): "switched" | "unchanged" {
  compiled ??= new Function(
    "require",
    `${WRITE_SWITCH_RECORD_FUNCTION}\nreturn writeSwitchRecord;`,
  )(require) as WriteSwitchRecord;
  return compiled(dir, text);
}
