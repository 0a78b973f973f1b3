import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_SCRIPT } from "../components/platform/azure/forensicCopy";

/**
 * The forensic copy's run script (the deployment script that starts the job and waits for it),
 * run by bash against a stand-in `az` that answers like the Container Apps jobs API would.
 */

type Scenario = {
  /** Requests refused as not authorized before the grant "takes effect". */
  unauthorizedRequests?: number;
  /** The start answers 202 without a body: no execution name. */
  startWithoutBody?: boolean;
  /** Status polls answered "Running" before the final status. */
  runningPolls?: number;
  finalStatus?: "Succeeded" | "Failed" | "Running";
  /** The start fails with an error other than authorization. */
  startError?: string;
};

const FAKE_AZ = String.raw`#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const dir = process.env.FAKE_AZ_STATE;
const scenario = JSON.parse(fs.readFileSync(path.join(dir, "scenario.json"), "utf8"));
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(name) + 1];
const count = (key) => {
  const file = path.join(dir, key);
  const n = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) + 1 : 1;
  fs.writeFileSync(file, String(n));
  return n;
};
fs.appendFileSync(path.join(dir, "calls.log"), args.join(" ") + "\n");
if (args[0] !== "rest") process.exit(2);
if (count("requests") <= (scenario.unauthorizedRequests || 0)) {
  process.stderr.write("ERROR: (AuthorizationFailed) The client does not have authorization to perform action\n");
  process.exit(1);
}
const url = arg("--url");
const started = fs.existsSync(path.join(dir, "started"));
if (url.includes("/start?")) {
  if (scenario.startError) { process.stderr.write(scenario.startError + "\n"); process.exit(1); }
  fs.writeFileSync(path.join(dir, "started"), "1");
  if (!scenario.startWithoutBody) process.stdout.write("exec-new\n");
} else if (/\/executions\?/.test(url)) {
  process.stdout.write(started ? "exec-old\nexec-new\n" : "exec-old\n");
} else if (url.includes("/executions/exec-new?")) {
  const polls = count("polls");
  const status = polls <= (scenario.runningPolls || 0) ? "Running" : scenario.finalStatus || "Succeeded";
  process.stdout.write(status + "\n");
} else {
  process.stderr.write("unexpected request " + url + "\n");
  process.exit(1);
}
`;

function run(
  scenario: Scenario,
  limits: { authWait?: number; timeout?: number } = {},
): {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
  seconds: number;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-forensic-run-"));
  try {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "az"), FAKE_AZ, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "scenario.json"), JSON.stringify(scenario));
    const started = Date.now();
    const result = spawnSync("/bin/bash", ["-c", RUN_SCRIPT], {
      encoding: "utf8",
      timeout: 60_000,
      // bash reads ~/.bashrc when its stdin is a socket (as under a test runner's worker).
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        FAKE_AZ_STATE: dir,
        AITB_JOB_ID:
          "/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/jobs/forensic-copy",
        AITB_AUTH_WAIT_SECONDS: String(limits.authWait ?? 30),
        AITB_TIMEOUT_SECONDS: String(limits.timeout ?? 30),
        AITB_POLL_SECONDS: "0.05",
      },
    });
    const log = path.join(dir, "calls.log");
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      calls: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the forensic copy's run script", () => {
  it("starts the job, waits for its execution and succeeds with it", () => {
    const result = run({ runningPolls: 3 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("started exec-new");
    expect(result.stdout).toContain("forensic copy exec-new succeeded");
    expect(result.calls.filter((call) => call.includes("/start?"))).toHaveLength(1);
    expect(result.calls.filter((call) => call.includes("/executions/exec-new?"))).toHaveLength(4);
  });

  it("retries while the new grant is not yet in effect, then goes on", () => {
    const result = run({ unauthorizedRequests: 3 });
    expect(result.status).toBe(0);
    expect(result.stderr.match(/not authorized yet/g)).toHaveLength(3);
    expect(result.stdout).toContain("succeeded");
  });

  it("stops retrying an authorization failure after the bound, with Azure's error", () => {
    const result = run({ unauthorizedRequests: 1_000_000 }, { authWait: 1 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("AuthorizationFailed");
    expect(result.stdout).not.toContain("started");
    expect(result.seconds).toBeLessThan(15);
  });

  it("fails at once on any other error, without retrying", () => {
    const result = run({ startError: "ERROR: (ResourceNotFound) The job was not found" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("ResourceNotFound");
    expect(result.stderr).not.toContain("not authorized yet");
    expect(result.calls.filter((call) => call.includes("/start?"))).toHaveLength(1);
  });

  it("finds the execution a start answered without a body started (202, no name)", () => {
    const result = run({ startWithoutBody: true, runningPolls: 1 });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("started exec-new");
    expect(result.stdout).toContain("forensic copy exec-new succeeded");
  });

  it("fails when the copy fails, so the restore does not start", () => {
    const result = run({ finalStatus: "Failed" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("forensic copy exec-new: Failed; the restore does not start");
  });

  it("gives up on a copy that never ends, saying so, instead of polling for hours", () => {
    const result = run({ finalStatus: "Running" }, { timeout: 2 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /forensic copy exec-new: still Running after 2 s; the restore does not start/,
    );
    expect(result.seconds).toBeLessThan(15);
  });
});
