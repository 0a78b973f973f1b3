import { spawn } from "node:child_process";
import {
  HEALTH_CHECK_SCRIPT,
  type HealthCheck,
  type HealthResult,
} from "../../../components/health/checks";
import { HEALTH_CHECKS_ENV, healthChecksOf } from "../../../contract/resources";
import { isColor } from "../../../domain/colors";
import { commandLine } from "../../../domain/quote";
import type { Plan } from "../../engine/plan";
import { InputError } from "../../exitCodes";

/**
 * The checks the platform declared for the stack, as the health gate will run them during
 * `pulumi up`: read from the plan's health-gate command, so verify and the gate never differ.
 */
export function declaredChecks(plan: Plan): HealthCheck[] {
  for (const resource of plan.resources) {
    const checks = healthChecksOf({ ...resource, props: resource.inputs });
    if (checks !== undefined) return JSON.parse(checks) as HealthCheck[];
  }
  throw new InputError("verify", [
    {
      key: "aitb:healthGate.enabled",
      message: `stack ${plan.stack} declares no health gate, so there are no checks to run; set it to true (the default)`,
    },
  ]);
}

/**
 * The plan's checks (names, expectations, severities) at the URLs of the deployed stack
 * (`checkUrls`), leaving out those it has no URL for: the plan of an Azure stack knows no real
 * URL, only the stack's outputs do.
 */
export function withDeployedUrls(
  checks: HealthCheck[],
  checkUrls: Record<string, string>,
): HealthCheck[] {
  return checks
    .filter((check) => Object.hasOwn(checkUrls, check.name))
    .map((check) => ({ ...check, url: checkUrls[check.name] }));
}

/** The check's own facts (what it is about), copied onto its result where the runner left them out. */
function withCheckFacts(result: HealthResult, check: HealthCheck | undefined): HealthResult {
  if (!check) return result;
  const expectedColor = isColor(check.expect.color) ? check.expect.color : undefined;
  return {
    ...result,
    kind: result.kind ?? check.kind,
    color: result.color ?? check.color ?? expectedColor,
    service: result.service ?? check.service ?? check.expect.service,
    nextAction: result.nextAction ?? check.nextAction,
  };
}

/** A check the deployed stack has no URL for: failed without running. */
export function notDeployedResult(check: HealthCheck, stack: string): HealthResult {
  return withCheckFacts(
    {
      name: check.name,
      url: "",
      ok: false,
      detail: "not deployed (no URL in the stack outputs; run pulumi up)",
      ms: 0,
      severity: check.severity ?? "critical",
      nextAction: `run ${commandLine(["pulumi", "up", "--stack", stack])}, then verify again`,
    },
    check,
  );
}

/** Point the public-endpoint checks at another base URL (`--endpoint`). */
export function withEndpoint(
  checks: HealthCheck[],
  declared: string | undefined,
  endpoint: string | undefined,
): HealthCheck[] {
  if (!endpoint) return checks;
  if (!declared) {
    throw new InputError("verify", [
      {
        key: "--endpoint",
        message:
          "the stack outputs have no publicEndpoint, so there is no public route to re-point; pulumi up the stack first, or leave out --endpoint",
      },
    ]);
  }
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw new InputError("verify", [
      {
        key: "--endpoint",
        message: `"${endpoint}" is not a URL; expected e.g. http://127.0.0.1:8080`,
      },
    ]);
  }
  const base = parsed.toString().replace(/\/$/, "");
  const from = declared.replace(/\/$/, "");
  return checks.map((check) =>
    check.url.startsWith(`${from}/`) || check.url === from
      ? { ...check, url: `${base}${check.url.slice(from.length)}` }
      : check,
  );
}

/** What tells a check and its result apart from the others: its name and its kind. */
export function checkKey(entry: { name: string; kind?: string }): string {
  return `${entry.name}\u0000${entry.kind ?? "health"}`;
}

function isResult(value: unknown): value is HealthResult {
  const candidate = value as Partial<HealthResult> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.name === "string" &&
    typeof candidate.ok === "boolean"
  );
}

export interface RunOptions {
  /** Seconds each check may take. */
  timeoutSeconds: number;
  onResult?: (result: HealthResult, done: number, total: number) => void;
}

/**
 * Run the health gate's own runner (`node -e HEALTH_CHECK_SCRIPT`, one round) over the checks,
 * collecting the JSON line it prints as each check completes. A check the runner never reports
 * counts as failed.
 */
export function runHealthChecks(
  checks: HealthCheck[],
  options: RunOptions,
): Promise<HealthResult[]> {
  const perCheckMs = Math.round(options.timeoutSeconds * 1000);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", HEALTH_CHECK_SCRIPT], {
      env: {
        ...process.env,
        [HEALTH_CHECKS_ENV]: JSON.stringify(checks),
        AITB_HEALTH_TIMEOUT_SECONDS: "0",
        AITB_HEALTH_CHECK_TIMEOUT_MS: String(perCheckMs),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const results: HealthResult[] = [];
    const byKey = new Map(checks.map((check) => [checkKey(check), check]));
    let pending = "";
    let stderr = "";
    const watchdog = setTimeout(() => child.kill("SIGKILL"), perCheckMs + 10_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
        if (!line) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          stderr += `${line}\n`;
          continue;
        }
        // The runner may print other records (a traffic baseline); only results are collected.
        if (!isResult(parsed)) continue;
        const check = byKey.get(checkKey(parsed)) ?? checks.find((c) => c.name === parsed.name);
        const result = withCheckFacts(parsed, check);
        results.push(result);
        options.onResult?.(result, results.length, checks.length);
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
    child.on("close", () => {
      clearTimeout(watchdog);
      const reported = new Set(results.map(checkKey));
      for (const check of checks) {
        if (reported.has(checkKey(check))) continue;
        results.push(
          withCheckFacts(
            {
              name: check.name,
              url: check.url,
              ok: false,
              detail: `no result from the check runner${stderr ? `: ${stderr.trim().split("\n")[0]}` : ""}`,
              ms: 0,
              severity: check.severity ?? "critical",
            },
            check,
          ),
        );
      }
      const order = new Map(checks.map((check, index) => [checkKey(check), index]));
      resolve(
        results.sort((a, b) => (order.get(checkKey(a)) ?? 0) - (order.get(checkKey(b)) ?? 0)),
      );
    });
  });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** ✓ passed, ✗ failed (critical), ⚠ failed (a warning: the standby color). */
function mark(result: HealthResult): string {
  if (result.ok) return "✓";
  return result.severity === "critical" ? "✗" : "⚠";
}

/** One row per check: a mark, the check, its URL, the runner's verdict and how long it took. */
export function resultTable(results: HealthResult[]): string[] {
  const urlOf = (r: HealthResult) => r.url || "-";
  const nameWidth = Math.max(5, ...results.map((r) => r.name.length));
  const urlWidth = Math.max(3, ...results.map((r) => urlOf(r).length));
  return [
    `   ${pad("check", nameWidth)}  ${pad("url", urlWidth)}  ${pad("ms", 6)}  result`,
    ...results.map(
      (r) =>
        `${mark(r)}  ${pad(r.name, nameWidth)}  ${pad(urlOf(r), urlWidth)}  ${pad(String(r.ms), 6)}  ${r.detail}`,
    ),
  ];
}
