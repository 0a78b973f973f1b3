import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { runNotice, type NoticeFlags } from "../cli/commands/notice";
import { sendStage, type ChannelOutcome, type SendRequest } from "../cli/commands/notice/send";
import { retryAfterMs } from "../cli/commands/notice/channels";
import { ledgerFile } from "../cli/commands/notice/sendLedger";
import type { RollbackNotice } from "../cli/commands/notice/notice";
import { noticeLines } from "../cli/commands/notice/sendMessage";
import { InputError } from "../cli/exitCodes";
import { masked } from "../cli/shared/io";
import { channelSecretEnv } from "../config/notifications";
import {
  closedPort,
  parsedMails,
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from "./support/receivers";
import { captureIo, removeProject, tempProject, type CapturedIo } from "./workflow/support";

const SLACK = "/services/T0AITB/B0AITB/slackTokenS3cr3t0123";
const TEAMS = "/webhookb2/teams-token-S3cr3t-0123";

/** The text of every TextRun of the Teams card a receiver recorded, in order. */
function teamsRuns(body: unknown): string[] {
  const card = body as {
    attachments: { content: { body: { inlines: { type: string; text: string }[] }[] } }[];
  };
  return card.attachments[0].content.body.flatMap((block) =>
    block.inlines.map((inline) => inline.text),
  );
}
const ROUTING_KEY = "routingKeyS3cr3t0123456789abcdef";
const SMTP_PASSWORD = "smtp-password-S3cr3t-0123";
const SECRETS = [SLACK, TEAMS, ROUTING_KEY, SMTP_PASSWORD];
const NOW = new Date("2026-11-25T20:00:00Z");

let dir: string;
let http: HttpReceiver;
let smtp: SmtpReceiver;
let env: NodeJS.ProcessEnv;

function writeNotifications(overrides: Record<string, unknown> = {}): void {
  fs.writeFileSync(
    path.join(dir, "notifications.yaml"),
    stringify({
      channelTimeoutSeconds: 10,
      channels: {
        "team-slack": { kind: "slack" },
        "risk-teams": { kind: "teams" },
        "devops-pagerduty": { kind: "pagerduty", eventsUrl: http.url("/v2/enqueue") },
        "desk-email": {
          kind: "email",
          smtp: { host: "127.0.0.1", port: smtp.port, tls: "none", user: "aitb" },
          from: "aitb@example.com",
          to: ["trading@example.com", "devops@example.com"],
        },
      },
      tiers: {
        now: {
          audience: ["Trading team", "DevOps team", "Management"],
          channels: ["team-slack", "risk-teams", "devops-pagerduty", "desk-email"],
        },
        "1h": { audience: ["Compliance"], channels: ["desk-email"] },
        "4h": { audience: ["Full incident report"], channels: ["desk-email", "team-slack"] },
      },
      stacks: {
        prod: { channels: ["team-slack", "risk-teams", "devops-pagerduty", "desk-email"] },
      },
      contacts: {
        "devops-lead": { role: "DevOps Lead", phone: "+1-555-0100", group: "response" },
      },
      ...overrides,
    }),
  );
}

/** Output written through the mask, as every command's output is. */
function maskedIo(): CapturedIo {
  const io = captureIo(dir, () => NOW);
  return { ...io, out: masked(io.out), err: masked(io.err) };
}

function request(overrides: Partial<SendRequest> = {}): SendRequest {
  return {
    stack: "prod",
    stage: "now",
    incident: "INC-4411",
    subject: "[URGENT] AITB Production Rollback Executed",
    lines: ["Team,", "", "A production rollback has been executed."],
    env,
    ...overrides,
  };
}

function byChannel(outcomes: ChannelOutcome[]): Record<string, ChannelOutcome> {
  return Object.fromEntries(outcomes.map((outcome) => [outcome.channel, outcome]));
}

beforeEach(async () => {
  dir = tempProject();
  http = await startHttpReceiver();
  smtp = await startSmtpReceiver();
  env = {
    PATH: "/nonexistent",
    [channelSecretEnv("team-slack")]: http.url(SLACK),
    [channelSecretEnv("risk-teams")]: http.url(TEAMS),
    [channelSecretEnv("devops-pagerduty")]: ROUTING_KEY,
    [channelSecretEnv("desk-email")]: SMTP_PASSWORD,
  };
  writeNotifications();
});

afterEach(async () => {
  await http.close();
  await smtp.close();
  removeProject(dir);
});

describe("aitb notice --send", () => {
  test("delivers the stage to every channel of its tier, each in the shape its receiver takes", async () => {
    const io = maskedIo();
    const outcomes = byChannel(await sendStage(request(), io));
    expect(Object.values(outcomes).map((o) => o.status)).toEqual([
      "delivered",
      "delivered",
      "delivered",
      "delivered",
    ]);

    const [slack] = http.to(SLACK);
    expect((slack.body as { text: string }).text).toContain(
      "*[URGENT] AITB Production Rollback Executed*",
    );
    expect((slack.body as { text: string }).text).toContain(
      "To: Trading team, DevOps team, Management (immediately)",
    );
    const [teams] = http.to(TEAMS);
    expect(teams.body).toMatchObject({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: { type: "AdaptiveCard", version: "1.2" },
        },
      ],
    });
    expect(teamsRuns(teams.body)[0]).toBe("[URGENT] AITB Production Rollback Executed");
    expect(teamsRuns(teams.body)).toContain(
      "To: Trading team, DevOps team, Management (immediately)",
    );
    const [page] = http.to("/v2/enqueue");
    expect(page.body).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "aitb/prod/INC-4411",
      payload: { severity: "critical", source: "aitb/prod" },
    });
    const [mail] = await parsedMails(smtp);
    expect(mail.subject).toBe("[URGENT] AITB Production Rollback Executed");
    expect(mail.to).toEqual(["trading@example.com", "devops@example.com"]);
    expect(mail.messageId).toBe("<aitb.prod.INC-4411.now@aitb.invalid>");
    expect(mail.auth).toEqual({ user: "aitb", pass: SMTP_PASSWORD });
    expect(mail.text).toContain("A production rollback has been executed.");

    const ledger = fs.readFileSync(ledgerFile(dir, "prod", "INC-4411", "now"), "utf8");
    expect(Object.keys(JSON.parse(ledger).delivered).sort()).toEqual([
      "desk-email",
      "devops-pagerduty",
      "risk-teams",
      "team-slack",
    ]);
    for (const secret of SECRETS) expect(ledger).not.toContain(secret);
  });

  test("retries a 500 and reports the delivery after 2 attempts; a 4xx is not retried", async () => {
    http.behave(SLACK, { kind: "statuses", statuses: [500] });
    http.behave(TEAMS, { kind: "statuses", statuses: [404] });
    const outcomes = byChannel(await sendStage(request(), maskedIo()));
    expect(outcomes["team-slack"]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(http.to(SLACK).map((r) => r.status)).toEqual([500, 200]);
    expect(outcomes["risk-teams"]).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcomes["risk-teams"].detail).toContain("HTTP 404");
    expect(http.to(TEAMS)).toHaveLength(1);
  });

  test("a 429 is retried no sooner than its Retry-After; one asking past the bound fails at once", async () => {
    http.behave(TEAMS, { kind: "statuses", statuses: [429], retryAfter: 1 });
    http.behave("/v2/enqueue", { kind: "statuses", statuses: [429], retryAfter: 60 });
    http.behave(SLACK, { kind: "statuses", statuses: [429] });
    const started = Date.now();
    const outcomes = byChannel(await sendStage(request({ channelTimeoutMs: 3000 }), maskedIo()));
    const elapsed = Date.now() - started;
    expect(outcomes["risk-teams"]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(http.to(TEAMS).map((r) => r.status)).toEqual([429, 200]);
    expect(outcomes["team-slack"]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(outcomes["devops-pagerduty"]).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcomes["devops-pagerduty"].detail).toContain("HTTP 429");
    expect(outcomes["devops-pagerduty"].detail).toContain("the receiver asked to retry after 60 s");
    expect(http.to("/v2/enqueue")).toHaveLength(1);
    // Teams waited its second; nothing waited for PagerDuty's minute.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3000);
  });

  test("Retry-After reads as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-28T15:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Sat, 28 Nov 2026 15:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Sat, 28 Nov 2026 14:59:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  test("an SMTP 451 (transient) is retried, then the mail is delivered once", async () => {
    smtp.failNext(1);
    const outcomes = byChannel(await sendStage(request(), maskedIo()));
    expect(outcomes["desk-email"]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(await parsedMails(smtp)).toHaveLength(1);
  });

  test("a resend of the same incident and stage sends nothing twice; what failed is sent again", async () => {
    http.behave(TEAMS, { kind: "statuses", statuses: [403] });
    const first = byChannel(await sendStage(request(), maskedIo()));
    expect(first["risk-teams"].status).toBe("failed");
    const io = maskedIo();
    const second = byChannel(await sendStage(request(), io));
    expect(second["team-slack"].status).toBe("already delivered");
    expect(second["devops-pagerduty"].status).toBe("already delivered");
    expect(second["desk-email"].status).toBe("already delivered");
    expect(second["risk-teams"].status).toBe("delivered");
    expect(http.to(SLACK)).toHaveLength(1);
    expect(http.to("/v2/enqueue")).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(http.to(TEAMS)).toHaveLength(2);
    // Another stage of the same incident is its own delivery.
    await sendStage(request({ stage: "1h" }), maskedIo());
    expect(smtp.mails).toHaveLength(2);
  });

  test("a channel that hangs is cut at its time bound and does not hold the others", async () => {
    http.behave(SLACK, { kind: "hang" });
    const started = Date.now();
    const outcomes = byChannel(await sendStage(request({ channelTimeoutMs: 1500 }), maskedIo()));
    const elapsed = Date.now() - started;
    expect(outcomes["team-slack"].status).toBe("failed");
    expect(outcomes["team-slack"].detail).toMatch(/timed out/);
    expect(elapsed).toBeLessThan(4000);
    for (const id of ["risk-teams", "devops-pagerduty", "desk-email"]) {
      expect(outcomes[id].status).toBe("delivered");
      expect(outcomes[id].ms).toBeLessThan(1000);
    }
  });

  test("a channel that refuses connections is reported failed after retries; the others are delivered", async () => {
    env[channelSecretEnv("risk-teams")] = `http://127.0.0.1:${await closedPort()}${TEAMS}`;
    const io = maskedIo();
    const outcomes = byChannel(await sendStage(request({ channelTimeoutMs: 2000 }), io));
    expect(outcomes["risk-teams"].status).toBe("failed");
    expect(outcomes["risk-teams"].attempts).toBeGreaterThan(1);
    expect(outcomes["risk-teams"].detail).toContain("ECONNREFUSED");
    expect(outcomes["team-slack"].status).toBe("delivered");
    expect(outcomes["desk-email"].status).toBe("delivered");
  });

  test("fields cannot inject a line, a mention, a link or a mail header", async () => {
    await sendStage(
      request({
        subject: "Rollback\r\nBcc: attacker@example.net",
        lines: [
          "Reason: errors\nSERVICES: all fine <!channel> <https://evil.example|click here>",
          "Teams: [click](https://evil.example) ![x](https://evil.example/x.png)",
          "Card: {{DATE(2026-11-28T15:00:00Z, SHORT)}}",
        ],
      }),
      maskedIo(),
    );
    const text = (http.to(SLACK)[0].body as { text: string }).text;
    expect(text).not.toContain("<!channel>");
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<https://evil.example|click here>");
    expect(text.split("\n").some((line) => line.startsWith("SERVICES:"))).toBe(false);
    // A TextRun renders no markdown and a card no HTML: the link stays text, on its own line.
    const body = http.to(TEAMS)[0].body;
    const runs = teamsRuns(body);
    expect(runs).toContain("Teams: [click](https://evil.example) ![x](https://evil.example/x.png)");
    expect(runs.some((run) => run.startsWith("SERVICES:"))).toBe(false);
    expect(JSON.stringify(body)).not.toContain('"TextBlock"');
    // The one thing a TextRun still reads, the card's date functions, is kept text too.
    expect(runs).toContain("Card: {\u200b{DATE(2026-11-28T15:00:00Z, SHORT)}\u200b}");
    const [mail] = await parsedMails(smtp);
    expect(mail.headers.has("bcc")).toBe(false);
    expect(mail.subject).toBe("Rollback Bcc: attacker@example.net");
    expect(mail.raw).not.toMatch(/^Bcc:/im);
    expect(smtp.mails[0].envelopeTo).toEqual(["trading@example.com", "devops@example.com"]);
  });
});

