/**
 * What `aitb up` does for the incident once the update and its verification are over, passed or
 * failed: append what it observed to the incident log (the report's source), send the first stage
 * of the stakeholder schedule when the stack is configured to, and, when it failed, print the
 * emergency contacts. A notice that cannot be sent never changes the update's exit code.
 */
import type { ParsedStackConfig } from "../../../config/schema";
import type { DeployedState } from "../../../domain/deployed";
import type { IncidentLogEntry } from "../../../domain/incidentReport";
import { planStack } from "../../engine/plan";
import { readStackSource } from "../../engine/stackFiles";
import { InputError } from "../../exitCodes";
import type { CommandIo } from "../../shared/io";
import { appendIncidentLog } from "../report/incidentLog";
import type { Verification } from "../verify";
import { renderContacts } from "./channelsContacts";
import { buildNotice } from "./notice";
import { incidentId, isConfiguredFor, notificationsOf, renderOutcomes, sendStage } from "./send";
import { stageMessage } from "./sendMessage";

export interface AfterUp {
  stack: string;
  config: ParsedStackConfig;
  applied: boolean;
  /** Why the update failed, when it did. */
  failure?: string;
  verification?: Verification;
  /** The stack's non-secret outputs after the update. */
  outputs?: Record<string, unknown>;
  before?: DeployedState;
  env?: NodeJS.ProcessEnv;
  /** The Notice stage's channel bound (tests). */
  channelTimeoutMs?: number;
  /** Send the first stage (default true); the revert's second update only logs. */
  send?: boolean;
}

function verificationEntry(at: string, verification: Verification): IncidentLogEntry {
  return {
    at,
    kind: "verification",
    passed: verification.passed,
    checks: verification.results.length,
    failed: verification.results.filter((r) => !r.ok).map((r) => `${r.name} (${r.detail})`),
  };
}

/** Returns whether the notice went out to every channel (undefined: nothing was to be sent). */
export async function afterUp(run: AfterUp, io: CommandIo): Promise<boolean | undefined> {
  const now = io.clock?.() ?? new Date();
  const at = now.toISOString();
  const passed = run.applied && run.verification?.passed === true;
  let incident: string | undefined;
  try {
    incident = incidentId(run.config.change.incident);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.err(
      `No incident log or notice: ${error.issues.map((i) => `${i.key} ${i.message}`).join("; ")}\n`,
    );
  }
  if (incident) {
    try {
      appendIncidentLog(io.root, run.stack, incident, {
        at,
        kind: "update",
        ok: run.applied,
        detail: run.applied ? "applied" : (run.failure ?? "failed"),
      });
      if (run.verification) {
        appendIncidentLog(io.root, run.stack, incident, verificationEntry(at, run.verification));
      }
      if (run.outputs) {
        appendIncidentLog(io.root, run.stack, incident, {
          at,
          kind: "outputs",
          outputs: run.outputs,
        });
      }
    } catch (error) {
      // The log is for the report; failing to write it must not change what the update did.
      io.err(`The incident log could not be written: ${(error as Error).message}\n`);
    }
  }
  let sent: boolean | undefined;
  try {
    const notifications = notificationsOf(io.root);
    const settings = notifications?.stacks[run.stack];
    if (
      run.send !== false &&
      incident &&
      isConfiguredFor(notifications, run.stack) &&
      settings?.sendOnUp
    ) {
      const plan =
        run.verification?.plan ??
        (await planStack({ source: readStackSource(io.root, run.stack), now }));
      const notice = buildNotice({
        plan,
        config: run.config,
        previous: run.before
          ? { color: run.before.activeColor, release: run.before.releases[run.before.activeColor] }
          : undefined,
        verification: run.verification?.results,
        now,
      });
      const message = stageMessage("now", notice, {
        root: io.root,
        stack: run.stack,
        incident,
        now,
      });
      const outcomes = await sendStage(
        {
          stack: run.stack,
          stage: "now",
          incident,
          ...message,
          env: run.env,
          channelTimeoutMs: run.channelTimeoutMs,
        },
        io,
      );
      io.err(renderOutcomes("now", outcomes));
      sent = outcomes.every((outcome) => outcome.status !== "failed");
    }
  } catch (error) {
    // Whatever kept the notice from going out is said, and the update's exit code stays its own.
    io.err(`The notice was not sent:\n${error instanceof Error ? error.message : String(error)}\n`);
    sent = false;
  }
  if (!passed) io.err(renderContacts(notificationsOfQuiet(io.root)));
  return sent;
}

function notificationsOfQuiet(root: string) {
  try {
    return notificationsOf(root);
  } catch {
    return undefined;
  }
}
