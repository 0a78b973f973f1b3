import type { Color } from "../../domain/colors";
import { percentile, round } from "../stats";
import { CLIENT_KIND_LABELS, type ClientKind, type KindRecords, type Target } from "./load";

export interface SwitchEvent {
  to: Color;
  /** When the reload step (write, nginx -t, graceful reload) started and ended. */
  startedAt: number;
  endedAt: number;
}

export interface Latency {
  count: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface KindFigures {
  kind: ClientKind;
  label: string;
  sent: number;
  failed: number;
  /** Failures by cause: a socket error code, `HTTP 502`, `misrouted`, `no answer`. */
  failures: Record<string, number>;
  retries: number;
  notSent: number;
  /** Requests per second sent while the switches happened. */
  rps: number;
  before: Latency;
  during: Latency;
}

export interface SwitchFigures {
  to: Color;
  reloadStepMs: number;
  /** From the start of the reload step to the first response from the new color. */
  firstNewMs?: number;
  /** From the start of the reload step until no response comes from the old color any more. */
  allNewMs?: number;
}

export interface SwitchAnalysis {
  kinds: KindFigures[];
  switches: SwitchFigures[];
}

export interface RunWindow {
  loadStart: number;
  /** Latencies of requests sent from here to `baselineEnd` are "before switches". */
  baselineStart: number;
  baselineEnd: number;
  loadEnd: number;
}

/** Why a request failed, or undefined when it got a 2xx-4xx answer from the right service. */
export function failureOf(records: KindRecords, i: number, targets: Target[]): string | undefined {
  const outcome = records.outcome[i];
  if (typeof outcome === "string") return outcome === "" ? "no answer" : outcome;
  if (outcome >= 500) return `HTTP ${outcome}`;
  if (records.service[i] !== targets[records.target[i]].service) return "misrouted";
  return undefined;
}

function latency(records: KindRecords, ok: boolean[], from: number, to: number): Latency {
  const values: number[] = [];
  for (let i = 0; i < records.sentAt.length; i++) {
    if (ok[i] && records.sentAt[i] >= from && records.sentAt[i] < to) {
      values.push(records.doneAt[i] - records.sentAt[i]);
    }
  }
  return {
    count: values.length,
    p50Ms: round(percentile(values, 50), 2),
    p99Ms: round(percentile(values, 99), 2),
  };
}

function kindFigures(
  records: KindRecords,
  targets: Target[],
  window: RunWindow,
  firstSwitch: number,
): { figures: KindFigures; ok: boolean[] } {
  const failures: Record<string, number> = {};
  const ok = records.sentAt.map((_, i) => {
    const failure = failureOf(records, i, targets);
    if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
    return failure === undefined;
  });
  const sent = records.sentAt.length;
  return {
    ok,
    figures: {
      kind: records.kind,
      label: CLIENT_KIND_LABELS[records.kind],
      sent,
      failed: ok.filter((v) => !v).length,
      failures,
      retries: records.retries,
      notSent: records.notSent,
      rps: Math.round(
        records.sentAt.filter((at) => at >= firstSwitch && at < window.loadEnd).length /
          ((window.loadEnd - firstSwitch) / 1000),
      ),
      before: latency(records, ok, window.baselineStart, window.baselineEnd),
      during: latency(records, ok, firstSwitch, window.loadEnd),
    },
  };
}

/** Figures of a switch drill from every recorded request and the switches' timings. */
export function analyzeSwitchRun(input: {
  records: KindRecords[];
  targets: Target[];
  switches: SwitchEvent[];
  window: RunWindow;
}): SwitchAnalysis {
  const { records, targets, switches, window } = input;
  const firstSwitch = switches[0]?.startedAt ?? window.loadEnd;
  const perKind = records.map((r) => kindFigures(r, targets, window, firstSwitch));

  const figures = switches.map((event, index): SwitchFigures => {
    const until = switches[index + 1]?.startedAt ?? Infinity;
    let firstNew = Infinity;
    let lastOld = -Infinity;
    perKind.forEach(({ ok }, k) => {
      const r = records[k];
      for (let i = 0; i < r.doneAt.length; i++) {
        const done = r.doneAt[i];
        if (!ok[i] || done < event.startedAt || done >= until) continue;
        if (r.color[i] === event.to) firstNew = Math.min(firstNew, done);
        else lastOld = Math.max(lastOld, done);
      }
    });
    const reached = Number.isFinite(firstNew);
    return {
      to: event.to,
      reloadStepMs: round(event.endedAt - event.startedAt, 1) as number,
      firstNewMs: reached ? round(firstNew - event.startedAt, 1) : undefined,
      allNewMs: reached ? round(Math.max(firstNew, lastOld) - event.startedAt, 1) : undefined,
    };
  });
  return { kinds: perKind.map((k) => k.figures), switches: figures };
}
