/**
 * `aitb drill notify`: the communication procedure end to end on loopback. In a copy of the
 * project under git, `aitb rollback` writes a drill incident's change record (committed, so the
 * report's timeline has it); loopback receivers stand in for Slack, Teams, PagerDuty and SMTP
 * (Slack answers one 500 first); `aitb notice --send` sends every stage of the stakeholder
 * schedule, then the first stage again (the ledger must send nothing twice); `aitb report` writes
 * the incident report. The drill runs no services: its update and verification entries in the
 * incident log are marked as the drill's own.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { channelSecretEnv, type Stage } from "../../config/notifications";
import { projectRoot } from "../../components/platform/projectRoot";
import { runNotice } from "../../cli/commands/notice";
import { runReport } from "../../cli/commands/report";
import { appendIncidentLog } from "../../cli/commands/report/incidentLog";
import { runRollback } from "../../cli/commands/rollback";
import { masked, type CommandIo } from "../../cli/shared/io";
import { headerOf, startHttpReceiver, startSmtpReceiver } from "./receivers";

/** The first line a chat receiver shows: Slack's text, or the Teams card's first TextRun. */
function firstLineOf(body: unknown): string {
  const card = body as {
    text?: string;
    attachments?: { content?: { body?: { inlines?: { text?: string }[] }[] } }[];
  };
  const run = card.attachments?.[0]?.content?.body?.[0]?.inlines?.[0]?.text;
  return String(run ?? card.text ?? "").split("\n")[0];
}

export interface NotifyDrillOptions {
  stack: string;
  host: string;
  log: (line: string) => void;
  /** Keep the drill's project folder (its ledger, incident log and report) for inspection. */
  keep?: boolean;
}

export const NOTIFY_DEFAULTS = { stack: "dev", host: "127.0.0.1" } as const;

export interface ReceivedRecord {
  receiver: string;
  requests: number;
  statuses: number[];
  what: string;
}

export interface NotifyDrillReport {
  incident: string;
  stages: { stage: Stage; exit: number; ms: number; lines: string[] }[];
  resend: { exit: number; newRequests: number; lines: string[] };
  received: ReceivedRecord[];
  report: { file: string; recovery: string; bytes: number };
  secretsInOutput: number;
  targets: {
    everyStageDelivered: boolean;
    retriedAfter500: boolean;
    resendSentNothing: boolean;
    reportWritten: boolean;
    noSecretInOutput: boolean;
  };
  folder?: string;
}

const SECRETS = {
  slack: "/services/T0DRILL/B0DRILL/drillSlackToken0123456789",
  teams: "/webhookb2/drill-teams-token-0123456789",
  routingKey: "drillRoutingKey0123456789abcdef0",
  smtpPassword: "drill-smtp-password-0123",
};

function captured(root: string, clock: () => Date): CommandIo & { text(): string } {
  let text = "";
  const write = masked((chunk: string) => void (text += chunk));
  return { root, interactive: false, clock, out: write, err: write, text: () => text };
}

function git(root: string, args: string[]): void {
  execFileSync("git", args, { cwd: root, stdio: "ignore" });
}

