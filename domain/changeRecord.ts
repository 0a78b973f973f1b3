/**
 * Environment keys of the change-record resource: the program writes them
 * (components/ChangeRecord.ts) and the change-aware policies read them (policies/changeRecord.ts).
 * The market calendar is not among them: it is a rule of the policy pack (policies/config.json),
 * which a record written from the stack config must not be able to carry.
 */
export const RECORD_ENV = {
  change: "AITB_CHANGE",
  deployed: "AITB_DEPLOYED",
  desired: "AITB_DESIRED",
  environment: "AITB_ENVIRONMENT",
} as const;
