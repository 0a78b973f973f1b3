/**
 * The service's log: one JSON object a line, each numbered (`seq`, from 1 in each process) and
 * stamped with the process id, written to stdout and, when AITB_LOG_DIR is set, appended to
 * <AITB_LOG_DIR>/<service>.log (docs/service-contract.md, "Logs"). Each line is one write(2) to a
 * file opened with O_APPEND, so a new process reopening the file appends after the old one's last
 * line, and lines of two processes never interleave within a line. The stack puts AITB_LOG_DIR on
 * storage that outlives the container or process (a volume, a folder kept by the stack).
 *
 * Imports only `node:` built-ins, like the rest of this folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface LogWriter {
  /** Writes one line; returns its sequence number. */
  write(event: string, extra?: Record<string, unknown>): number;
  /** The file lines are appended to, when there is one. */
  readonly file?: string;
  /** Writes a last `log-closed` line (carrying the count) and closes the file. Idempotent. */
  close(): void;
}

export interface LogWriterOptions {
  /** AITB_LOG_DIR; unset: stdout only. */
  dir?: string;
  /** The service name: the file is <service>.log. */
  service: string;
  /** Fields every line carries (service, color, release). */
  fields: Record<string, string>;
  stdout?: (text: string) => void;
}

export function openLogWriter(options: LogWriterOptions): LogWriter {
  const file = options.dir ? path.join(options.dir, `${options.service}.log`) : undefined;
  let fd: number | undefined;
  if (file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(file, "a");
  }
  const stdout = options.stdout ?? ((text: string) => void process.stdout.write(text));
  let seq = 0;
  let closed = false;
  const write = (event: string, extra: Record<string, unknown> = {}): number => {
    if (closed) return seq;
    seq += 1;
    const line = `${JSON.stringify({
      time: new Date().toISOString(),
      seq,
      pid: process.pid,
      event,
      ...options.fields,
      ...extra,
    })}\n`;
    if (fd !== undefined) fs.writeSync(fd, line);
    stdout(line);
    return seq;
  };
  return {
    write,
    file,
    close() {
      if (closed) return;
      write("log-closed", { lines: seq + 1 });
      closed = true;
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}
