import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import {
  dockerLogCopyScript,
  SEAL_LOGS_SCRIPT,
  sealLogsEnvironment,
} from "../components/platform/docker/logs";
import { checkLogCopy, logCopiesIn } from "../contract/logCopies";
import { LOG_COPY_SCRIPT } from "../components/platform/azure/logs";
import { forensicKey, LOG_MANIFEST } from "../contract/logs";
import { runRestoreLogs, type RestoreLogsFlags } from "../cli/commands/restore/logs";
import type { CommandIo } from "../cli/shared/io";
import { ROOT } from "./support/stacks";

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-logs-"));
});
afterEach(() => {
  // Read-only files in writable folders: removable as they are (a stack's cleanup is too).
  fs.rmSync(work, { recursive: true, force: true });
});

function liveLogs(root: string): string {
  const logs = path.join(root, "state", "logs");
  for (const color of ["blue", "green"]) {
    fs.mkdirSync(path.join(logs, color), { recursive: true });
    fs.writeFileSync(path.join(logs, color, "bot.log"), `{"seq":1,"color":"${color}"}\n`);
    fs.writeFileSync(path.join(logs, color, "webapp.log"), `{"seq":1}\n{"seq":2}\n`);
  }
  return logs;
}

function seal(source: string, key: string): string {
  return execFileSync("sh", ["-c", SEAL_LOGS_SCRIPT], {
    env: {
      PATH: process.env.PATH,
      ...sealLogsEnvironment({ source, root: path.join(work, "backups"), key }),
    },
    encoding: "utf8",
  });
}

