/**
 * secrets-stay-secret: no database password, API key or token is a plain value in any resource
 * input, where it would be stored unencrypted in the state and shown in every preview.
 *
 * What a policy can see of secretness differs by path:
 * - `aitb plan` records which inputs are Pulumi secrets and shows each as "[secret]".
 * - Under `pulumi preview`, @pulumi/policy 1.21 hands validations every secret already decrypted
 *   and unmarked (deserializeProperties(..., false); pulumi/pulumi-policy#241), so a secret and a
 *   plain value look alike. The engine does start the pack with the stack's config, secrets
 *   decrypted (PULUMI_CONFIG), so a credential built from a secret config key (aitb:dbPassword,
 *   aitb:exchangeApiKey) contains that key's value; the program only ever reads those keys as
 *   secrets, and Pulumi keeps anything built from a secret secret.
 * So a credential counts as secret when it is masked, or contains the value of a secret key; a
 * credential written anywhere else (plain config, a release's env, a script) is a violation.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { settingsOf, stringListSchema, type PolicyFactoryArgs } from "./factory";
import { isRecord, known } from "../contract/resources";
import { stackFactsFromEngine, type StackFactsSource } from "./stackFacts";
import { CREDENTIAL_NAME_ENDINGS, isCredentialName, SECRET_MASK } from "../contract/secrets";

export const SECRETS_STAY_SECRET = "secrets-stay-secret";

export interface SecretsStaySecretSettings {
  /** Name endings (compared without case, "_" or "-") that mark a value as a credential. */
  credentialNames: string[];
}

const DEFAULTS: SecretsStaySecretSettings = {
  credentialNames: [...CREDENTIAL_NAME_ENDINGS],
};

export interface CredentialFinding {
  /** Dotted input path, e.g. `envs.7` or `template.containers.0.env.2.value`. */
  path: string;
  /** The credential's name: the key, the env variable or "URL password". */
  name: string;
  value: string;
}

const ASSIGNMENT = /(?:^|[\s;&|(])([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|)]*)/g;
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi;

function unquoted(value: string): string {
  return /^(".*"|'.*')$/s.test(value) ? value.slice(1, -1) : value;
}

/** Credentials written inside one string: `NAME=value` assignments and URL passwords. */
function inString(text: string, path: string, endings: readonly string[]): CredentialFinding[] {
  const found: CredentialFinding[] = [];
  for (const match of text.matchAll(ASSIGNMENT)) {
    if (isCredentialName(match[1], endings)) {
      found.push({ path, name: match[1], value: unquoted(match[2]) });
    }
  }
  for (const match of text.matchAll(URL_PASSWORD)) {
    found.push({ path, name: "URL password", value: match[1] });
  }
  return found;
}

/** Every credential-looking value in a resource's inputs. */
export function credentialsIn(
  value: unknown,
  endings: readonly string[],
  path = "",
  name?: string,
): CredentialFinding[] {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === "string") {
    const named = name !== undefined && isCredentialName(name, endings);
    return named ? [{ path, name, value }] : inString(value, path, endings);
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => {
      const element = known(() => item);
      return credentialsIn(element, endings, at(index), undefined);
    });
  }
  if (!isRecord(value)) return [];
  // `{name, value}` pairs (Container App env and secrets) take their name from the pair.
  const pairName = known(() => value.name);
  return Object.keys(value).flatMap((key) => {
    const item = known(() => value[key]);
    const itemName = key === "value" && typeof pairName === "string" ? pairName : key;
    return credentialsIn(item, endings, at(key), itemName);
  });
}

/** A credential value that is a reference to a secret store, not the secret itself. */
function isReference(value: string): boolean {
  return (
    value === "" ||
    value.startsWith("$") ||
    value.startsWith("@Microsoft.KeyVault(") ||
    value.toLowerCase().startsWith("secretref:")
  );
}

export function isSecretValue(value: string, secretValues: readonly string[]): boolean {
  return (
    value === SECRET_MASK ||
    value.includes(SECRET_MASK) ||
    isReference(value) ||
    secretValues.some((secret) => value.includes(secret))
  );
}

export function secretsStaySecret(
  args: PolicyFactoryArgs & Partial<SecretsStaySecretSettings> & { stack?: StackFactsSource } = {},
): ResourceValidationPolicy {
  const facts = args.stack ?? (() => stackFactsFromEngine());
  // The factory's arguments are the policy's defaults; the pack config (getConfig) wins.
  const base = settingsOf(DEFAULTS, { credentialNames: args.credentialNames }, {});
  return {
    name: SECRETS_STAY_SECRET,
    description:
      "No database password, API key or token appears as a plain value in any resource input.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        credentialNames: stringListSchema(
          "Name endings that mark a value as a credential (compared without case, _ or -).",
          base.credentialNames,
        ),
      },
    },
    validateResource: (resource, reportViolation) => {
      const settings = settingsOf(
        base,
        {},
        resource.getConfig<Partial<SecretsStaySecretSettings>>(),
      );
      const { secretValues } = facts();
      for (const finding of credentialsIn(resource.props, settings.credentialNames)) {
        if (isSecretValue(finding.value, secretValues)) continue;
        reportViolation(
          `${resource.name} ${finding.path}: ${finding.name} is a plain value, stored unencrypted ` +
            `in the state; set it with \`pulumi config set --secret\` (aitb:dbPassword, ` +
            `aitb:exchangeApiKey) and pass it as a secret, never in plain config or env`,
        );
      }
    },
  };
}
