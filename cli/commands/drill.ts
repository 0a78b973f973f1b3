import * as fs from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { LoopbackError } from "../../drills/loopback";
import { machine } from "../../drills/machine";
import { DrillOptionError } from "../../drills/options";
import { restoreDrillText, switchDrillText } from "../../drills/report";
import {
  RESTORE_DEFAULTS,
  runRestoreDrill,
  type RestoreDrillReport,
} from "../../drills/restore/drill";
import { SWITCH_DEFAULTS, runSwitchDrill, type SwitchDrillReport } from "../../drills/switch/drill";
import { MissingToolError } from "../../drills/tools";
import { ConfigError } from "../../config/errors";
import { EXIT } from "./common";

/** Exit code when a drill ran but missed one of its targets. */
export const TARGET_MISSED = 1;

function numberArg(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) {
    throw new InvalidArgumentError(`expected a number, got "${value}"`);
  }
  return parsed;
}

const log = (line: string): void => {
  process.stderr.write(`  ${line}\n`);
};

function switchMet(report: SwitchDrillReport): boolean {
  return (
    Object.values(report.targets.zeroFailed).every(Boolean) &&
    report.targets.rate &&
    report.targets.newColorWithin1s
  );
}

function restoreMet(report: RestoreDrillReport): boolean {
  return report.targets.integrityExact && report.targets.withinRatio;
}

function writeJson(file: string | undefined, value: unknown): void {
  if (file) fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Bad options, a missing server or an address off loopback exit 2 with one line; targets missed exit 1. */
async function drillExit(run: () => Promise<boolean>): Promise<number> {
  try {
    return (await run()) ? EXIT.ok : TARGET_MISSED;
  } catch (error) {
    if (
      error instanceof DrillOptionError ||
      error instanceof LoopbackError ||
      error instanceof MissingToolError ||
      error instanceof ConfigError
    ) {
      process.stderr.write(`aitb drill: ${error.message}\n`);
      return EXIT.configError;
    }
    throw error;
  }
}

interface CommonFlags {
  host: string;
  stack: string;
  json?: string;
}

interface SwitchFlags extends CommonFlags {
  switches: number;
  rps: number;
  duration: number;
  baseline: number;
  clients: number;
  proxyKeepalive?: string;
}

interface RestoreFlags extends CommonFlags {
  rows: number;
  rounds: number;
}

function common(command: Command): Command {
  return command
    .option("--host <address>", "loopback address the servers listen on", SWITCH_DEFAULTS.host)
    .option("-s, --stack <name>", "stack file whose routes and database the drill uses", "dev")
    .option("--json <file>", "also write the figures as JSON");
}

function switchCommand(): Command {
  return common(
    new Command("switch")
      .description(
        "Flip the active color N times under load through real nginx (the router's own site and reload step); report failed requests, switch time and latency.",
      )
      .option("--switches <n>", "number of switches", numberArg, SWITCH_DEFAULTS.switches)
      .option("--rps <r>", "requests per second, per client kind", numberArg, SWITCH_DEFAULTS.rps)
      .option(
        "--duration <s>",
        "seconds of load over which the switches are spread",
        numberArg,
        SWITCH_DEFAULTS.durationS,
      )
      .option(
        "--baseline <s>",
        "seconds of load before the first switch",
        numberArg,
        SWITCH_DEFAULTS.baselineS,
      )
      .option(
        "--clients <n>",
        "clients per keep-alive client kind (each up to 6 connections, like a browser)",
        numberArg,
        SWITCH_DEFAULTS.clients,
      )
      .addOption(
        new Option(
          "--proxy-keepalive <time>",
          "experiment: serve the site with this client keepalive_timeout instead of the generated one",
        ),
      ),
  ).action(async (flags: SwitchFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runSwitchDrill({
        ...SWITCH_DEFAULTS,
        switches: flags.switches,
        rps: flags.rps,
        durationS: flags.duration,
        baselineS: flags.baseline,
        clients: flags.clients,
        host: flags.host,
        stack: flags.stack,
        proxyKeepalive: flags.proxyKeepalive,
        log,
      });
      process.stdout.write(`${switchDrillText(report)}\n`);
      writeJson(flags.json, report);
      return switchMet(report);
    });
  });
}

function restoreCommand(): Command {
  return common(
    new Command("restore")
      .description(
        "Back up, corrupt, take the forensic copy, restore into a new database and repoint, on a private PostgreSQL; verify integrity and time the restore against bare pg_restore.",
      )
      .option(
        "--rows <n>",
        "rows in each of orders, trades and candles",
        numberArg,
        RESTORE_DEFAULTS.rows,
      )
      .option(
        "--rounds <n>",
        "paired timings of the restore and bare pg_restore",
        numberArg,
        RESTORE_DEFAULTS.rounds,
      ),
  ).action(async (flags: RestoreFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runRestoreDrill({
        rows: flags.rows,
        rounds: flags.rounds,
        host: flags.host,
        stack: flags.stack,
        log,
      });
      process.stdout.write(`${restoreDrillText(report)}\n`);
      writeJson(flags.json, report);
      return restoreMet(report);
    });
  });
}

function allCommand(): Command {
  return common(
    new Command("all").description(
      "Both drills with their default sizes (the benchmark `npm run bench` runs).",
    ),
  ).action(async (flags: CommonFlags) => {
    process.exitCode = await drillExit(async () => {
      const base = { host: flags.host, stack: flags.stack, log };
      const switchReport = await runSwitchDrill({ ...SWITCH_DEFAULTS, ...base });
      process.stdout.write(`${switchDrillText(switchReport)}\n\n`);
      const restoreReport = await runRestoreDrill({ ...RESTORE_DEFAULTS, ...base });
      process.stdout.write(`${restoreDrillText(restoreReport)}\n`);
      const targetsMet = switchMet(switchReport) && restoreMet(restoreReport);
      writeJson(flags.json, {
        generatedAt: new Date().toISOString(),
        machine: machine(),
        targetsMet,
        switch: switchReport,
        restore: restoreReport,
      });
      return targetsMet;
    });
  });
}

export function drillCommand(): Command {
  return new Command("drill")
    .description(
      "Rollback drills on real servers on loopback: a traffic switch under load, a verified database restore.",
    )
    .addCommand(switchCommand())
    .addCommand(restoreCommand())
    .addCommand(allCommand());
}
