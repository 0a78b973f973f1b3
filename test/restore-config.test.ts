/**
 * `aitb restore config`: a release's configuration written back into the stack file from the
 * backup the stack wrote, checked against the digest aitb:releaseHistory recorded.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { runRestoreConfig, type RestoreConfigFlags } from "../cli/commands/restore/config";
import { StackFileEditor } from "../cli/commands/rollback/stackEdit";
import { readStackSource } from "../cli/engine/stackFiles";
import type { CommandIo } from "../cli/shared/io";
import { validateStackConfig } from "../config/validate";
import {
  configBackupOf,
  configBackupScript,
  renderConfigBackup,
  serviceEnvOf,
} from "../domain/configBackup";
import { releaseDigest } from "../domain/releaseDigest";
import { exitCodeOfError } from "../cli/exitCodes";
import { runCli } from "./support/cli";
import { NOW, ROOT } from "./support/stacks";

const STACK = "loopback";
const LIVE = "2026.11.4";
const RECORDED = "sha256:3799fca7a35eebeef70be81bfeebbc3498c72613e58b5c0aeb8748ba33fcdc61";

let root: string;
let stackFile: string;
let out: string;
let err: string;

function io(): CommandIo {
  return {
    root,
    out: (text) => (out += text),
    err: (text) => (err += text),
    interactive: false,
    clock: () => NOW,
  };
}

function restore(flags: Partial<RestoreConfigFlags> = {}): Promise<number> {
  out = "";
  err = "";
  return runRestoreConfig({ stack: STACK, release: LIVE, now: NOW, ...flags }, io());
}

function backupFile(pin: string): string {
  return path.join(root, ".aitb", STACK, "backups", pin, "config.json");
}

/** Write every release's backup the way the loopback step does: its script, the text on stdin. */
function writeBackups(): void {
  const source = readStackSource(root, STACK);
  const config = validateStackConfig(source.values, NOW);
  for (const [pin, configuration] of Object.entries(config.releases)) {
    const text = renderConfigBackup(
      configBackupOf({
        stack: STACK,
        release: pin,
        configuration,
        serviceEnv: serviceEnvOf(config.services),
      }),
    );
    execFileSync("sh", ["-c", configBackupScript(backupFile(pin))], { input: text });
  }
}

function edit(change: (editor: StackFileEditor) => void): void {
  const editor = new StackFileEditor(fs.readFileSync(stackFile, "utf8"), stackFile);
  change(editor);
  fs.writeFileSync(stackFile, editor.text());
}

