import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runRestoreConfig } from "../../cli/commands/restore/config";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { planStack } from "../../cli/engine/plan";
import { readStackSource, secretPlaceholders } from "../../cli/engine/stackFiles";
import type { CommandIo } from "../../cli/shared/io";
import { stepProvider, type StepInputs } from "../../components/platform/loopback/runtime/step";
import { validateStackConfig } from "../../config/validate";
import { releaseDigest } from "../../domain/releaseDigest";
import { withCleanup, type Started } from "../cleanup";
import { machine, type Machine } from "../machine";
import { DrillOptionError, requireInteger, withoutHooks } from "../options";
import { stackConfig } from "../stack";
import { round } from "../stats";
import { copyStack, DRILL_FILE, type StackCopy } from "./stackCopy";

export interface ConfigDrillOptions {
  /** The stack file whose releases are backed up and restored (a copy of it: the file stays). */
  stack: string;
  /** Rounds of every case; the times are reported as median and maximum. */
  rounds: number;
  log?: (line: string) => void;
  started?: Started;
}

export const CONFIG_DEFAULTS: Omit<ConfigDrillOptions, "log" | "started"> = {
  stack: "dev",
  rounds: 3,
};

export const CASES = [
  "env-value-changed",
  "file-entry-deleted",
  "release-deleted",
  "already-equal",
  "dry-run",
  "tampered-backup",
  "edited-backup",
] as const;
export type CaseId = (typeof CASES)[number];

export interface CaseOutcome {
  id: CaseId;
  /** The exit code of `aitb restore config` in every round. */
  exits: number[];
  /** What the case expects: a restore (0, digest back to the recorded one) or a refusal (1). */
  expectedExit: number;
  restoreMs: { p50: number; max: number };
  /** The live release's digest in the stack file after the restore, last round. */
  digestAfter?: string;
  /** Restores: the digest equals the recorded one. Refusals and dry runs: the file is unchanged. */
  ok: boolean;
}

export interface ConfigDrillReport {
  drill: "config";
  machine: Machine;
  stack: string;
  target: string;
  options: Omit<ConfigDrillOptions, "log" | "started">;
  release: string;
  recorded: string;
  /** The offline plan of the copy (the real program under mocks) that declares the backup steps. */
  planMs: number;
  /** Each pinned release's backup written by its own step, in ms. */
  backups: { release: string; ms: number; bytes: number; file: string }[];
  backupsFreeOfSecrets: boolean;
  cases: CaseOutcome[];
  targets: { restoredToRecordedDigest: boolean; tamperedRefused: boolean; noSecrets: boolean };
}

const round1 = (ms: number): number => round(ms, 1) as number;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/**
 * Run a planned backup step as the target runs it: the loopback step through its own provider,
 * a Docker command:local:Command as @pulumi/command runs one (/bin/sh -c, stdin on its input).
 */
async function runBackupStep(type: string, inputs: Record<string, unknown>): Promise<void> {
  if (type.endsWith("loopback:Step")) {
    // The engine hands a dynamic provider its inputs without the serialized provider itself.
    const own: Record<string, unknown> = { ...inputs };
    delete own.__provider;
    await stepProvider.create(own as unknown as StepInputs);
  } else {
    const step = inputs as unknown as StepInputs;
    execFileSync("/bin/sh", ["-c", step.create], { input: step.stdin, stdio: "pipe" });
  }
}

function damage(copy: StackCopy, id: CaseId): void {
  const editor = new StackFileEditor(copy.text, copy.stackFile);
  const bot = ["services", "bot"];
  if (id === "env-value-changed") {
    const env = editor.get("releases", [copy.pin, ...bot, "env"]) as
      Record<string, string> | undefined;
    const name = Object.keys(env ?? {})[0] ?? "STRATEGY";
    editor.set("releases", [copy.pin, ...bot, "env", name], "changed-by-hand");
  } else if (id === "file-entry-deleted") {
    editor.delete("releases", [copy.pin, ...bot, "files", DRILL_FILE]);
  } else if (id !== "already-equal") {
    editor.delete("releases", [copy.pin]);
  }
  fs.writeFileSync(copy.stackFile, editor.text());
}

/** The backup changed after it was written: with its digest recomputed (tampered) or not (edited). */
function tamper(file: string, recompute: boolean): void {
  const backup = JSON.parse(fs.readFileSync(file, "utf8")) as Parameters<
    typeof releaseDigest
  >[0] & {
    digest: string;
  };
  const bot = backup.services.bot;
  bot.env = { ...bot.env, TAMPERED: "yes" };
  if (recompute) backup.digest = releaseDigest(backup);
  fs.writeFileSync(file, JSON.stringify(backup, null, 2));
}

