import * as fs from "node:fs";
import * as path from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { releaseHistoryEntrySchema } from "../../../config/schema";
import {
  renderIncidentReport,
  type DeliveryRecord,
  type IncidentReportInput,
} from "../../../domain/incidentReport";
import { readStackSource } from "../../engine/stackFiles";
import { EXIT, exitCodeOf, InputError } from "../../exitCodes";
import { processIo, type CommandIo } from "../../shared/io";
import { stackOption } from "../../shared/options";
import { incidentId } from "../notice/send";
import { ledgerDir } from "../notice/sendLedger";
import { incidentLogFile, readIncidentLog } from "./incidentLog";
import { incidentTimeline } from "./timeline";

export interface ReportFlags {
  stack: string;
  incident: string;
  out?: string;
}

function deliveriesOf(root: string, stack: string, incident: string): DeliveryRecord[] {
  const dir = ledgerDir(root, stack, incident);
  if (!fs.existsSync(dir)) return [];
  const records: DeliveryRecord[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()) {
    try {
      const ledger = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as {
        stage?: string;
        delivered?: Record<string, { kind: string; at: string; attempts: number }>;
      };
      for (const [channel, entry] of Object.entries(ledger.delivered ?? {})) {
        records.push({ stage: ledger.stage ?? name.replace(/\.json$/, ""), channel, ...entry });
      }
    } catch {
      // a ledger being replaced is read on the next run
    }
  }
  return records;
}

/** What the report is built from: the stack file's history, the incident log, the ledger. */
export function incidentReportInput(
  root: string,
  stack: string,
  incident: string,
  now: Date,
): IncidentReportInput {
  const id = incidentId(incident, "--incident", "report");
  const source = readStackSource(root, stack);
  const history = z.array(releaseHistoryEntrySchema).safeParse(source.values.releaseHistory ?? []);
  const logFile = incidentLogFile(root, stack, id);
  return {
    stack,
    incident: id,
    generatedAt: now.toISOString(),
    timeline: incidentTimeline(root, stack, id),
    log: readIncidentLog(root, stack, id),
    deliveries: deliveriesOf(root, stack, id),
    releaseHistory: history.success ? history.data : [],
    sources: [
      `the git history of ${path.basename(source.origin)}`,
      "aitb:releaseHistory",
      path.relative(root, logFile),
      path.relative(root, ledgerDir(root, stack, id)),
    ],
  };
}

export function incidentReport(root: string, stack: string, incident: string, now: Date): string {
  return renderIncidentReport(incidentReportInput(root, stack, incident, now));
}

/** Where the 4-hour stage keeps the report it sends. */
export function incidentReportFile(root: string, stack: string, incident: string): string {
  return path.join(root, ".aitb", "incidents", stack, `${incident}.md`);
}

export async function runReport(flags: ReportFlags, io: CommandIo): Promise<number> {
  return exitCodeOf(async () => {
    const now = io.clock?.() ?? new Date();
    const input = incidentReportInput(io.root, flags.stack, flags.incident, now);
    if (input.timeline.length === 0 && input.log.length === 0) {
      throw new InputError("report", [
        {
          key: "--incident",
          message: `no change record of stack ${flags.stack} names "${flags.incident}" (git log of Pulumi.${flags.stack}.yaml) and no incident log exists; check the id (aitb:change.incident)`,
        },
      ]);
    }
    const markdown = renderIncidentReport(input);
    if (flags.out) {
      const out = path.resolve(io.root, flags.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const temp = `${out}.${process.pid}.tmp`;
      fs.writeFileSync(temp, markdown);
      fs.renameSync(temp, out);
      io.err(`Wrote the incident report to ${out}\n`);
    } else {
      io.out(markdown);
    }
    return EXIT.ok;
  }, io.err);
}

export function reportCommand(): Command {
  return new Command("report")
    .description(
      "The post-rollback incident report as markdown: the timeline from the stack file's git history and what aitb up observed, recovery time against the runbook's targets, root cause, impact and lessons learned to fill.",
    )
    .addOption(stackOption())
    .requiredOption("-i, --incident <id>", "the incident (aitb:change.incident), such as INC-4411")
    .option("-o, --out <file>", "write the report to this file instead of stdout")
    .action(async (flags: ReportFlags) => {
      process.exitCode = await runReport(flags, processIo());
    });
}
