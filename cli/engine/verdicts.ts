import type { PolicyVerdict, PolicyViolation } from "./policies";
import { isoInstant } from "../shared/time";

function resourceName(urn: string | undefined): string {
  return urn ? urn.slice(urn.lastIndexOf("::") + 2) : "(stack)";
}

function counts(verdict: PolicyVerdict): string {
  const advisory = verdict.violations.length - verdict.mandatory;
  return `${verdict.mandatory} mandatory, ${advisory} advisory violation${advisory === 1 ? "" : "s"}`;
}

/** Violations that the base config already has: they are not caused by this change. */
export function standsAlready(
  violation: PolicyViolation,
  base: PolicyVerdict | undefined,
): boolean {
  return (
    base?.violations.some((v) => v.policy === violation.policy && v.urn === violation.urn) === true
  );
}

const STANDING = " [already denied before this change]";

/** The policy pack's verdict on a plan, one line per violation. */
export function verdictText(verdict: PolicyVerdict, now: Date, base?: PolicyVerdict): string[] {
  const when = `judged as of ${isoInstant(now)}`;
  if (verdict.violations.length === 0) return [`Policies: no violations (${when})`];
  return [
    `Policies: ${counts(verdict)} (${when})`,
    ...verdict.violations.map(
      (v) =>
        `  ${v.level === "mandatory" ? "✗" : "!"} ${v.policy} (${v.level}) on ${resourceName(v.urn)}: ${v.message}${standsAlready(v, base) ? STANDING : ""}`,
    ),
  ];
}

export function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function verdictMarkdown(verdict: PolicyVerdict, now: Date, base?: PolicyVerdict): string[] {
  const when = `judged as of ${isoInstant(now)}`;
  if (verdict.violations.length === 0) return [`**Policies**: ✅ no violations (${when})`];
  return [
    `**Policies**: ${verdict.mandatory > 0 ? "❌" : "⚠️"} ${counts(verdict)} (${when})`,
    "",
    "| policy | level | resource | message |",
    "|---|---|---|---|",
    ...verdict.violations.map(
      (v) =>
        `| \`${v.policy}\` | ${v.level} | \`${cell(resourceName(v.urn))}\` | ${cell(v.message)}${standsAlready(v, base) ? STANDING : ""} |`,
    ),
  ];
}
