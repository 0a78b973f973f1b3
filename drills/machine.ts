import * as os from "node:os";

/** The machine the figures were measured on, printed with them. */
export interface Machine {
  cores: number;
  cpu: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the drill started: other work skews latencies. */
  loadAverage: number[];
}

export function machine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}
