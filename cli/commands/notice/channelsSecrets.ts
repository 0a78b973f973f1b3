/**
 * The channels' secrets: the environment override AITB_NOTIFY_SECRET_<CHANNEL> (CI, tests, drills)
 * or the stack's `secure:` value `aitb-notify:<channel>`, decrypted by `pulumi config get --stack
 * <s> <key>` (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_get/). Each value joins
 * the output mask before anything can print it.
 */
import {
  channelSecretEnv,
  channelSecretKey,
  needsSecret,
  type ChannelConfig,
} from "../../../config/notifications";
import { outputMask } from "../../../contract/secrets";
import { InputError, type InputIssue } from "../../exitCodes";
import { findPulumi, runPulumiRead } from "../../shared/pulumiCli";

const READ_TIMEOUT_MS = 20_000;

export async function channelSecrets(
  stack: string,
  channels: Record<string, ChannelConfig>,
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, string | undefined>> {
  const secrets: Record<string, string | undefined> = {};
  const issues: InputIssue[] = [];
  const pulumi = findPulumi(env);
  for (const [id, channel] of Object.entries(channels)) {
    if (!needsSecret(channel)) continue;
    const fix = `pulumi config set --secret --stack ${stack} ${channelSecretKey(id)} <value>, or set ${channelSecretEnv(id)}`;
    const fromEnv = env[channelSecretEnv(id)];
    if (fromEnv) {
      secrets[id] = fromEnv;
      continue;
    }
    if (!pulumi) {
      issues.push({
        key: channelSecretKey(id),
        message: `no value (no Pulumi CLI on PATH to read it); ${fix}`,
      });
      continue;
    }
    const read = await runPulumiRead(
      pulumi,
      ["config", "get", "--stack", stack, channelSecretKey(id)],
      { cwd: root, env, timeoutMs: READ_TIMEOUT_MS },
    );
    const value = read.ok ? read.stdout.replace(/\r?\n$/, "") : "";
    if (!value) {
      issues.push({
        key: channelSecretKey(id),
        message: `no value for stack ${stack}${read.ok ? "" : ` (${read.why})`}; ${fix}`,
      });
      continue;
    }
    secrets[id] = value;
  }
  outputMask.addValues(Object.values(secrets).filter((value): value is string => !!value));
  if (issues.length > 0) throw new InputError("notice", issues);
  return secrets;
}
