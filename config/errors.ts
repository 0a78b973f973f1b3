export interface ConfigIssue {
  /** The full config key with its path, e.g. `aitb:slots.blue.release`. */
  key: string;
  message: string;
}

/** A stack config that cannot be deployed; one issue per problem, each naming key, value and fix. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `The stack config is not valid (${issues.length} problem${issues.length === 1 ? "" : "s"}); nothing was deployed:\n` +
        issues.map((issue) => `  - ${issue.key}: ${issue.message}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}