describe("the forensic copy of the logs (run with sh)", () => {
  it("copies every color's logs under forensics/<incident>/logs-<time> with a manifest sha256sum accepts, read-only", () => {
    const logs = liveLogs(work);
    const out = seal(logs, "INC-1");
    const [copy] = logCopiesIn(path.join(work, "backups", "forensics", "INC-1"));
    expect(out).toContain(copy.dir);
    expect(out).toContain("4 files");
    expect(fs.readFileSync(path.join(copy.dir, "blue", "bot.log"), "utf8")).toContain('"blue"');
    // The standard tool agrees with the manifest.
    expect(
      execFileSync("sha256sum", ["-c", LOG_MANIFEST], { cwd: copy.dir, encoding: "utf8" }),
    ).toMatch(/green\/webapp.log: OK/);
    expect(fs.statSync(path.join(copy.dir, "green", "bot.log")).mode & 0o222).toBe(0);
    expect(fs.statSync(path.join(copy.dir, LOG_MANIFEST)).mode & 0o222).toBe(0);
    expect(checkLogCopy(copy.dir)).toMatchObject({ ok: true, problems: [] });
    // The live logs are only read.
    expect(fs.statSync(path.join(logs, "blue", "bot.log")).mode & 0o200).not.toBe(0);
  });

  it("never reuses a folder: a second copy in the same second gets its own", () => {
    const logs = liveLogs(work);
    seal(logs, "INC-2");
    seal(logs, "INC-2");
    const copies = logCopiesIn(path.join(work, "backups", "forensics", "INC-2"));
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => c.dir)).size).toBe(2);
  });

  it("copies an empty manifest when there are no logs yet (a new stack)", () => {
    seal(path.join(work, "nothing-here"), "INC-3");
    const [copy] = logCopiesIn(path.join(work, "backups", "forensics", "INC-3"));
    expect(fs.readFileSync(path.join(copy.dir, LOG_MANIFEST), "utf8")).toBe("");
  });

  it("finds a changed, a missing and an unlisted file", () => {
    seal(liveLogs(work), "INC-4");
    const [copy] = logCopiesIn(path.join(work, "backups", "forensics", "INC-4"));
    execFileSync("chmod", ["-R", "u+w", copy.dir]);
    fs.appendFileSync(path.join(copy.dir, "blue", "bot.log"), "forged\n");
    fs.rmSync(path.join(copy.dir, "green", "bot.log"));
    fs.writeFileSync(path.join(copy.dir, "extra.log"), "x\n");
    const check = checkLogCopy(copy.dir);
    expect(check.ok).toBe(false);
    expect(check.problems.join("\n")).toMatch(/blue\/bot.log differs/);
    expect(check.problems.join("\n")).toMatch(/green\/bot.log is listed but missing/);
    expect(check.problems.join("\n")).toMatch(/extra.log is not in the manifest/);
  });

  it("on Docker, mounts each color's volume read-only into the database image and files the copy under the step's incident", () => {
    const script = dockerLogCopyScript({
      image: "postgres:15.8",
      volumes: { green: "aitb-dev-green-logs", blue: "aitb-dev-blue-logs" },
      backupRoot: path.join(work, "backups"),
    });
    // A stand-in docker: records its arguments, then runs the step as `docker run` would, with
    // each volume's files at /logs/<color> and the backups folder at /backups.
    const volumes = path.join(work, "volumes");
    for (const color of ["blue", "green"]) {
      fs.mkdirSync(path.join(volumes, `aitb-dev-${color}-logs`), { recursive: true });
      fs.writeFileSync(path.join(volumes, `aitb-dev-${color}-logs`, "bot.log"), `${color}\n`);
    }
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin);
    const argsFile = path.join(work, "docker-args");
    const fake = [
      "#!/bin/sh",
      `for a in "$@"; do printf '%s\\n' "$a"; done > ${argsFile}`,
      '[ "$1" = run ] || exit 1; shift',
      'logs=$(mktemp -d); backups=""',
      "while [ $# -gt 0 ]; do",
      '  case "$1" in',
      "    -v) spec=$2; src=${spec%%:*}; rest=${spec#*:}; dst=${rest%%:*}",
      '        case "$dst" in',
      '          /logs/*) mkdir -p "$logs/${dst#/logs/}"; cp -R "$FAKE_VOLUMES/$src/." "$logs/${dst#/logs/}/" ;;',
      "          /backups) backups=$src ;;",
      "        esac; shift 2 ;;",
      '    -e) case "$2" in *=*) ;; *) [ -n "$(printenv "$2")" ] || exit 3 ;; esac; shift 2 ;;',
      "    --user|--entrypoint) shift 2 ;;",
      "    -c) script=$2; shift 2 ;;",
      "    *) shift ;;",
      "  esac",
      "done",
      'AITB_LOG_SOURCE=$logs AITB_FORENSIC_ROOT=$backups exec sh -c "$script"',
    ].join("\n");
    fs.writeFileSync(path.join(bin, "docker"), `${fake}\n`, { mode: 0o755 });
    execFileSync("sh", ["-c", script], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        AITB_FORENSIC_KEY: "INC-5",
        FAKE_VOLUMES: volumes,
      },
    });
    const args = fs.readFileSync(argsFile, "utf8").split("\n");
    expect(args).toEqual(
      expect.arrayContaining([
        "aitb-dev-blue-logs:/logs/blue:ro",
        "aitb-dev-green-logs:/logs/green:ro",
        `${path.join(work, "backups")}:/backups`,
        "postgres:15.8",
        "AITB_FORENSIC_KEY",
      ]),
    );
    expect(args.join("\n")).toContain(SEAL_LOGS_SCRIPT);
    const [copy] = logCopiesIn(path.join(work, "backups", "forensics", "INC-5"));
    expect(checkLogCopy(copy.dir)).toMatchObject({ ok: true });
    expect(fs.readFileSync(path.join(copy.dir, "green", "bot.log"), "utf8")).toBe("green\n");
  });

  it("on Docker, refuses to run without the incident", () => {
    const script = dockerLogCopyScript({ image: "postgres:15.8", volumes: {}, backupRoot: work });
    expect(() =>
      execFileSync("sh", ["-c", script], { env: { PATH: process.env.PATH }, stdio: "pipe" }),
    ).toThrow(/AITB_FORENSIC_KEY: the incident/);
  });
});

