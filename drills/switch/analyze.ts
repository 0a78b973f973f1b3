import { otherColor, type Color } from "../../domain/colors";
import { percentile, round } from "../stats";
import { CLIENT_KIND_LABELS, type ClientKind, type KindRecords, type Target } from "./load";

export interface SwitchEvent {
  to: Color;
  /** When the switch step (a record rename, or a site write and reload) started and returned. */
  startedAt: number;
  endedAt: number;
}

export interface Latency {
  count: number;
  p50Ms?: number;
  p99Ms?: number;
}

/** A stretch of a phase: [from, to) in ms. */
export type Span = readonly [from: number, to: number];

export interface PhaseWindow {
  /**
   * Stretches without switches, each just before a burst of switches: latencies of requests sent
   * in them are "before switches". Interleaving them with the bursts keeps a shared machine's
   * drifting load out of the comparison.
   */
  quiet: Span[];
  /** Stretches with switches: "during". */
  switching: Span[];
}

export interface PhaseFigures {
  kind: ClientKind;
  label: string;
  sent: number;
  failed: number;
  /** Failures by cause: a socket error code, `HTTP 502`, `misrouted`, `no answer`. */
  failures: Record<string, number>;
  retries: number;
  /** Requests per second sent while the switches happened. */
  rps: number;
  before: Latency;
  during: Latency;
  switches: number;
  /**
   * The worst, over the switches, of how long after a switch step returned a request could still
   * start and be answered by the old color (0: every request that started after it got the new one).
   */
  worstLagMs: number;
  /** How long the switch steps took. */
  stepMs: { p50?: number; max?: number };
}

/** Why a request failed, or undefined when it got a 2xx-4xx answer from the right service. */
export function failureOf(records: KindRecords, i: number, targets: Target[]): string | undefined {
  const outcome = records.outcome[i];
  if (typeof outcome === "string") return outcome === "" ? "no answer" : outcome;
  if (outcome >= 500) return `HTTP ${outcome}`;
  if (records.service[i] !== targets[records.target[i]].service) return "misrouted";
  return undefined;
}

function within(at: number, spans: readonly Span[]): boolean {
  return spans.some(([from, to]) => at >= from && at < to);
}

function latency(records: KindRecords, ok: boolean[], spans: readonly Span[]): Latency {
  const values: number[] = [];
  for (let i = 0; i < records.sentAt.length; i++) {
    if (ok[i] && within(records.sentAt[i], spans)) {
      values.push(records.doneAt[i] - records.sentAt[i]);
    }
  }
  return {
    count: values.length,
    p50Ms: round(percentile(values, 50), 2),
    p99Ms: round(percentile(values, 99), 2),
  };
}

/**
 * Per switch: how long after the step returned a request could still start and be answered by
 * the color switched away from. A request still unanswered when the next switch starts is left
 * out: the color it got may be the next switch's.
 */
export function lagsMs(records: KindRecords, ok: boolean[], switches: SwitchEvent[]): number[] {
  return switches.map((event, index) => {
    const until = switches[index + 1]?.startedAt ?? Infinity;
    const old = otherColor(event.to);
    let lag = 0;
    for (let i = 0; i < records.sentAt.length; i++) {
      const sent = records.sentAt[i];
      if (!ok[i] || sent < event.endedAt || records.doneAt[i] >= until) continue;
      if (records.color[i] === old) lag = Math.max(lag, sent - event.endedAt);
    }
    return round(lag, 2) as number;
  });
}

/** Figures of one load phase from every recorded request and the switches' timings. */
export function analyzePhase(input: {
  records: KindRecords;
  targets: Target[];
  switches: SwitchEvent[];
  window: PhaseWindow;
}): PhaseFigures {
  const { records, targets, switches, window } = input;
  const failures: Record<string, number> = {};
  const ok = records.sentAt.map((_, i) => {
    const failure = failureOf(records, i, targets);
    if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
    return failure === undefined;
  });
  const during = records.sentAt.filter((at) => within(at, window.switching)).length;
  const switchingMs = window.switching.reduce((sum, [from, to]) => sum + (to - from), 0);
  const steps = switches.map((s) => s.endedAt - s.startedAt);
  const lags = lagsMs(records, ok, switches);
  return {
    kind: records.kind,
    label: CLIENT_KIND_LABELS[records.kind],
    sent: records.sentAt.length,
    failed: ok.filter((v) => !v).length,
    failures,
    retries: records.retries,
    rps: Math.round(during / Math.max(0.001, switchingMs / 1000)),
    before: latency(records, ok, window.quiet),
    during: latency(records, ok, window.switching),
    switches: switches.length,
    worstLagMs: lags.length ? Math.max(...lags) : 0,
    stepMs: {
      p50: round(percentile(steps, 50), 1),
      max: steps.length ? round(Math.max(...steps), 1) : undefined,
    },
  };
}