function liveDigest(): string | undefined {
  const config = (parse(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> })
    .config;
  const releases = config["aitb:releases"] as Record<string, Parameters<typeof releaseDigest>[0]>;
  return releases[LIVE] ? releaseDigest(releases[LIVE]) : undefined;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-restore-config-"));
  fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  stackFile = path.join(root, `Pulumi.${STACK}.yaml`);
  fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), stackFile);
  edit((editor) => editor.set("services", ["bot", "env"], { LOG_LEVEL: "info" }));
  writeBackups();
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test("the backup carries the stack, the pin, the recorded digest and the time it was written", () => {
  const backup = JSON.parse(fs.readFileSync(backupFile(LIVE), "utf8")) as Record<string, unknown>;
  expect(backup).toMatchObject({ stack: STACK, release: LIVE, digest: RECORDED });
  expect(backup.writtenAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  expect(backup.serviceEnv).toEqual({ bot: { LOG_LEVEL: "info" } });
  expect(fs.existsSync(`${backupFile(LIVE)}.partial`)).toBe(false);
});

test("a deleted release is written back at the recorded digest, comments kept", async () => {
  const before = fs.readFileSync(stackFile, "utf8");
  edit((editor) => editor.delete("releases", [LIVE]));
  expect(liveDigest()).toBeUndefined();
  expect(await restore()).toBe(0);
  expect(liveDigest()).toBe(RECORDED);
  const after = fs.readFileSync(stackFile, "utf8");
  for (const comment of before.split("\n").filter((line) => line.trim().startsWith("#"))) {
    expect(after).toContain(comment);
  }
  // The other release is untouched, byte for byte.
  expect(after).toContain("inference: { build: reference, env: { MODEL_VERSION: m-42 } }");
  expect(out).toContain("Wrote");
  expect(out).toContain("+      services:");
  expect(out).toMatch(/aitb plan --stack loopback/);
  expect(out).toMatch(/git commit .*Pulumi\.loopback\.yaml/);
  expect(out).toMatch(/pulumi up --stack loopback/);
  expect(
    validateStackConfig(readStackSource(root, STACK).values, NOW).releases[LIVE],
  ).toBeDefined();
});

test("a changed env value is put back, only that line changes", async () => {
  edit((editor) => editor.set("releases", [LIVE, "services", "bot", "env", "STRATEGY"], "yolo"));
  const damaged = fs.readFileSync(stackFile, "utf8");
  expect(await restore()).toBe(0);
  expect(liveDigest()).toBe(RECORDED);
  const restored = fs.readFileSync(stackFile, "utf8");
  const changed = damaged.split("\n").filter((line, i) => restored.split("\n")[i] !== line);
  expect(changed).toEqual(["        bot: { build: reference, env: { STRATEGY: yolo } }"]);
});

test("a deleted file entry is put back at the digest recorded for the release", async () => {
  // A release with a config file, live with it: its history entry records that content.
  edit((editor) => {
    editor.set("releases", [LIVE, "services", "bot", "files"], {
      "/etc/aitb/bot.yaml": "risk: low\n",
    });
  });
  const source = readStackSource(root, STACK);
  const withFile = releaseDigest(validateStackConfig(source.values, NOW).releases[LIVE]);
  edit((editor) => editor.set("releaseHistory", [1, "digest"], withFile));
  writeBackups();
  edit((editor) => editor.delete("releases", [LIVE, "services", "bot", "files"]));
  expect(liveDigest()).not.toBe(withFile);
  expect(await restore()).toBe(0);
  expect(liveDigest()).toBe(withFile);
  expect(fs.readFileSync(stackFile, "utf8")).toContain("/etc/aitb/bot.yaml");
});

test("a tampered backup is refused with both digests and nothing is written", async () => {
  edit((editor) => editor.delete("releases", [LIVE]));
  const damaged = fs.readFileSync(stackFile, "utf8");
  const backup = JSON.parse(fs.readFileSync(backupFile(LIVE), "utf8")) as {
    services: { bot: { env: Record<string, string> } };
    digest: string;
  };
  backup.services.bot.env.STRATEGY = "yolo";
  // A careful tamper: the digest written with the backup is recomputed too.
  backup.digest = releaseDigest(backup as unknown as Parameters<typeof releaseDigest>[0]);
  fs.writeFileSync(backupFile(LIVE), JSON.stringify(backup));
  expect(await restore()).toBe(1);
  expect(err).toContain(`release ${LIVE}`);
  expect(err).toContain(RECORDED);
  expect(err).toContain(backup.digest);
  expect(err).toMatch(/Nothing was written/);
  expect(fs.readFileSync(stackFile, "utf8")).toBe(damaged);
});

test("a backup edited without its digest is refused as not matching what it says", async () => {
  const text = fs.readFileSync(backupFile(LIVE), "utf8").replace("mean-reversion-v8", "yolo");
  fs.writeFileSync(backupFile(LIVE), text);
  const before = fs.readFileSync(stackFile, "utf8");
  expect(await restore()).toBe(1);
  expect(err).toMatch(/does not match the digest written with it/);
  expect(fs.readFileSync(stackFile, "utf8")).toBe(before);
});

test("an unknown pin exits 2 naming --release and the pins there are", async () => {
  const before = fs.readFileSync(stackFile, "utf8");
  expect(await restore({ release: "2026.10.9" })).toBe(2);
  expect(err).toContain("--release");
  expect(err).toContain("2026.11.3, 2026.11.4");
  expect(fs.readFileSync(stackFile, "utf8")).toBe(before);
});

test("a missing backup exits 2 naming the file, the backups there are and the fix", async () => {
  fs.rmSync(path.dirname(backupFile(LIVE)), { recursive: true });
  const before = fs.readFileSync(stackFile, "utf8");
  expect(await restore()).toBe(2);
  expect(err).toContain("--release");
  expect(err).toContain(`no configuration backup of release ${LIVE}`);
  expect(err).toContain("backups exist for 2026.11.3");
  expect(err).toContain("--from <backup file>");
  expect(fs.readFileSync(stackFile, "utf8")).toBe(before);
  expect(await restore({ from: path.join(root, "nowhere.json") })).toBe(2);
  expect(err).toContain("--from");
});

test("a backup of another release is refused", async () => {
  expect(await restore({ from: backupFile("2026.11.3") })).toBe(2);
  expect(err).toContain("is the backup of release 2026.11.3, not 2026.11.4");
});

test("--dry-run prints the change and writes nothing", async () => {
  edit((editor) => editor.delete("releases", [LIVE]));
  const damaged = fs.readFileSync(stackFile, "utf8");
  expect(await restore({ dryRun: true })).toBe(0);
  expect(out).toContain("Dry run");
  expect(out).toContain("+      services:");
  expect(fs.readFileSync(stackFile, "utf8")).toBe(damaged);
});

test("a release that already equals its backup is left alone", async () => {
  const before = fs.readFileSync(stackFile, "utf8");
  expect(await restore()).toBe(0);
  expect(out).toContain("already equals its backup");
  expect(fs.readFileSync(stackFile, "utf8")).toBe(before);
});

test("--env puts the stack-level service env back from the backup", async () => {
  edit((editor) => {
    editor.set("services", ["bot", "env"], { LOG_LEVEL: "debug" });
    editor.set("services", ["webapp", "env"], { THEME: "dark" });
  });
  expect(await restore({ env: true })).toBe(0);
  const config = validateStackConfig(readStackSource(root, STACK).values, NOW);
  expect(config.services.bot?.env).toEqual({ LOG_LEVEL: "info" });
  expect(config.services.webapp?.env).toBeUndefined();
  expect(out).toContain("the stack-level env of bot, webapp");
});

test("the Azure target asks for the blob to be downloaded, with the command", async () => {
  const prod = path.join(root, "Pulumi.prod.yaml");
  fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), prod);
  const slots = (
    parse(fs.readFileSync(prod, "utf8")) as {
      config: { "aitb:slots": Record<string, { release: string }> };
    }
  ).config["aitb:slots"];
  const pin = slots.green.release;
  expect(await restore({ stack: "prod", release: pin })).toBe(2);
  expect(err).toContain("--from");
  expect(err).toMatch(
    /az storage blob download --account-name \S+ --container-name config-backups/,
  );
  expect(err).toContain(`--name ${pin}/config.json`);
});

describe("through the command line", () => {
  test("--config and --from restore a deleted release; a missing --release exits 2", async () => {
    edit((editor) => editor.delete("releases", [LIVE]));
    const run = await runCli([
      "restore",
      "config",
      "--stack",
      STACK,
      "--release",
      LIVE,
      "--config",
      stackFile,
      "--from",
      backupFile(LIVE),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Wrote");
    expect(liveDigest()).toBe(RECORDED);
    const usage = await runCli(["restore", "config", "--stack", STACK]).catch(
      (error: unknown) => error,
    );
    expect(exitCodeOfError(usage)).toBe(2);
    expect(String(usage)).toContain("--release");
  });
});