export async function runNotifyDrill(options: NotifyDrillOptions): Promise<NotifyDrillReport> {
  const repo = projectRoot(process.cwd());
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-drill-notify-"));
  const http = await startHttpReceiver(options.host);
  const smtp = await startSmtpReceiver(options.host);
  const incident = `DRILL-${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
  try {
    for (const file of ["Pulumi.yaml", `Pulumi.${options.stack}.yaml`, "package.json"]) {
      if (fs.existsSync(path.join(repo, file))) {
        fs.copyFileSync(path.join(repo, file), path.join(root, file));
      }
    }
    fs.cpSync(path.join(repo, "policies"), path.join(root, "policies"), {
      recursive: true,
      filter: (source) => !source.includes("node_modules"),
    });
    git(root, ["init", "-q", "-b", "main"]);
    git(root, ["-c", "user.name=aitb drill", "-c", "user.email=drill@aitb.invalid", "add", "."]);
    git(root, [
      "-c",
      "user.name=aitb drill",
      "-c",
      "user.email=drill@aitb.invalid",
      "commit",
      "-qm",
      "drill: the stack as it is",
    ]);

    const decided = new Date();
    const clock = () => new Date();
    const rollbackIo = captured(root, clock);
    const rolled = await runRollback(
      {
        stack: options.stack,
        class: "immediate",
        reason: "Notification drill: bot execution errors on live positions",
        incident,
        requestedBy: "aitb-drill",
        trigger: "bot-execution-errors",
        now: decided,
      },
      rollbackIo,
    );
    if (rolled !== 0) throw new Error(`the drill's rollback failed:\n${rollbackIo.text()}`);
    git(root, [
      "-c",
      "user.name=aitb drill",
      "-c",
      "user.email=drill@aitb.invalid",
      "commit",
      "-qam",
      `Rollback ${options.stack} for ${incident}`,
    ]);
    options.log(`incident ${incident}: change record committed in ${root}`);

    fs.writeFileSync(
      path.join(root, "notifications.yaml"),
      stringify({
        channelTimeoutSeconds: 10,
        channels: {
          "drill-slack": { kind: "slack" },
          "drill-teams": { kind: "teams" },
          "drill-pagerduty": { kind: "pagerduty", eventsUrl: http.url("/v2/enqueue") },
          "drill-email": {
            kind: "email",
            smtp: { host: options.host, port: smtp.port, tls: "none", user: "aitb-drill" },
            from: "aitb-drill@example.com",
            to: ["trading@example.com", "devops@example.com"],
          },
        },
        tiers: {
          now: {
            audience: ["Trading team", "DevOps team", "Management"],
            channels: ["drill-slack", "drill-pagerduty", "drill-email"],
          },
          "1h": {
            audience: ["Compliance", "Risk management", "External partners"],
            channels: ["drill-teams", "drill-email"],
          },
          "4h": {
            audience: ["Full incident report with root cause analysis"],
            channels: ["drill-email", "drill-slack"],
          },
        },
        stacks: {
          [options.stack]: {
            channels: ["drill-slack", "drill-teams", "drill-pagerduty", "drill-email"],
          },
        },
      }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      [channelSecretEnv("drill-slack")]: http.url(SECRETS.slack),
      [channelSecretEnv("drill-teams")]: http.url(SECRETS.teams),
      [channelSecretEnv("drill-pagerduty")]: SECRETS.routingKey,
      [channelSecretEnv("drill-email")]: SECRETS.smtpPassword,
    };
    http.behave(SECRETS.slack, { kind: "statuses", statuses: [500] });

    // What aitb up would have logged; marked as the drill's, since no service runs here.
    const at = new Date().toISOString();
    appendIncidentLog(root, options.stack, incident, {
      at,
      kind: "update",
      ok: true,
      detail: "drill: no pulumi up runs in the notification drill",
    });
    appendIncidentLog(root, options.stack, incident, {
      at,
      kind: "verification",
      passed: true,
      checks: 0,
      failed: [],
    });

    const stages: NotifyDrillReport["stages"] = [];
    let output = "";
    for (const stage of ["now", "1h", "4h"] as const) {
      const io = captured(root, clock);
      const started = Date.now();
      const exit = await runNotice(
        { stack: options.stack, format: "text", send: true, stage },
        io,
        env,
      );
      const ms = Date.now() - started;
      output += io.text();
      const lines = io.text().trimEnd().split("\n");
      stages.push({ stage, exit, ms, lines });
      for (const line of lines) options.log(line);
    }
    const before = http.requests.length + smtp.mails.length;
    const again = captured(root, clock);
    const resendExit = await runNotice(
      { stack: options.stack, format: "text", send: true, stage: "now" },
      again,
      env,
    );
    output += again.text();
    const newRequests = http.requests.length + smtp.mails.length - before;

    const reportFile = path.join(root, "incident-report.md");
    const reportIo = captured(root, clock);
    await runReport({ stack: options.stack, incident, out: reportFile }, reportIo);
    const markdown = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, "utf8") : "";
    const recovery =
      markdown
        .split("\n")
        .find((line) => /^\| \d{4}-/.test(line) && /(MET|MISSED|not recovered)/.test(line)) ?? "";

    const received: ReceivedRecord[] = [
      ["slack", SECRETS.slack],
      ["teams", SECRETS.teams],
      ["pagerduty", "/v2/enqueue"],
    ].map(([receiver, route]) => {
      const requests = http.to(route);
      return {
        receiver,
        requests: requests.length,
        statuses: requests.map((request) => request.status),
        what:
          receiver === "pagerduty"
            ? requests
                .map((r) => `dedup_key ${(r.body as { dedup_key?: string }).dedup_key}`)
                .join(", ")
            : requests.map((r) => firstLineOf(r.body).slice(0, 70)).join(" | "),
      };
    });
    received.push({
      receiver: "smtp",
      requests: smtp.mails.length,
      statuses: smtp.mails.map(() => 250),
      what: smtp.mails.map((mail) => headerOf(mail.raw, "subject") ?? "").join(" | "),
    });
    const secretsInOutput = Object.values(SECRETS).filter((secret) =>
      output.includes(secret),
    ).length;
    const slackStatuses = http.to(SECRETS.slack).map((request) => request.status);
    return {
      incident,
      stages,
      resend: { exit: resendExit, newRequests, lines: again.text().trimEnd().split("\n") },
      received,
      report: { file: reportFile, recovery, bytes: Buffer.byteLength(markdown) },
      secretsInOutput,
      targets: {
        everyStageDelivered: stages.every((stage) => stage.exit === 0),
        retriedAfter500: slackStatuses[0] === 500 && slackStatuses[1] === 200,
        resendSentNothing: resendExit === 0 && newRequests === 0,
        reportWritten: markdown.includes(`# Incident report ${incident}`),
        noSecretInOutput: secretsInOutput === 0,
      },
      folder: options.keep ? root : undefined,
    };
  } finally {
    await http.close();
    await smtp.close();
    if (!options.keep) fs.rmSync(root, { recursive: true, force: true });
  }
}

