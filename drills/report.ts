import type { Machine } from "./machine";
import { percentile, round } from "./stats";
import type { RestoreDrillReport } from "./restore/drill";
import { RESTORE_TARGETS } from "./restore/drill";
import type { SwitchDrillReport } from "./switch/drill";
import { SWITCH_TARGETS } from "./switch/drill";
import type { Latency } from "./switch/analyze";

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

export function switchDrillText(report: SwitchDrillReport): string {
  const { analysis, options } = report;
  const lines = [
    `Switch drill: ${report.nginx}, ${report.stack} stack's routes, ${options.switches} switches in ${options.durationS} s after a ${options.baselineS} s baseline, ${options.rps} requests/s per client kind`,
    `  ${machineLine(report.machine)}`,
  ];
  if (options.proxyKeepalive !== undefined) {
    lines.push(
      `  EXPERIMENT: the site's client keepalive_timeout replaced by ${options.proxyKeepalive}`,
    );
  }
  lines.push(
    "  client kind        sent   failed  retries  rate/s  p50 / p99 before   p50 / p99 during",
  );
  for (const kind of analysis.kinds) {
    lines.push(
      `  ${kind.kind.padEnd(16)} ${String(kind.sent).padStart(6)} ${String(kind.failed).padStart(8)} ${String(kind.retries).padStart(8)} ${String(kind.rps).padStart(7)}  ${pair(kind.before).padEnd(18)} ${pair(kind.during)}`,
    );
  }
  for (const kind of analysis.kinds) {
    const causes = Object.entries(kind.failures)
      .map(([cause, count]) => `${cause} ${count}`)
      .join(", ");
    lines.push(`    ${kind.kind}: ${kind.label}${causes ? `; failed: ${causes}` : ""}`);
  }
  const first = analysis.switches.flatMap((s) =>
    s.firstNewMs === undefined ? [] : [s.firstNewMs],
  );
  const all = analysis.switches.flatMap((s) => (s.allNewMs === undefined ? [] : [s.allNewMs]));
  const step = analysis.switches.map((s) => s.reloadStepMs);
  const summary = (values: number[]) =>
    values.length === 0
      ? "none"
      : `p50 ${round(percentile(values, 50), 1)} ms, max ${round(Math.max(...values), 1)} ms`;
  lines.push(
    `  from the start of each reload step: first response from the new color ${summary(first)}; all responses from the new color ${summary(all)}`,
    `  reload step (write site, nginx -t, graceful reload): ${summary(step)}`,
  );
  if (report.nginxProblems.length > 0) {
    lines.push(
      `  nginx error log: ${report.nginxProblems.length} lines at warn or worse, first: ${report.nginxProblems[0]}`,
    );
  }
  const failedKinds = analysis.kinds
    .filter((k) => k.failed > 0)
    .map((k) => `${k.kind} ${k.failed}`);
  lines.push(
    `  targets: 0 failed requests: ${failedKinds.length === 0 ? "met for every client kind" : `MISSED (${failedKinds.join(", ")})`}; >= ${SWITCH_TARGETS.minRps} requests/s: ${met(report.targets.rate)}; all new color within ${SWITCH_TARGETS.newColorWithinMs} ms: ${met(report.targets.newColorWithin1s)}`,
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
    `  restore into ${report.restoredInto} (product step) ${report.restoreMs} ms; bare pg_restore ${report.bareRestoreMs} ms; ratio ${report.ratioToBare} (mean of ${report.rounds.length} rounds: ${report.rounds.map((r) => `${r.restoreMs}/${r.bareRestoreMs}`).join(", ")})`,
    `  repointed ${report.databaseUrl.before} -> ${report.databaseUrl.after}`,
    `  rows at backup: ${rows(c.atBackup)}; corrupted: ${rows(c.corrupted)}; restored: ${rows(c.restored)}`,
    `  integrity: restored = backup (counts and checksums) ${i.restoredEqualsBackup ? "yes" : "NO"}; forensic copy holds the corrupted state ${i.forensicCopyHoldsCorruption ? "yes" : "NO"}; live database untouched ${i.liveUntouched ? "yes" : "NO"}; a second restore into ${report.restoredInto} refused ${i.refusesExistingTarget ? "yes" : "NO"}`,
    `  targets: integrity exact: ${met(report.targets.integrityExact)}; restore within ${RESTORE_TARGETS.maxRatioToBare}x bare pg_restore: ${met(report.targets.withinRatio)}`,
  ].join("\n");
}
