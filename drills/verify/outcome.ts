import type { CheckSeverity } from "../../components/health/checks";
import type { Color } from "../../domain/colors";
import type { ServiceName } from "../../domain/services";
import type { FaultId } from "./faults";
import type { ProxyHits } from "./proxy";
import type { ClientFigures } from "./traffic";
import type { ScriptLine } from "./scripts";

/** When the fault is there: on the switch's target before the switch, or after it. */
export type FaultStage = "before-switch" | "after-switch";

export type FaultAction = "switch refused" | "reverted" | "none";

/** One row of the drill: a fault at one stage, and what the update's analyses made of it. */
export interface FaultOutcome {
  fault: FaultId;
  label: string;
  stage: FaultStage;
  injectedOn: { color: Color; role: "target" | "active" | "standby"; services: ServiceName[] };
  /** The analysis failed: the update would not (before) or no longer (after) stand. */
  detected: boolean;
  /** The worst failed check's severity; none when nothing failed. */
  severity?: CheckSeverity;
  action: FaultAction;
  /** From the injection to the failing verdict (before) or the first failed measurement (after). */
  detectSeconds?: number;
  /** The checks that failed, by name ("traffic error rate", "traffic p99 latency" for the routes). */
  caughtBy: string[];
  /** What they said. */
  problems: string[];
  /** Before a switch: the user's requests through the proxy from the injection to the end of the attempt. */
  requests?: {
    /** From nginx's access log, by the color of the upstream that answered. */
    proxyLog: ProxyHits;
    toTarget: number;
    client: ClientFigures;
  };
  /** After a switch: the old color the switch record went back to... */
  revertedTo?: Color;
  /** ...and the time from detection until every route answered from it again. */
  backOnOldSeconds?: number;
  /** What happened when it went wrong: a missed fault switched, a revert that did not arrive. */
  note?: string;
}

const isResult = (value: Record<string, unknown>) =>
  typeof value.name === "string" && typeof value.ok === "boolean";

/** Failing HealthResult lines of a check run: their names, details and worst severity. */
export function failedResults(lines: readonly ScriptLine[]): {
  names: string[];
  problems: string[];
  severity?: CheckSeverity;
} {
  const failed = lines.map((line) => line.value).filter((v) => isResult(v) && v.ok === false);
  const critical = failed.filter((v) => v.severity === "critical");
  const shown = critical.length > 0 ? critical : failed;
  return {
    names: shown.map((v) => String(v.name)),
    problems: shown.map((v) => `${String(v.name)} (${String(v.detail)})`),
    severity: critical.length > 0 ? "critical" : failed.length > 0 ? "warning" : undefined,
  };
}

/** The check a problem of a failed measurement names: `name (detail)` or `traffic: ...`. */
export function problemSource(problem: string): string {
  if (problem.startsWith("traffic: ")) {
    if (problem.includes("requests failed")) return "traffic error rate";
    if (problem.includes("p99 latency")) return "traffic p99 latency";
    return "traffic";
  }
  const open = problem.indexOf(" (");
  return open === -1 ? problem : problem.slice(0, open);
}

export function seconds(fromMs: number, toMs: number): number {
  return Math.round(toMs - fromMs) / 1000;
}

/** Why a check run that had to pass did not, for an error message. */
export function describeFailures(lines: readonly ScriptLine[], stderr: string): string {
  const { problems } = failedResults(lines);
  return problems.length > 0 ? problems.join("; ") : stderr.trim() || "no failing check printed";
}
