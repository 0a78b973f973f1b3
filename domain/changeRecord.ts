/**
 * Environment keys of the change-record resource: the program writes them
 * (components/ChangeRecord.ts) and the change-aware policies read them (policies/changeRecord.ts).
 */
export const RECORD_ENV = {
  change: "AITB_CHANGE",
  deployed: "AITB_DEPLOYED",
  desired: "AITB_DESIRED",
  environment: "AITB_ENVIRONMENT",
  marketCalendar: "AITB_MARKET_CALENDAR",
} as const;