export function notifyDrillText(report: NotifyDrillReport): string {
  const lines = [
    `Notification drill, incident ${report.incident}`,
    ...report.stages.map(
      (stage) =>
        `stage ${stage.stage}: exit ${stage.exit}, ${(stage.ms / 1000).toFixed(2)} s\n${stage.lines.map((l) => `  ${l}`).join("\n")}`,
    ),
    `resend of stage now: exit ${report.resend.exit}, ${report.resend.newRequests} new requests\n${report.resend.lines.map((l) => `  ${l}`).join("\n")}`,
    "received:",
    ...report.received.map(
      (r) =>
        `  ${r.receiver.padEnd(9)} ${r.requests} request(s), statuses ${r.statuses.join(",") || "-"}: ${r.what}`,
    ),
    `report: ${report.report.file} (${report.report.bytes} bytes${report.folder ? "" : ", removed with the drill's folder; --keep keeps it"})`,
    `recovery row (from the drill's own update and verification entries: no service runs in this drill): ${report.report.recovery || "none"}`,
    `secrets found in the output: ${report.secretsInOutput}`,
    `targets: ${Object.entries(report.targets)
      .map(([name, met]) => `${name} ${met ? "met" : "MISSED"}`)
      .join(", ")}`,
    ...(report.folder ? [`kept: ${report.folder}`] : []),
  ];
  return lines.join("\n");
}
