import type { Machine } from "./machine";
import { round } from "./stats";
import type { RestoreDrillReport } from "./restore/drill";
import { RESTORE_TARGETS } from "./restore/drill";
import type { SwitchDrillReport } from "./switch/drill";
import { SWITCH_TARGETS } from "./switch/drill";
import type { Latency } from "./switch/analyze";
import type { VerifyDrillReport } from "./verify/drill";
import { VERIFY_TARGETS } from "./verify/drill";
import type { FaultOutcome } from "./verify/outcome";

const met = (ok: boolean) => (ok ? "met" : "MISSED");

function ms(value: number | undefined): string {
  return value === undefined ? "-" : `${value}`;
}

function pair(latency: Latency): string {
  return `${ms(latency.p50Ms)} / ${ms(latency.p99Ms)} ms`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function machineLine(machine: Machine): string {
  return `machine: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, load average ${machine.loadAverage.join(" ")} at the start`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? "-" : `${round(a / b, 2)}`;
}

export function switchDrillText(report: SwitchDrillReport): string {
  const { options } = report;
  const lines = [
    `Switch drill: ${report.nginx}, ${report.postgres}, the ${report.stack} stack's routes and bots; per client kind and mechanism ${options.switches} switches in ${options.rounds} rounds (each ${round(options.baselineS / options.rounds, 2)} s quiet, the 'before', then ${round(options.durationS / options.rounds, 2)} s of switches), ${options.connections} connections at the highest rate each client reaches`,
    `  ${machineLine(report.machine)}; ${report.loadAverageAtEnd.join(" ")} at the end`,
  ];
  const byMechanism = new Map(report.mechanisms.map((m) => [m.mechanism, m]));
  for (const figures of report.mechanisms) {
    lines.push(
      "",
      `  ${figures.mechanism === "switch-record" ? "switch record (the product): one rename, no reload" : "reload (the replaced mechanism): a site per color, nginx -t and a graceful reload"}; client keep-alive ${figures.keepaliveSeconds === 0 ? "off" : `${figures.keepaliveSeconds} s`}`,
      "  client kind        sent     failed  retries   rate/s  p50 / p99 before   p50 / p99 during   p99 ratio  worst lag  step p50 / max",
    );
    for (const p of figures.phases) {
      lines.push(
        `  ${p.kind.padEnd(16)} ${String(p.sent).padStart(8)} ${String(p.failed).padStart(8)} ${String(p.retries).padStart(8)} ${String(p.rps).padStart(8)}  ${pair(p.before).padEnd(18)} ${pair(p.during).padEnd(18)} ${ratio(p.during.p99Ms, p.before.p99Ms).padStart(9)}  ${`${p.worstLagMs} ms`.padStart(9)}  ${ms(p.stepMs.p50)} / ${ms(p.stepMs.max)} ms`,
      );
    }
    if (figures.wrk) {
      const w = figures.wrk;
      lines.push(
        `  ${"wrk".padEnd(16)} ${String(w.during.requests).padStart(8)} ${String(w.failed).padStart(8)} ${"-".padStart(8)} ${String(w.during.rps).padStart(8)}  ${`${ms(w.before.p50Ms)} / ${ms(w.before.p99Ms)} ms`.padEnd(18)} ${`${ms(w.during.p50Ms)} / ${ms(w.during.p99Ms)} ms`.padEnd(18)} ${ratio(w.during.p99Ms, w.before.p99Ms).padStart(9)}  ${"-".padStart(9)}`,
      );
    }
    for (const p of figures.phases) {
      const causes = Object.entries(p.failures)
        .map(([cause, count]) => `${cause} ${count}`)
        .join(", ");
      if (causes) lines.push(`    ${p.kind} failed: ${causes}`);
    }
    if (figures.wrk && figures.wrk.failed > 0) {
      const e = figures.wrk.during.errors;
      lines.push(
        `    wrk failed: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}, non-2xx/3xx ${e.status}`,
      );
    }
  }
  const record = byMechanism.get("switch-record");
  const reload = byMechanism.get("reload");
  if (record && reload) {
    lines.push("", "  switch record / reload, same run:");
    for (const p of record.phases) {
      const q = reload.phases.find((r) => r.kind === p.kind);
      if (!q) continue;
      lines.push(
        `    ${p.kind.padEnd(16)} rate ${ratio(p.rps, q.rps)}x, p99 during ${ratio(p.during.p99Ms, q.during.p99Ms)}x, failed ${p.failed} vs ${q.failed}, worst lag ${p.worstLagMs} vs ${q.worstLagMs} ms`,
      );
    }
    if (record.wrk && reload.wrk) {
      lines.push(
        `    ${"wrk".padEnd(16)} rate ${ratio(record.wrk.during.rps, reload.wrk.during.rps)}x, p99 during ${ratio(record.wrk.during.p99Ms, reload.wrk.during.p99Ms)}x, failed ${record.wrk.failed} vs ${reload.wrk.failed}`,
      );
    }
  }
  if (report.siteChanges) {
    const c = report.siteChanges;
    const causes = Object.entries(c.failures)
      .map(([cause, count]) => `${cause} ${count}`)
      .join(", ");
    lines.push(
      "",
      `  site changes (a route added or removed, drained reload): ${c.changes} under ${c.kind} load, ${c.sent} sent, ${c.failed} failed${causes ? ` (${causes})` : ""}, ${c.rps} requests/s, steps ${c.stepMs.join(", ")} ms`,
    );
  }
  const b = report.bots;
  lines.push(
    "",
    `  bots: ${b.samples} samples of both (every ${options.sampleEveryMs} ms): two live in ${b.twoLive}; overlap of their live intervals ${b.overlapMs} ms; ${b.orders} orders over ${b.epochs} lease epochs, ${b.ordersOutsideLease} outside their bot's lease`,
    `  lease handover after a switch step: p50 ${ms(b.handoverMs.p50)} ms, max ${ms(b.handoverMs.max)} ms (${b.handoverMs.count} switches); no bot live between holders: p50 ${ms(b.gapMs.p50)} ms, max ${ms(b.gapMs.max)} ms`,
  );
  if (report.nginxProblems.length > 0) {
    lines.push(
      `  nginx error log: ${report.nginxProblems.length} lines at warn or worse, first: ${report.nginxProblems[0]}`,
    );
  }
  const t = report.targets;
  lines.push(
    `  targets (switch record): 0 failed requests ${met(t.zeroFailed)}; keep-alive kinds >= ${SWITCH_TARGETS.minKeepaliveRps} requests/s ${met(t.keepaliveRps)}; worst lag < ${SWITCH_TARGETS.worstLagMs} ms ${met(t.lag)}; p99 during <= ${SWITCH_TARGETS.p99Ratio} x before ${met(t.p99)}; at most one live bot ${met(t.oneLiveBot)}`,
  );
  return lines.join("\n");
}

export function restoreDrillText(report: RestoreDrillReport): string {
  const c = report.checksums;
  const rows = (state: typeof c.atBackup) =>
    Object.entries(state)
      .map(([table, value]) => `${table} ${value.split(":")[0]}`)
      .join(", ");
  const i = report.integrity;
  return [
    `Restore drill: ${report.postgres}, ${report.options.rows} rows per table (orders, trades, candles), the ${report.stack} stack's release ${report.release}`,
    `  ${machineLine(report.machine)}`,
    `  database ${mib(report.databaseBytes)}, dump ${mib(report.dumpBytes)} (${report.snapshot}); load ${report.loadMs} ms`,
    `  backup (pre-switch snapshot step) ${report.backupMs} ms; forensic copy ${report.forensicCopyMs} ms (${report.forensicCopy})`,
    `  restore into ${report.restoredInto} (product step) ${report.restoreMs} ms; bare pg_restore and one checksum pass ${report.bareRestoreMs} ms; ratio ${report.ratioToBare} (mean of ${report.rounds.length} rounds: ${report.rounds.map((r) => `${r.restoreMs}/${r.bareRestoreMs}`).join(", ")})`,
    `  repointed ${report.databaseUrl.before} -> ${report.databaseUrl.after}`,
    `  rows at backup: ${rows(c.atBackup)}; corrupted: ${rows(c.corrupted)}; restored: ${rows(c.restored)}`,
    `  integrity: restored = backup (counts and checksums) ${i.restoredEqualsBackup ? "yes" : "NO"}; forensic copy holds the corrupted state ${i.forensicCopyHoldsCorruption ? "yes" : "NO"}; live database untouched ${i.liveUntouched ? "yes" : "NO"}; a second restore into ${report.restoredInto} refused ${i.refusesExistingTarget ? "yes" : "NO"}`,
    `  targets: integrity exact: ${met(report.targets.integrityExact)}; restore within ${RESTORE_TARGETS.maxRatioToBare}x bare pg_restore and one checksum pass: ${met(report.targets.withinRatio)}`,
  ].join("\n");
}

function injectedOn(outcome: FaultOutcome): string {
  const { color, role } = outcome.injectedOn;
  return `${color} (${role}, ${outcome.stage === "before-switch" ? "before" : "after"} switch)`;
}

/** Before a switch: requests that reached the target; after: how soon traffic was back. */
function reachedOrBack(outcome: FaultOutcome): string {
  if (outcome.requests) {
    return `${outcome.requests.toTarget} of ${outcome.requests.proxyLog.requests} requests`;
  }
  if (outcome.revertedTo && outcome.backOnOldSeconds !== undefined) {
    return `${outcome.revertedTo} in ${outcome.backOnOldSeconds} s`;
  }
  return "-";
}

export function verifyDrillText(report: VerifyDrillReport): string {
  const c = report.checkSettings;
  const a = report.analysis;
  const s = a.successCondition;
  const lines = [
    `Verify drill: ${report.nginx}, the ${report.stack} stack's five services per color (reference services, fault switches on), bots on the switch record and a file lease; each fault from a healthy start with blue live, on green before a switch to it (pre-promotion analysis, retried for ${report.options.preTimeoutSeconds} s) and after one (post-promotion analysis: every ${a.intervalSeconds} s, ${a.count} measurements, failure limit ${a.failureLimit}, ${a.requests} requests per route)`,
    `  limits: market data ${c.tradingChecks.marketDataMaxAgeSeconds} s, inference ${c.tradingChecks.inferenceBudgetMs} ms, heartbeat ${c.heartbeatMaxAgeSeconds} s, errors ${round(100 * s.maxErrorRate, 2)} %, p99 +${s.maxLatencyDegradationPercent} % and +${s.minLatencyIncreaseMs} ms over the baseline`,
    `  ${machineLine(report.machine)}; ${report.seconds} s in all`,
    "",
    `  ${"fault".padEnd(27)} ${"injected on".padEnd(29)} ${"detected".padEnd(9)} ${"severity".padEnd(9)} ${"action".padEnd(15)} ${"detect s".padStart(8)}  ${"reached target / back".padEnd(22)} caught by`,
  ];
  for (const o of report.outcomes) {
    lines.push(
      `  ${o.label.padEnd(27)} ${injectedOn(o).padEnd(29)} ${(o.detected ? "yes" : "NO").padEnd(9)} ${(o.severity ?? "-").padEnd(9)} ${o.action.padEnd(15)} ${(o.detectSeconds === undefined ? "-" : o.detectSeconds.toFixed(2)).padStart(8)}  ${reachedOrBack(o).padEnd(22)} ${o.caughtBy.join(", ") || "-"}`,
    );
  }
  const notes = report.outcomes.filter((o) => o.note);
  if (notes.length > 0) lines.push("");
  for (const o of notes) lines.push(`  ${o.label}, ${o.stage.replace("-", " ")}: ${o.note}`);
  if (report.nginxProblems.length > 0) {
    lines.push(
      `  nginx error log: ${report.nginxProblems.length} lines at warn or worse, first: ${report.nginxProblems[0]}`,
    );
  }
  const t = report.targets;
  lines.push(
    `  targets: every fault detected ${met(t.everyFaultDetected)}; no request reached a faulty target before a switch ${met(t.noRequestReachedFaultyTarget)}; after a switch reverted, traffic back on the old color within ${VERIFY_TARGETS.maxSecondsBackOnOld} s of detection ${met(t.revertedInTime)}`,
  );
  return lines.join("\n");
}
