import { spawn } from "node:child_process";
import {
  HEALTH_CHECK_SCRIPT,
  type HealthCheck,
  type HealthResult,
} from "../../components/health/checks";
import { HEALTH_CHECKS_ENV, healthChecksOf } from "../../contract/resources";
import type { Plan } from "../plan/plan";
import { InputError } from "./errors";

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

/** Point the public-endpoint checks at another base URL (`--endpoint`). */
export function withEndpoint(
  checks: HealthCheck[],
  declared: string | undefined,
  endpoint: string | undefined,
): HealthCheck[] {
  if (!endpoint || !declared) return checks;
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
        try {
          const result = JSON.parse(line) as HealthResult;
          results.push(result);
          options.onResult?.(result, results.length, checks.length);
        } catch {
          stderr += `${line}\n`;
        }
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
      const reported = new Set(results.map((result) => result.name));
      for (const check of checks) {
        if (reported.has(check.name)) continue;
        results.push({
          name: check.name,
          url: check.url,
          ok: false,
          detail: `no result from the check runner${stderr ? `: ${stderr.trim().split("\n")[0]}` : ""}`,
          ms: 0,
          severity: check.severity ?? "critical",
        });
      }
      const order = new Map(checks.map((check, index) => [check.name, index]));
      resolve(results.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)));
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
  const nameWidth = Math.max(5, ...results.map((r) => r.name.length));
  const urlWidth = Math.max(3, ...results.map((r) => r.url.length));
  return [
    `   ${pad("check", nameWidth)}  ${pad("url", urlWidth)}  ${pad("ms", 6)}  result`,
    ...results.map(
      (r) =>
        `${mark(r)}  ${pad(r.name, nameWidth)}  ${pad(r.url, urlWidth)}  ${pad(String(r.ms), 6)}  ${r.detail}`,
    ),
  ];
}
