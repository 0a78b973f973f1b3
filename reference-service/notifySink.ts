/**
 * Where the notifier's test messages go: a file (AITB_NOTIFY_SINK, one JSON line per message) or,
 * without one, a list in memory. Never a real channel: the notify probe must reach no one.
 */
import * as fs from "node:fs";

export interface Notification {
  time: string;
  id: string;
  message: string;
  color: string;
  release: string;
}

export interface NotifySink {
  /** What the probe's answer names as the sink: `file:<path>` or `memory`. */
  readonly name: string;
  /** Resolves once the message is delivered; rejects when it cannot be. */
  deliver(notification: Notification): Promise<void>;
  /** The messages kept in memory (none for a file sink). */
  delivered(): readonly Notification[];
}

/** The memory sink keeps the latest messages only, so a long drill cannot grow it without bound. */
export const MEMORY_SINK_KEEPS = 1_000;

class MemorySink implements NotifySink {
  readonly name = "memory";
  private readonly kept: Notification[] = [];

  deliver(notification: Notification): Promise<void> {
    this.kept.push(notification);
    if (this.kept.length > MEMORY_SINK_KEEPS) this.kept.shift();
    return Promise.resolve();
  }

  delivered(): readonly Notification[] {
    return [...this.kept];
  }
}

class FileSink implements NotifySink {
  readonly name: string;

  constructor(private readonly file: string) {
    this.name = `file:${file}`;
  }

  deliver(notification: Notification): Promise<void> {
    return fs.promises.appendFile(this.file, `${JSON.stringify(notification)}\n`);
  }

  delivered(): readonly Notification[] {
    return [];
  }
}

export function openNotifySink(file: string | undefined): NotifySink {
  return file ? new FileSink(file) : new MemorySink();
}
