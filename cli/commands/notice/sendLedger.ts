/**
 * What was delivered, per stack, incident, stage and channel: `.aitb/notifications/<stack>/
 * <incident>/<stage>.json`. A resend skips every channel the ledger has as delivered. The file is
 * replaced atomically (a temporary file in the same folder, then rename), and one send at a time
 * holds the stage's lock, so two on-call engineers sending at once do not both page.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../../exitCodes";

export interface LedgerEntry {
  kind: string;
  at: string;
  attempts: number;
  detail: string;
}

export interface Ledger {
  stack: string;
  incident: string;
  stage: string;
  delivered: Record<string, LedgerEntry>;
}

export function ledgerDir(root: string, stack: string, incident: string): string {
  return path.join(root, ".aitb", "notifications", stack, incident);
}

export function ledgerFile(root: string, stack: string, incident: string, stage: string): string {
  return path.join(ledgerDir(root, stack, incident), `${stage}.json`);
}

export function readLedger(file: string, stack: string, incident: string, stage: string): Ledger {
  if (!fs.existsSync(file)) return { stack, incident, stage, delivered: {} };
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Ledger;
  return { stack, incident, stage, delivered: parsed.delivered ?? {} };
}

/** Write the ledger whole, atomically: a reader sees the old file or the new one, never half. */
export function writeLedger(file: string, ledger: Ledger): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temp, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(ledger, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Hold the stage's lock while sending; a lock left by a process that is gone is taken over. */
export async function withLedgerLock<T>(file: string, run: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const take = (): boolean => {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return false;
    }
  };
  if (!take()) {
    const holder = Number(fs.readFileSync(lock, "utf8").trim());
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new InputError("notice", [
        {
          key: "--send",
          message: `another send of this stage is under way (process ${holder} holds ${lock}); wait for it, then run again (delivered channels are skipped)`,
        },
      ]);
    }
    fs.rmSync(lock, { force: true });
    if (!take()) throw new Error(`cannot take the lock ${lock}`);
  }
  try {
    return await run();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