describe("the ledger and the notice's lines", () => {
  test("a send while another holds the stage's lock is refused; a lock left by a dead process is taken over", async () => {
    const file = ledgerFile(dir, "prod", "INC-4411", "now");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const refused = await sendStage(request(), maskedIo()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).message).toContain("another send of this stage is under way");
    expect(http.requests).toHaveLength(0);
    // No process has pid 2^22 + 1 on Linux (pid_max is at most 2^22).
    fs.writeFileSync(`${file}.lock`, "4194305\n");
    const outcomes = await sendStage(request(), maskedIo());
    expect(outcomes.every((o) => o.status === "delivered")).toBe(true);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["now.json"]);
  });

  test("a field of the notice with a line break (a service's answer) stays on its own line", () => {
    const notice: RollbackNotice = {
      subject: "[URGENT] AITB Production Rollback Executed",
      details: {
        rollbackTime: "2026-11-28T15:00:00Z",
        triggerReason: "errors",
        environment: "PRODUCTION (stack prod, azure)",
        rollbackType: "IMMEDIATE",
        previousVersion: "2026.11.4 (green)",
        currentVersion: "2026.11.3 (blue)",
      },
      status: {
        services: "DEGRADED: webapp (said: ok\n- Trading: ACTIVE forged)",
        trading: "SUSPENDED",
        dataIntegrity: "VERIFIED",
      },
      nextSteps: ["one"],
      teamLead: "alice",
      incident: "INC-4411",
      stakeholders: [],
    };
    const lines = noticeLines(notice);
    expect(lines.filter((line) => line.startsWith("- Trading:"))).toEqual(["- Trading: SUSPENDED"]);
    expect(lines).toContain("- Services: DEGRADED: webapp (said: ok - Trading: ACTIVE forged)");
    expect(lines[0]).toBe("Team,");
  });
});

