import * as fs from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { machine } from "../../../drills/machine";
import { restoreDrillText, switchDrillText, verifyDrillText } from "../../../drills/report";
import {
  RESTORE_DEFAULTS,
  runRestoreDrill,
  type RestoreDrillReport,
} from "../../../drills/restore/drill";
import {
  MECHANISMS,
  SWITCH_DEFAULTS,
  runSwitchDrill,
  type Mechanism,
  type SwitchDrillReport,
} from "../../../drills/switch/drill";
import {
  INFLUX_DEFAULTS,
  influxDrillText,
  runInfluxDrill,
  type InfluxDrillReport,
} from "../../../drills/influxdb/drill";
import { FAULT_IDS, type FaultId } from "../../../drills/verify/faults";
import {
  TRADING_DATA_DEFAULTS,
  runTradingDataDrill,
  tradingDataDrillText,
  type TradingDataDrillReport,
} from "../../../drills/tradingData/drill";
import {
  VERIFY_DEFAULTS,
  runVerifyDrill,
  type VerifyDrillReport,
} from "../../../drills/verify/drill";
import { EXIT, exitCodeOf } from "../../exitCodes";
import {
  LOGS_DEFAULTS,
  logsDrillMet,
  logsDrillText,
  runLogsDrill,
} from "../../../drills/logs/drill";
import {
  CONFIG_DEFAULTS,
  runConfigDrill,
  type ConfigDrillReport,
} from "../../../drills/config/drill";
import { configDrillText } from "../../../drills/config/report";
import { NOTIFY_DEFAULTS, notifyDrillText, runNotifyDrill } from "../../../drills/notify/drill";

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
  return Object.values(report.targets).every(Boolean);
}

function mechanismsArg(value: string): Mechanism[] {
  const names = value.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(MECHANISMS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${MECHANISMS.join(", ")}`);
  }
  return names as Mechanism[];
}

function restoreMet(report: RestoreDrillReport): boolean {
  return report.targets.integrityExact && report.targets.withinRatio;
}

function verifyMet(report: VerifyDrillReport): boolean {
  return Object.values(report.targets).every(Boolean);
}

function faultsArg(value: string): FaultId[] {
  const names = value.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(FAULT_IDS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${FAULT_IDS.join(", ")}`);
  }
  return names as FaultId[];
}

function writeJson(file: string | undefined, value: unknown): void {
  if (file) fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Bad options, a missing server or an address off loopback exit 2 with one line; targets missed exit 1. */
function drillExit(run: () => Promise<boolean>): Promise<number> {
  return exitCodeOf(
    async () => ((await run()) ? EXIT.ok : EXIT.denied),
    (text) => process.stderr.write(`aitb drill: ${text}`),
  );
}

interface CommonFlags {
  host: string;
  stack: string;
  json?: string;
}

interface SwitchFlags extends CommonFlags {
  switches: number;
  rounds: number;
  duration: number;
  baseline: number;
  connections: number;
  mechanisms: Mechanism[];
  siteChanges: number;
  keepalive?: number;
  wrk: boolean;
}

interface VerifyFlags extends CommonFlags {
  faults: FaultId[];
  preTimeout: number;
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
        "Flip the active color N times per client kind under load through real nginx, by the switch record and, beside it, by the reload it replaced; then change the site under load; sample both bots and audit the trading lease. Reports failed requests, rate, latency, the lag to the new color and live-bot overlap.",
      )
      .option("--switches <n>", "switches per load phase", numberArg, SWITCH_DEFAULTS.switches)
      .option(
        "--duration <s>",
        "seconds of load over which a phase's switches are spread",
        numberArg,
        SWITCH_DEFAULTS.durationS,
      )
      .option(
        "--baseline <s>",
        "seconds of load without switches per phase, split before each burst (the 'before' latencies)",
        numberArg,
        SWITCH_DEFAULTS.baselineS,
      )
      .option(
        "--rounds <n>",
        "bursts of switches per phase, each after its quiet stretch",
        numberArg,
        SWITCH_DEFAULTS.rounds,
      )
      .option(
        "--connections <n>",
        "connections per client kind (closed loop: the highest rate the client reaches)",
        numberArg,
        SWITCH_DEFAULTS.connections,
      )
      .option(
        "--mechanisms <list>",
        `switch mechanisms to drill, in order (${MECHANISMS.join(", ")})`,
        mechanismsArg,
        SWITCH_DEFAULTS.mechanisms,
      )
      .option(
        "--site-changes <n>",
        "site changes under load (drained reloads)",
        numberArg,
        SWITCH_DEFAULTS.siteChanges,
      )
      .addOption(
        new Option(
          "--keepalive <s>",
          "client keep-alive timeout of the site (default: the stack's aitb:proxy.clientKeepaliveSeconds)",
        ).argParser(numberArg),
      )
      .option("--no-wrk", "skip the wrk phases"),
  ).action(async (flags: SwitchFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runSwitchDrill({
        ...SWITCH_DEFAULTS,
        switches: flags.switches,
        rounds: flags.rounds,
        durationS: flags.duration,
        baselineS: flags.baseline,
        connections: flags.connections,
        mechanisms: flags.mechanisms,
        siteChanges: flags.siteChanges,
        keepaliveSeconds: flags.keepalive,
        wrk: flags.wrk,
        host: flags.host,
        stack: flags.stack,
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

interface InfluxFlags extends CommonFlags {
  points: number;
}

function influxMet(report: InfluxDrillReport): boolean {
  return report.targets.integrityExact;
}

function influxCommand(): Command {
  return common(
    new Command("influxdb")
      .description(
        "Write points in several measurements, back up (portable), corrupt, take the forensic copy and restore into a new database on a private influxd, with the Docker target's own steps; verify points per measurement and time each step.",
      )
      .option(
        "--points <n>",
        "points in each of candles, trades, orderbook and fills",
        numberArg,
        INFLUX_DEFAULTS.points,
      ),
  ).action(async (flags: InfluxFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runInfluxDrill({
        points: flags.points,
        host: flags.host,
        stack: flags.stack,
        log,
      });
      process.stdout.write(`${influxDrillText(report)}\n`);
      writeJson(flags.json, report);
      return influxMet(report);
    });
  });
}

function verifyCommand(): Command {
  return common(
    new Command("verify")
      .description(
        "Inject each fault the checks must catch into blue/green reference services behind real nginx: on the target before a switch (the pre-promotion analysis must refuse it, no request may reach the target) and on the new active color after one (the post-promotion analysis must fail and the revert bring traffic back within 30 s).",
      )
      .option(
        "--faults <list>",
        `faults to drill, in order (${FAULT_IDS.join(", ")})`,
        faultsArg,
        VERIFY_DEFAULTS.faults,
      )
      .option(
        "--pre-timeout <s>",
        "how long the pre-promotion analysis retries a failing target",
        numberArg,
        VERIFY_DEFAULTS.preTimeoutSeconds,
      ),
  ).action(async (flags: VerifyFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runVerifyDrill({
        ...VERIFY_DEFAULTS,
        faults: flags.faults,
        preTimeoutSeconds: flags.preTimeout,
        host: flags.host,
        stack: flags.stack,
        log,
      });
      process.stdout.write(`${verifyDrillText(report)}\n`);
      writeJson(flags.json, report);
      return verifyMet(report);
    });
  });
}