function liveDigest(copy: StackCopy, stack: string): string | undefined {
  try {
    const config = validateStackConfig(readStackSource(copy.root, stack).values, new Date());
    const release = config.releases[copy.pin];
    return release ? releaseDigest(release) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The configuration round trip on a copy of a stack file: the real program planned offline
 * declares each pinned release's backup step, the drill runs it as the target would, damages the
 * live release in the stack file (an env value, a file entry, the whole release), restores it
 * with `aitb restore config`, and checks that the release's digest is the one aitb:releaseHistory
 * recorded; a backup changed after it was written must be refused with the file left as it was.
 */
export async function runConfigDrill(options: ConfigDrillOptions): Promise<ConfigDrillReport> {
  requireInteger("--rounds", options.rounds, 1, 50);
  const log = options.log ?? (() => undefined);
  const config = stackConfig(options.stack);
  if (config.target === "azure") {
    throw new DrillOptionError(
      `--stack ${options.stack} runs on azure, whose backup is a blob the drill cannot write here; use a docker or loopback stack (--stack dev or --stack loopback)`,
    );
  }
  const measuredOn = machine();
  return withCleanup(
    async (cleanup) => {
      const folder = cleanup.folder("aitb-drill-config-");
      const now = new Date();
      // A copy in the drill's folder: the project's stack file is never written.
      const copy = copyStack(folder, options.stack, now);
      log(`copy of ${options.stack} in ${folder}; live release ${copy.pin}`);

      const planStarted = performance.now();
      const plan = await planStack({ source: readStackSource(copy.root, options.stack), now });
      const planMs = round1(performance.now() - planStarted);
      const steps = plan.resources.filter((r) => r.name.startsWith("config-backup-"));
      const backups: ConfigDrillReport["backups"] = [];
      for (const step of steps) {
        const release = step.name.replace("config-backup-", "");
        const started = performance.now();
        await runBackupStep(step.type, step.inputs);
        const file = path.join(copy.backupRoot, release, "config.json");
        backups.push({
          release,
          ms: round1(performance.now() - started),
          bytes: fs.statSync(file).size,
          file,
        });
      }
      log(
        `backups written by the ${config.target} step: ${backups.map((b) => b.release).join(", ")}`,
      );
      const secrets = Object.values(secretPlaceholders(plan.project));
      const backupsFreeOfSecrets = backups.every((b) => {
        const text = fs.readFileSync(b.file, "utf8");
        return secrets.every((secret) => !text.includes(secret));
      });

      const backupFile = path.join(copy.backupRoot, copy.pin, "config.json");
      const intact = fs.readFileSync(backupFile, "utf8");
      const io: CommandIo = {
        root: copy.root,
        out: () => undefined,
        err: () => undefined,
        interactive: false,
      };
      const cases: CaseOutcome[] = [];
      for (const id of CASES) {
        const exits: number[] = [];
        const times: number[] = [];
        let ok = true;
        let digestAfter: string | undefined;
        for (let i = 0; i < options.rounds; i++) {
          const refusal = id === "tampered-backup" || id === "edited-backup";
          damage(copy, refusal ? "release-deleted" : id);
          if (refusal) tamper(backupFile, id === "tampered-backup");
          const before = fs.readFileSync(copy.stackFile, "utf8");
          const started = performance.now();
          const exit = await runRestoreConfig(
            { stack: options.stack, release: copy.pin, dryRun: id === "dry-run", now },
            io,
          );
          times.push(performance.now() - started);
          exits.push(exit);
          digestAfter = liveDigest(copy, options.stack);
          const unchanged = fs.readFileSync(copy.stackFile, "utf8") === before;
          const expectedExit = refusal ? 1 : 0;
          const restored = digestAfter === copy.recorded;
          const expected =
            id === "already-equal"
              ? unchanged && restored
              : refusal || id === "dry-run"
                ? unchanged
                : restored;
          ok &&= exit === expectedExit && expected;
          fs.writeFileSync(backupFile, intact);
        }
        const outcome: CaseOutcome = {
          id,
          exits,
          expectedExit: id === "tampered-backup" || id === "edited-backup" ? 1 : 0,
          restoreMs: { p50: round1(median(times)), max: round1(Math.max(...times)) },
          digestAfter,
          ok,
        };
        log(`${id}: exit ${exits.join(",")}, ${outcome.restoreMs.p50} ms, ${ok ? "ok" : "FAILED"}`);
        cases.push(outcome);
      }
      const byId = (id: CaseId) => cases.find((c) => c.id === id)?.ok === true;
      return {
        drill: "config",
        machine: measuredOn,
        stack: options.stack,
        target: config.target,
        options: withoutHooks(options),
        release: copy.pin,
        recorded: copy.recorded,
        planMs,
        backups,
        backupsFreeOfSecrets,
        cases,
        targets: {
          restoredToRecordedDigest: ["env-value-changed", "file-entry-deleted", "release-deleted"]
            .map((id) => byId(id as CaseId))
            .every(Boolean),
          tamperedRefused: byId("tampered-backup") && byId("edited-backup"),
          noSecrets: backupsFreeOfSecrets,
        },
      };
    },
    { started: options.started, log },
  );
}