describe("aitb notice --send through the command", () => {
  const flags = (more: Partial<NoticeFlags>): NoticeFlags => ({
    stack: "prod",
    format: "text",
    ...more,
  });

  test("--dry-run prints every channel's exact body and sends nothing", async () => {
    const io = maskedIo();
    const code = await runNotice(flags({ dryRun: true }), io, env);
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toContain("Dry run: nothing is sent. Stage now (immediately), incident CHG-2304");
    expect(out).toContain("--- team-slack (slack): POST [secret webhook URL]");
    expect(out).toContain(`--- devops-pagerduty (pagerduty): POST ${http.url("/v2/enqueue")}`);
    expect(out).toContain('"routing_key": "[secret]"');
    expect(out).toContain('"dedup_key": "aitb/prod/CHG-2304"');
    expect(out).toContain("Subject: [PLANNED] AITB Production Rollback Executed");
    expect(out).toContain("- Rollback Time: 2026-11-24T22:15:00Z");
    expect(http.requests).toHaveLength(0);
    expect(smtp.mails).toHaveLength(0);
    expect(fs.existsSync(path.join(dir, ".aitb", "notifications"))).toBe(false);
    // The 4-hour stage's dry run prints the report it would send and writes no file either.
    const later = maskedIo();
    expect(await runNotice(flags({ dryRun: true, stage: "4h" }), later, env)).toBe(0);
    expect(later.stdout()).toContain("# Incident report CHG-2304 (stack prod)");
    expect(fs.existsSync(path.join(dir, ".aitb"))).toBe(false);
    expect(http.requests).toHaveLength(0);
  });

  test("--send reports each channel and exits 1 when one failed; no secret is printed", async () => {
    http.behave(TEAMS, { kind: "statuses", statuses: [410] });
    const io = maskedIo();
    const code = await runNotice(flags({ send: true }), io, env);
    expect(code).toBe(1);
    const out = io.stdout();
    expect(out).toMatch(/delivered +team-slack \(slack\) in 1 attempt/);
    expect(out).toMatch(/FAILED +risk-teams \(teams\) after 1 attempt .*HTTP 410/);
    for (const secret of SECRETS) expect(out + io.stderr()).not.toContain(secret);
    const again = maskedIo();
    http.behave(TEAMS, { kind: "statuses", statuses: [] });
    expect(await runNotice(flags({ send: true }), again, env)).toBe(0);
    expect(again.stdout()).toMatch(/already delivered +team-slack/);
  });

  test("a missing secret is bad input: exit 2, the key and the fix named, nothing sent", async () => {
    delete env[channelSecretEnv("devops-pagerduty")];
    const io = maskedIo();
    expect(await runNotice(flags({ send: true }), io, env)).toBe(2);
    expect(io.stderr()).toContain("aitb-notify:devops-pagerduty");
    expect(io.stderr()).toContain(
      "pulumi config set --secret --stack prod aitb-notify:devops-pagerduty <value>",
    );
    expect(http.requests).toHaveLength(0);
    expect(smtp.mails).toHaveLength(0);
  });

  test("a bad notifications file names the key and exits 2", async () => {
    writeNotifications({ tiers: { now: { audience: ["x"], channels: ["nope"] } } });
    const io = maskedIo();
    expect(await runNotice(flags({ send: true }), io, env)).toBe(2);
    expect(io.stderr()).toContain("notifications.yaml:tiers.1h");
    writeNotifications({
      channels: {
        plain: {
          kind: "email",
          smtp: { host: "smtp.example.com", tls: "none" },
          from: "a@example.com",
          to: ["b@example.com"],
        },
      },
      tiers: {
        now: { audience: ["x"], channels: ["plain"] },
        "1h": { audience: ["x"], channels: ["plain"] },
        "4h": { audience: ["x"], channels: ["plain"] },
      },
      stacks: { prod: { channels: ["plain"] } },
    });
    const clear = maskedIo();
    expect(await runNotice(flags({ send: true }), clear, env)).toBe(2);
    expect(clear.stderr()).toContain("notifications.yaml:channels.plain.smtp.tls");
    expect(clear.stderr()).toContain("only to a loopback host");
  });

  test("--stage 4h writes the incident report and sends it, attached to the mail", async () => {
    const io = maskedIo();
    expect(await runNotice(flags({ send: true, stage: "4h" }), io, env)).toBe(0);
    const report = fs.readFileSync(path.join(dir, ".aitb/incidents/prod/CHG-2304.md"), "utf8");
    expect(report).toContain("# Incident report CHG-2304 (stack prod)");
    const [mail] = await parsedMails(smtp);
    expect(mail.subject).toBe("AITB incident report CHG-2304 (stack prod)");
    expect(mail.attachments).toEqual([{ filename: "incident-CHG-2304.md", content: report }]);
    expect(mail.text).toContain(".aitb/incidents/prod/CHG-2304.md");
    expect((http.to(SLACK)[0].body as { text: string }).text).toContain(
      "# Incident report CHG-2304 (stack prod)",
    );
  });

  test("without an environment override the secret is read with pulumi config get --stack", async () => {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A stand-in Pulumi CLI: answers the one read the send makes, and nothing else.
    fs.writeFileSync(
      path.join(bin, "pulumi"),
      `#!/bin/sh\nif [ "$*" = "config get --stack prod aitb-notify:team-slack --non-interactive" ]; then echo "${http.url(SLACK)}"; exit 0; fi\necho "error: unexpected: $*" >&2; exit 1\n`,
      { mode: 0o755 },
    );
    delete env[channelSecretEnv("team-slack")];
    env.PATH = bin;
    const io = maskedIo();
    const outcomes = byChannel(await sendStage(request(), io));
    expect(outcomes["team-slack"].status).toBe("delivered");
    expect(http.to(SLACK)).toHaveLength(1);
    expect(io.stdout() + io.stderr()).not.toContain(SLACK);
  });

  test("a stack the file does not list sends nothing and says how to add it", async () => {
    const io = maskedIo();
    expect(await runNotice(flags({ stack: "staging", send: true }), io, env)).toBe(2);
    expect(io.stderr()).toContain("notifications.yaml:stacks.staging");
    expect(http.requests).toHaveLength(0);
  });
});
