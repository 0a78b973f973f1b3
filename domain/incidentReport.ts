/**
 * The post-rollback document the runbook asks for (timeline, root cause, impact, recovery time
 * actual against target, lessons learned), as markdown. Pure: the caller gathers what was
 * observed (the stack file's history, the incident log `aitb up` wrote, the delivery ledger);
 * what nobody observed is left marked to fill, never made up.
 */
import { markdownCell, oneLine } from "./notificationText";

/** One version of the stack file that carries the incident's change record. */
export interface TimelineCommit {
  commit: string;
  committedAt: string;
  subject: string;
  change: {
    class: string;
    reason: string;
    incident?: string;
    requestedBy: string;
    at: string;
    trigger?: string;
  };
  activeColor: string;
  /** `blue → green` when this version switched the active color. */
  switched?: string;
  /** Slots this version re-pinned: `green 2026.11.4 → 2026.11.3`. */
  repinned: string[];
  /** A database restore this version declared. */
  restore?: string;
}

export type IncidentLogEntry =
  | { at: string; kind: "update"; ok: boolean; detail: string }
  | {
      at: string;
      kind: "verification";
      passed: boolean;
      checks: number;
      failed: string[];
    }
  | { at: string; kind: "outputs"; outputs: Record<string, unknown> };

export interface DeliveryRecord {
  stage: string;
  channel: string;
  kind: string;
  at: string;
  attempts: number;
}

export interface ReleaseHistoryRow {
  release: string;
  color: string;
  activatedAt: string;
  deactivatedAt?: string;
  failedAnalysis?: { at: string; reason: string };
}

export interface IncidentReportInput {
  stack: string;
  incident: string;
  generatedAt: string;
  timeline: TimelineCommit[];
  log: IncidentLogEntry[];
  deliveries: DeliveryRecord[];
  releaseHistory: ReleaseHistoryRow[];
  /** Where the log and ledger were read, for the reader to check. */
  sources: string[];
}

/** The seed runbook's targets: the immediate switch under 5 minutes, a full rollback 10-30. */
export const RECOVERY_TARGETS = {
  immediate: { label: "Immediate blue/green switch", targetMinutes: 5, shown: "< 5 min" },
  full: { label: "Full rollback", targetMinutes: 30, shown: "10-30 min" },
} as const;

export interface RecoveryTime {
  kind: keyof typeof RECOVERY_TARGETS;
  decidedAt?: string;
  recoveredAt?: string;
  actualMinutes?: number;
  met?: boolean;
}

const TO_FILL = (what: string) => `_to fill: ${what}_`;

/**
 * Decision = the earliest change record of the incident (its `at`); recovered = the first
 * verification that passed after it. A rollback that re-pinned a release or restored the
 * database is a full one; a switch alone is immediate.
 */
export function recoveryTime(input: IncidentReportInput): RecoveryTime {
  const full = input.timeline.some((entry) => entry.repinned.length > 0 || entry.restore);
  const kind = full ? "full" : "immediate";
  const decisions = input.timeline
    .map((entry) => Date.parse(entry.change.at))
    .filter(Number.isFinite);
  if (decisions.length === 0) return { kind };
  const decided = Math.min(...decisions);
  const recovered = input.log
    .filter((entry) => entry.kind === "verification" && entry.passed)
    .map((entry) => Date.parse(entry.at))
    .filter((at) => Number.isFinite(at) && at >= decided)
    .sort((a, b) => a - b)[0];
  const decidedAt = new Date(decided).toISOString();
  if (recovered === undefined) return { kind, decidedAt };
  const actualMinutes = (recovered - decided) / 60_000;
  return {
    kind,
    decidedAt,
    recoveredAt: new Date(recovered).toISOString(),
    actualMinutes,
    met: actualMinutes <= RECOVERY_TARGETS[kind].targetMinutes,
  };
}

function minutes(value: number): string {
  return value < 1 ? `${Math.round(value * 60)} s` : `${value.toFixed(1)} min`;
}

interface Row {
  at: string;
  event: string;
  source: string;
}

function timelineRows(input: IncidentReportInput): Row[] {
  const rows: Row[] = [];
  for (const entry of input.timeline) {
    const what = [
      `${entry.change.class} change by ${entry.change.requestedBy}: ${entry.change.reason}`,
      entry.change.trigger ? `trigger ${entry.change.trigger}` : "",
      entry.switched ? `switch ${entry.switched}` : `active ${entry.activeColor}`,
      ...entry.repinned.map((pin) => `re-pin ${pin}`),
      entry.restore ? `restore: ${entry.restore}` : "",
    ].filter(Boolean);
    rows.push({
      at: entry.change.at,
      event: `Decision: ${what.join("; ")}`,
      source: "aitb:change",
    });
    rows.push(
      entry.commit === "working tree"
        ? {
            at: entry.committedAt,
            event: "Not committed yet (the stack file in the working tree)",
            source: "working tree",
          }
        : {
            at: entry.committedAt,
            event: `Committed: ${entry.subject}`,
            source: `git ${entry.commit.slice(0, 12)}`,
          },
    );
  }
  for (const entry of input.log) {
    if (entry.kind === "update") {
      rows.push({
        at: entry.at,
        event: entry.ok ? "pulumi up succeeded" : `pulumi up failed: ${entry.detail}`,
        source: "aitb up",
      });
    } else if (entry.kind === "verification") {
      rows.push({
        at: entry.at,
        event: entry.passed
          ? `Verification passed (${entry.checks} checks)`
          : `Verification failed: ${entry.failed.join(", ") || "see the log"}`,
        source: "aitb verify",
      });
    }
  }
  for (const delivery of input.deliveries) {
    rows.push({
      at: delivery.at,
      event: `Notice (stage ${delivery.stage}) delivered to ${delivery.channel} (${delivery.kind})`,
      source: "delivery ledger",
    });
  }
  return rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.map(markdownCell).join(" | ")} |`),
  ];
}

function recoverySection(recovery: RecoveryTime): string[] {
  const target = RECOVERY_TARGETS[recovery.kind];
  const lines = [
    "## Recovery time (actual against target)",
    "",
    `Kind: ${target.label}, target ${target.shown}. Decision: the change record's time; recovered: the first verification that passed after it.`,
    "",
  ];
  if (!recovery.decidedAt) {
    return [...lines, "No change record of this incident was found in the stack file's history."];
  }
  const actual =
    recovery.actualMinutes === undefined
      ? `not recovered yet: no verification passed after the decision (${TO_FILL("run aitb up or aitb verify and regenerate")})`
      : `${minutes(recovery.actualMinutes)}: ${recovery.met ? "MET" : "MISSED"} (target ${target.shown})`;
  return [
    ...lines,
    ...table(
      ["Decision", "Recovered", "Actual"],
      [[recovery.decidedAt, recovery.recoveredAt ?? "-", actual]],
    ),
  ];
}

