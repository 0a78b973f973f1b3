/**
 * The runbook's rollback decision matrix: why a change happens decides how it may proceed.
 * immediate: no questions asked, the standby takes over now.
 * planned: coordinated, outside trading sessions.
 * emergency: all hands, time-boxed by an expiry.
 */
export const CHANGE_CLASSES = ["immediate", "planned", "emergency"] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

export interface TriggerCondition {
  id: string;
  description: string;
  changeClass: ChangeClass;
}

export const TRIGGER_CONDITIONS: readonly TriggerCondition[] = [
  {
    id: "bot-execution-errors",
    changeClass: "immediate",
    description: "Trading bot execution errors affecting live positions",
  },
  {
    id: "financial-data-corruption",
    changeClass: "immediate",
    description: "Data corruption in financial records",
  },
  {
    id: "security-breach",
    changeClass: "immediate",
    description: "Security breach or unauthorized access",
  },
  {
    id: "critical-failure-in-session",
    changeClass: "immediate",
    description: "Critical service failures during market hours",
  },
  {
    id: "performance-degradation",
    changeClass: "immediate",
    description: "Performance degradation >75% during trading sessions",
  },
  {
    id: "feature-feedback",
    changeClass: "planned",
    description: "Feature rollback after user feedback",
  },
  {
    id: "performance-off-hours",
    changeClass: "planned",
    description: "Performance issues outside trading hours",
  },
  {
    id: "non-critical-instability",
    changeClass: "planned",
    description: "Non-critical service instability",
  },
  {
    id: "minor-config-issue",
    changeClass: "planned",
    description: "Configuration issues causing minor problems",
  },
  {
    id: "complete-system-failure",
    changeClass: "emergency",
    description: "Complete system failure",
  },
  { id: "data-loss", changeClass: "emergency", description: "Data loss events" },
  {
    id: "regulatory-violation",
    changeClass: "emergency",
    description: "Regulatory compliance violations",
  },
  {
    id: "exchange-connectivity-loss",
    changeClass: "emergency",
    description: "Exchange connectivity loss",
  },
];

export function triggerById(id: string): TriggerCondition | undefined {
  return TRIGGER_CONDITIONS.find((trigger) => trigger.id === id);
}

export function isUrgent(changeClass: ChangeClass): boolean {
  return changeClass !== "planned";
}
