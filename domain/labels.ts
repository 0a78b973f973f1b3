/** Labels (Docker) and tags (Azure) every resource carries, so reviews and policies can tell what it is. */
export const LABEL = {
  role: "aitb-role",
  color: "aitb-color",
  service: "aitb-service",
  release: "aitb-release",
  tradingMode: "aitb-trading-mode",
  stack: "aitb-stack",
} as const;

/** Tags a restore carries on either target, so the restore guard can check its reason and incident. */
export const RESTORE_LABEL = { reason: "aitb-restore-reason", incident: "aitb-incident" } as const;

export const ROLES = [
  "service",
  "router",
  "switch-record",
  "database",
  "database-volume",
  "backup",
  "forensic-copy",
  "log-store",
  "forensic-logs",
  "restore",
  "health-gate",
  "change-record",
  "network",
  "secrets",
  "image",
] as const;
export type Role = (typeof ROLES)[number];