function tradingDataMet(report: TradingDataDrillReport): boolean {
  return report.targets.integrityExact && report.targets.withinRatio;
}

interface TradingDataFlags extends RestoreFlags {
  date?: string;
}

function tradingDataCommand(): Command {
  return common(
    new Command("trading-data")
      .description(
        "Write one trading day to live tables on a private PostgreSQL, archive it to parquet with its manifest, corrupt the live tables, restore into a new schema and verify; time it against a bare COPY of the same rows; then a copy of the archive with one flipped byte must be refused.",
      )
      .option(
        "--rows <n>",
        "rows of the day over candles, trades and orderbook",
        numberArg,
        TRADING_DATA_DEFAULTS.rows,
      )
      .option(
        "--rounds <n>",
        "paired timings of the restore and the bare COPY",
        numberArg,
        TRADING_DATA_DEFAULTS.rounds,
      )
      .option("--date <day>", "the trading day (default: the last closed session's)"),
  ).action(async (flags: TradingDataFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runTradingDataDrill({
        rows: flags.rows,
        rounds: flags.rounds,
        date: flags.date,
        host: flags.host,
        stack: flags.stack,
        log,
      });
      process.stdout.write(`${tradingDataDrillText(report)}\n`);
      writeJson(flags.json, report);
      return tradingDataMet(report);
    });
  });
}

function notifyCommand(): Command {
  return common(
    new Command("notify")
      .description(
        "The communication procedure on loopback receivers (Slack, Teams, PagerDuty, SMTP): a drill incident's notice through every channel and stage (Slack answers one 500 first), the first stage resent (nothing may be sent twice), and the incident report.",
      )
      .option("--keep", "keep the drill's project folder (ledger, incident log, report)"),
  ).action(async (flags: CommonFlags & { keep?: boolean }) => {
    process.exitCode = await drillExit(async () => {
      const report = await runNotifyDrill({
        host: flags.host,
        stack: flags.stack,
        keep: flags.keep,
        log,
      });
      process.stdout.write(`${notifyDrillText(report)}\n`);
      writeJson(flags.json, report);
      return Object.values(report.targets).every(Boolean);
    });
  });
}

function configMet(report: ConfigDrillReport): boolean {
  return Object.values(report.targets).every(Boolean);
}

function configCommand(): Command {
  return common(
    new Command("config")
      .description(
        "On a copy of the stack file: write each pinned release's configuration backup with the stack's own backup step, damage the live release (an env value, a file entry, the whole release), restore it with `aitb restore config` and check its digest against aitb:releaseHistory; a backup changed after it was written must be refused.",
      )
      .option("--rounds <n>", "rounds of every case", numberArg, CONFIG_DEFAULTS.rounds),
  ).action(async (flags: CommonFlags & { rounds: number }) => {
    process.exitCode = await drillExit(async () => {
      const report = await runConfigDrill({ stack: flags.stack, rounds: flags.rounds, log });
      process.stdout.write(`${configDrillText(report)}\n`);
      writeJson(flags.json, report);
      return configMet(report);
    });
  });
}

