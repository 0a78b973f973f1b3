import { parseLogLine, type LogLine } from "../../contract/logs";

/** What one process wrote to the retained log, as the file shows it. */
export interface ProcessLines {
  pid: number;
  release?: string;
  /** Lines it says it wrote (its `log-closed` line counts them); else its highest seq. */
  written: number;
  closed: boolean;
  found: number;
  /** Sequence numbers in 1..written that are not in the file. */
  missing: number[];
  /** Lines whose seq is not above the line before it from the same process. */
  outOfOrder: number;
  first?: LogLine;
  last?: LogLine;
}

export interface LogAudit {
  processes: ProcessLines[];
  written: number;
  found: number;
  lost: number;
  /** Every process's lines in seq order, and each process's lines after the one before's. */
  inOrder: boolean;
  /** Request lines' urls, to compare with the requests answered. */
  requestUrls: Set<string>;
  /** Lines that are not log lines (a torn line, stray text). */
  unreadable: number;
}

/** Reads a retained log file: per process, which of its numbered lines are there and in order. */
export function auditLog(text: string): LogAudit {
  const byPid = new Map<number, LogLine[]>();
  const order: number[] = [];
  const requestUrls = new Set<string>();
  let unreadable = 0;
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    const line = parseLogLine(raw);
    if (!line) {
      unreadable += 1;
      continue;
    }
    if (!byPid.has(line.pid)) {
      byPid.set(line.pid, []);
      order.push(line.pid);
    }
    (byPid.get(line.pid) as LogLine[]).push(line);
    if (line.event === "request" && typeof line.url === "string") requestUrls.add(line.url);
  }
  let interleaved = false;
  let seenPids = 0;
  let current: number | undefined;
  for (const raw of text.split("\n")) {
    const line = raw ? parseLogLine(raw) : undefined;
    if (!line || line.pid === current) continue;
    current = line.pid;
    seenPids += 1;
  }
  if (seenPids !== order.length) interleaved = true;
  const processes = order.map((pid): ProcessLines => {
    const lines = byPid.get(pid) as LogLine[];
    const closing = lines.find((line) => line.event === "log-closed");
    const highest = Math.max(...lines.map((line) => line.seq));
    const written = closing && typeof closing.lines === "number" ? closing.lines : highest;
    const seqs = new Set(lines.map((line) => line.seq));
    const missing: number[] = [];
    for (let seq = 1; seq <= written; seq += 1) if (!seqs.has(seq)) missing.push(seq);
    let outOfOrder = 0;
    for (let i = 1; i < lines.length; i += 1) if (lines[i].seq <= lines[i - 1].seq) outOfOrder += 1;
    return {
      pid,
      release: typeof lines[0].release === "string" ? lines[0].release : undefined,
      written,
      closed: closing !== undefined,
      found: seqs.size,
      missing,
      outOfOrder,
      first: lines[0],
      last: lines[lines.length - 1],
    };
  });
  const written = processes.reduce((sum, p) => sum + p.written, 0);
  const found = processes.reduce((sum, p) => sum + p.found, 0);
  return {
    processes,
    written,
    found,
    lost: processes.reduce((sum, p) => sum + p.missing.length, 0),
    inOrder: !interleaved && processes.every((p) => p.outOfOrder === 0),
    requestUrls,
    unreadable,
  };
}