/** The incident report as markdown. */
export function renderIncidentReport(input: IncidentReportInput): string {
  const recovery = recoveryTime(input);
  const first = input.timeline[0];
  const verifications = input.log.filter((entry) => entry.kind === "verification");
  const lastVerification = verifications[verifications.length - 1];
  const outputs = [...input.log].reverse().find((entry) => entry.kind === "outputs");
  const updates = input.log.filter((entry) => entry.kind === "update");
  const failedChecks = verifications.flatMap((entry) => (entry.passed ? [] : entry.failed));
  const lines: string[] = [
    `# Incident report ${oneLine(input.incident)} (stack ${input.stack})`,
    "",
    `_Generated ${input.generatedAt} from ${input.sources.map(oneLine).join(", ")}._`,
    "",
    "## Summary",
    "",
    ...table(
      ["Field", "Value"],
      [
        ["Incident", input.incident],
        ["Stack", input.stack],
        ["Change class", first ? first.change.class : "-"],
        ["Trigger", first ? (first.change.trigger ?? first.change.reason) : "-"],
        ["Requested by", first ? first.change.requestedBy : "-"],
        ["Changes in the stack file", String(input.timeline.length)],
      ],
    ),
    "",
    "## Timeline",
    "",
    ...(input.timeline.length + input.log.length + input.deliveries.length === 0
      ? ["No change record, update or delivery of this incident was found."]
      : table(
          ["Time (UTC)", "Event", "Source"],
          timelineRows(input).map((row) => [row.at, row.event, row.source]),
        )),
    "",
    ...recoverySection(recovery),
    "",
    "## Update and verification",
    "",
    updates.length === 0
      ? "No `aitb up` of this incident was recorded."
      : `Updates: ${updates.map((u) => `${u.at} ${u.ok ? "succeeded" : `failed (${u.detail})`}`).join("; ")}.`,
    "",
    lastVerification
      ? `Last verification (${lastVerification.at}): ${lastVerification.passed ? "passed" : "FAILED"}, ${lastVerification.checks} checks${lastVerification.failed.length > 0 ? `; failed: ${lastVerification.failed.join(", ")}` : ""}.`
      : "No verification was recorded.",
    "",
    "## Deployed state",
    "",
    outputs
      ? `Outputs after the last update (${outputs.at}):\n\n\`\`\`json\n${JSON.stringify(outputs.outputs, null, 2)}\n\`\`\``
      : "No deployed outputs were recorded.",
    "",
    "## Release history (aitb:releaseHistory)",
    "",
    ...(input.releaseHistory.length === 0
      ? ["Empty."]
      : table(
          ["Release", "Color", "Activated", "Deactivated", "Failed analysis"],
          input.releaseHistory.map((row) => [
            row.release,
            row.color,
            row.activatedAt,
            row.deactivatedAt ?? "-",
            row.failedAnalysis ? `${row.failedAnalysis.at}: ${row.failedAnalysis.reason}` : "-",
          ]),
        )),
    "",
    "## Root cause analysis",
    "",
    first
      ? `What triggered the rollback (from the change record): ${oneLine(first.change.reason)}${first.change.trigger ? ` (decision-matrix trigger ${first.change.trigger})` : ""}.`
      : "What triggered the rollback: no change record was found.",
    "",
    TO_FILL(
      "the root cause: what in the release, the data or the platform caused it, and the evidence",
    ),
    "",
    "## Impact assessment",
    "",
    recovery.actualMinutes !== undefined
      ? `Observed: ${minutes(recovery.actualMinutes)} from the decision to a passing verification${failedChecks.length > 0 ? `; checks that failed on the way: ${[...new Set(failedChecks)].join(", ")}` : ""}.`
      : "Observed: no recovery was verified yet.",
    "",
    TO_FILL(
      "financial impact (positions, orders, P&L) and operational impact (clients, partners, duration seen by users)",
    ),
    "",
    "## Lessons learned",
    "",
    TO_FILL(
      "process improvements, monitoring and alerting changes, runbook or drill updates, each with an owner",
    ),
    "",
  ];
  return `${lines.join("\n")}`;
}
