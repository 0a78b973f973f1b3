/**
 * What a policy knows about the stack beyond the resources: the values of its secret config keys.
 * Under `pulumi preview` the engine starts the pack with `PULUMI_CONFIG` (the stack's config as
 * JSON, secrets decrypted); `aitb plan` passes the same facts from the plan. Nothing here decides
 * which rules apply: a stack's environment is the pack's map's (policies/rules.ts), not the
 * stack config's.
 */
import { SECRET_KEYS } from "../config/schema";
import { NAMESPACE } from "../config/validate";

export interface StackFacts {
  /** Values of the secret config keys: an input that contains one was built from a secret. */
  secretValues: string[];
}

export type StackFactsSource = () => StackFacts;

/** Secret values shorter than this are ignored: they would match inside ordinary text. */
const MIN_SECRET_LENGTH = 6;

export function stackFactsFromEngine(env: NodeJS.ProcessEnv = process.env): StackFacts {
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(env.PULUMI_CONFIG ?? "{}");
    if (parsed && typeof parsed === "object") config = parsed as Record<string, unknown>;
  } catch {
    config = {};
  }
  return {
    secretValues: SECRET_KEYS.map((key) => config[`${NAMESPACE}:${key}`]).filter(
      (value): value is string => typeof value === "string" && value.length >= MIN_SECRET_LENGTH,
    ),
  };
}