interface LogsFlags extends CommonFlags {
  before: number;
  after: number;
  heartbeatMs: number;
  requestIntervalMs: number;
}

function logsCommand(): Command {
  return common(
    new Command("logs")
      .description(
        "Replace the bot's process as the loopback target does on a re-pin while it writes numbered heartbeat and request lines at a steady rate, after a forensic copy of the logs; report lines written, found and lost (target 0), their order, the gap between the old and the new process's lines, and whether the copy matches its manifest.",
      )
      .option(
        "--before <s>",
        "seconds of writes before the replacement",
        numberArg,
        LOGS_DEFAULTS.beforeS,
      )
      .option("--after <s>", "seconds of writes after it", numberArg, LOGS_DEFAULTS.afterS)
      .option(
        "--heartbeat-ms <ms>",
        "the bot's heartbeat line interval",
        numberArg,
        LOGS_DEFAULTS.heartbeatMs,
      )
      .option(
        "--request-interval-ms <ms>",
        "one numbered request this often",
        numberArg,
        LOGS_DEFAULTS.requestIntervalMs,
      ),
  ).action(async (flags: LogsFlags) => {
    process.exitCode = await drillExit(async () => {
      const report = await runLogsDrill({
        beforeS: flags.before,
        afterS: flags.after,
        heartbeatMs: flags.heartbeatMs,
        requestIntervalMs: flags.requestIntervalMs,
        host: flags.host,
        log,
      });
      process.stdout.write(`${logsDrillText(report)}\n`);
      writeJson(flags.json, report);
      return logsDrillMet(report);
    });
  });
}

function allCommand(): Command {
  return common(
    new Command("all").description(
      "Every drill with its default sizes (the benchmark `npm run bench` runs).",
    ),
  ).action(async (flags: CommonFlags) => {
    process.exitCode = await drillExit(async () => {
      const base = { host: flags.host, stack: flags.stack, log };
      const switchReport = await runSwitchDrill({ ...SWITCH_DEFAULTS, ...base });
      process.stdout.write(`${switchDrillText(switchReport)}\n\n`);
      const restoreReport = await runRestoreDrill({ ...RESTORE_DEFAULTS, ...base });
      process.stdout.write(`${restoreDrillText(restoreReport)}\n\n`);
      const verifyReport = await runVerifyDrill({ ...VERIFY_DEFAULTS, ...base });
      process.stdout.write(`${verifyDrillText(verifyReport)}\n\n`);
      const influxReport = await runInfluxDrill({ ...INFLUX_DEFAULTS, ...base });
      process.stdout.write(`${influxDrillText(influxReport)}\n\n`);
      const tradingDataReport = await runTradingDataDrill({ ...TRADING_DATA_DEFAULTS, ...base });
      process.stdout.write(`${tradingDataDrillText(tradingDataReport)}\n\n`);
      const notifyReport = await runNotifyDrill({ ...NOTIFY_DEFAULTS, ...base });
      process.stdout.write(`${notifyDrillText(notifyReport)}\n\n`);
      const configReport = await runConfigDrill({ ...CONFIG_DEFAULTS, stack: flags.stack, log });
      process.stdout.write(`${configDrillText(configReport)}\n\n`);
      const logsReport = await runLogsDrill({ ...LOGS_DEFAULTS, host: flags.host, log });
      process.stdout.write(`${logsDrillText(logsReport)}\n`);
      const targetsMet =
        logsDrillMet(logsReport) &&
        configMet(configReport) &&
        Object.values(notifyReport.targets).every(Boolean) &&
        switchMet(switchReport) &&
        restoreMet(restoreReport) &&
        verifyMet(verifyReport) &&
        influxMet(influxReport) &&
        tradingDataMet(tradingDataReport);
      writeJson(flags.json, {
        generatedAt: new Date().toISOString(),
        machine: machine(),
        targetsMet,
        switch: switchReport,
        restore: restoreReport,
        verify: verifyReport,
        influxdb: influxReport,
        tradingData: tradingDataReport,
        notify: notifyReport,
        config: configReport,
        logs: logsReport,
      });
      return targetsMet;
    });
  });
}

export function drillCommand(): Command {
  return new Command("drill")
    .description(
      "Rollback drills on real servers on loopback: a traffic switch under load, a verified database restore, faults the health checks must catch before and after a switch, an InfluxDB backup and restore into a new database, a trading day restored from its parquet archive, a release's configuration restored from its backup.",
    )
    .addCommand(switchCommand())
    .addCommand(restoreCommand())
    .addCommand(verifyCommand())
    .addCommand(influxCommand())
    .addCommand(tradingDataCommand())
    .addCommand(notifyCommand())
    .addCommand(configCommand())
    .addCommand(logsCommand())
    .addCommand(allCommand());
}