describe("the Azure copy of the logs (run with sh, a stand-in az)", () => {
  /** An `az` that answers queries from <work>/answers/<color> and uploads into <work>/container. */
  function fakeAz(answers: Record<string, string | null>): NodeJS.ProcessEnv {
    const bin = path.join(work, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(path.join(work, "answers"), { recursive: true });
    for (const [color, answer] of Object.entries(answers)) {
      if (answer !== null) fs.writeFileSync(path.join(work, "answers", color), answer);
    }
    const script = [
      "#!/bin/sh",
      'case "$1 $2" in',
      '  "monitor log-analytics")',
      '    query=$(for a in "$@"; do printf "%s\\n" "$a"; done | grep ContainerAppConsoleLogs_CL)',
      `    for c in blue green; do case "$query" in *"aitb-$c"*|*"-$c'"*) color=$c ;; esac; done`,
      `    f="${work}/answers/$color"`,
      '    if [ -f "$f" ]; then cat "$f"; else echo "ERROR: Failed to resolve table expression named ContainerAppConsoleLogs_CL" >&2; exit 1; fi ;;',
      '  "storage blob")',
      '    while [ $# -gt 0 ]; do case "$1" in --destination-path) dp=$2 ;; --source) src=$2 ;; esac; shift; done',
      `    mkdir -p "${work}/container/$dp" && cp -R "$src/." "${work}/container/$dp/" ;;`,
      "esac",
    ].join("\n");
    fs.writeFileSync(path.join(bin, "az"), `${script}\n`, { mode: 0o755 });
    return {
      PATH: `${bin}:${process.env.PATH}`,
      AITB_WORKSPACE_ID: "workspace",
      AITB_RETENTION_DAYS: "90",
      AITB_STORAGE_ACCOUNT: "account",
      AITB_FORENSIC_KEY: "INC-8",
      AITB_APPS_blue: "'inference-blue', 'bot-blue'",
      AITB_APPS_green: "'inference-green', 'bot-green'",
    };
  }

  it("queries each color's console logs and uploads them with a manifest that verifies", () => {
    const env = fakeAz({
      blue: '[{"TimeGenerated":"2026-12-02T07:00:00Z","Log_s":"blue line"}]',
      green: '[{"TimeGenerated":"2026-12-02T07:00:01Z","Log_s":"green line"}]',
    });
    const out = execFileSync("sh", ["-c", LOG_COPY_SCRIPT], { env, encoding: "utf8" });
    const [copy] = logCopiesIn(path.join(work, "container", "INC-8"));
    expect(out).toContain(`forensics/INC-8/${copy.name}`);
    expect(checkLogCopy(copy.dir)).toMatchObject({ ok: true });
    expect(fs.readFileSync(path.join(copy.dir, "green.json"), "utf8")).toContain("green line");
  });

  it("copies nothing but an empty answer for a stack whose apps have not logged yet", () => {
    const env = fakeAz({ blue: null, green: null });
    execFileSync("sh", ["-c", LOG_COPY_SCRIPT], { env, encoding: "utf8" });
    const [copy] = logCopiesIn(path.join(work, "container", "INC-8"));
    expect(fs.readFileSync(path.join(copy.dir, "blue.json"), "utf8").trim()).toBe("[]");
    expect(checkLogCopy(copy.dir).ok).toBe(true);
  });
});

describe("forensicKey", () => {
  it("files a copy under the incident, as one safe path segment", () => {
    expect(forensicKey({ incident: "INC-4411", at: "2026-11-25T18:01:16Z" })).toBe("INC-4411");
    expect(forensicKey({ incident: "../INC 9/x", at: "" })).toBe("INC-9-x");
    expect(forensicKey({ at: "2026-11-25T18:01:16Z" })).toBe("change-20261125T180116Z");
  });
});

describe("aitb restore logs", () => {
  function stackFile(): string {
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.loopback.yaml"), "utf8");
    const doc = parse(text) as { config: Record<string, Record<string, unknown>> };
    doc.config["aitb:backups"] = { root: path.join(work, "backups") };
    doc.config["aitb:loopback"] = {
      ...doc.config["aitb:loopback"],
      stateDir: path.join(work, "state"),
    };
    const file = path.join(work, "Pulumi.loopback.yaml");
    fs.writeFileSync(file, stringify(doc));
    return file;
  }
  function io(): CommandIo & { output: () => string; errors: () => string } {
    let out = "";
    let err = "";
    return {
      root: ROOT,
      out: (t) => (out += t),
      err: (t) => (err += t),
      interactive: false,
      output: () => out,
      errors: () => err,
    };
  }
  const flags = (extra: Partial<RestoreLogsFlags>): RestoreLogsFlags => ({
    stack: "loopback",
    incident: "INC-6",
    format: "text",
    config: stackFile(),
    ...extra,
  });

  it("verifies the newest copy and restores one service's logs beside the live ones", async () => {
    const logs = liveLogs(work);
    seal(logs, "INC-6");
    fs.appendFileSync(path.join(logs, "blue", "bot.log"), '{"seq":2}\n');
    seal(logs, "INC-6");
    const run = io();
    expect(await runRestoreLogs(flags({ service: "bot", format: "json" }), run)).toBe(0);
    const result = JSON.parse(run.output()) as {
      restoredTo: string;
      files: { file: string }[];
      verified: boolean;
    };
    expect(result.verified).toBe(true);
    expect(result.files.map((f) => f.file).sort()).toEqual(["blue/bot.log", "green/bot.log"]);
    expect(result.restoredTo.startsWith(path.join(work, "state", "logs-restored", "INC-6"))).toBe(
      true,
    );
    expect(fs.readFileSync(path.join(result.restoredTo, "blue", "bot.log"), "utf8")).toContain(
      '"seq":2',
    );
    // A second restore to the same folder is refused: nothing is written over.
    const again = io();
    expect(await runRestoreLogs(flags({ to: result.restoredTo }), again)).toBe(2);
    expect(again.errors()).toMatch(/--to: .* exists and is not empty/);
  });

  it("refuses a folder inside the live logs, an unknown incident and an unknown service, with exit 2", async () => {
    seal(liveLogs(work), "INC-6");
    const inside = io();
    expect(
      await runRestoreLogs(flags({ to: path.join(work, "state", "logs", "blue", "old") }), inside),
    ).toBe(2);
    expect(inside.errors()).toMatch(/--to: .* overlaps the live logs/);
    const unknown = io();
    expect(await runRestoreLogs(flags({ incident: "INC-404" }), unknown)).toBe(2);
    expect(unknown.errors()).toMatch(/--incident: no forensic copy of the logs under/);
    const service = io();
    expect(await runRestoreLogs(flags({ service: "trader" }), service)).toBe(2);
    expect(service.errors()).toMatch(/--service: "trader" is not one of inference, bot/);
  });

  it("restores nothing from a copy that no longer matches its manifest, and exits 1", async () => {
    seal(liveLogs(work), "INC-6");
    const [copy] = logCopiesIn(path.join(work, "backups", "forensics", "INC-6"));
    execFileSync("chmod", ["-R", "u+w", copy.dir]);
    fs.writeFileSync(path.join(copy.dir, "blue", "bot.log"), "rewritten\n");
    const run = io();
    const to = path.join(work, "restored");
    expect(await runRestoreLogs(flags({ to }), run)).toBe(1);
    expect(run.output()).toMatch(/COMPROMISED: .*nothing was restored/);
    expect(run.output()).toMatch(/blue\/bot.log differs from the manifest/);
    expect(fs.existsSync(to)).toBe(false);
  });
});
