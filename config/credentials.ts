/**
 * A credential in plain text in a stack file is in git, in every clone and in every review of the
 * file; the stack refuses it and says how to keep it as a stack secret instead. Looked at: every
 * service env (per stack and per release) and every release's config files, by name (a key such as
 * `DB_PASS` or `AUTHORIZATION`), by shape (`Bearer …`, a password in a URL) and by secretlint's
 * recommended preset.
 */
import {
  couldBeSecret,
  credentialShapes,
  isCredentialName,
  scanForSecrets,
} from "../contract/secrets";
import { SERVICE_NAMES } from "../domain/services";
import type { ConfigIssue } from "./errors";
import type { ParsedStackConfig } from "./schema";

const NAMESPACE = "aitb";

/** `name: value` and `name=value` lines of a config file whose name says credential. */
function credentialLines(content: string): string[] {
  const found: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    const match = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^"'\s#;][^"'#;]*)/.exec(line);
    if (match && isCredentialName(match[1]) && couldBeSecret(match[2])) found.push(match[1]);
  }
  return found;
}

const FIX =
  "a credential in plain text (it would be in git and in every review); remove it and keep it " +
  "as a stack secret: pulumi config set --secret <key> <value> (the database password is " +
  "aitb:dbPassword, the exchange key aitb:exchangeApiKey; docs/service-contract.md)";

interface Place {
  key: string;
  env: Record<string, string>;
  files: Record<string, string>;
}

function placesOf(config: ParsedStackConfig): Place[] {
  const places: Place[] = [];
  for (const service of SERVICE_NAMES) {
    const env = config.services?.[service]?.env;
    if (env) places.push({ key: `${NAMESPACE}:services.${service}`, env, files: {} });
  }
  for (const [pin, release] of Object.entries(config.releases)) {
    for (const service of SERVICE_NAMES) {
      const settings = release.services[service];
      places.push({
        key: `${NAMESPACE}:releases.${pin}.services.${service}`,
        env: settings.env,
        files: settings.files,
      });
    }
  }
  return places;
}

/** One issue per env entry or file that holds a plain-text credential (the value never shown). */
export function plainCredentialIssues(config: ParsedStackConfig): ConfigIssue[] {
  const places = placesOf(config);
  const texts = places.flatMap((place) => [
    ...Object.values(place.env),
    ...Object.values(place.files),
  ]);
  const scanned = new Set(scanForSecrets(texts));
  const holdsSecret = (text: string): boolean =>
    credentialShapes(text).length > 0 || [...scanned].some((secret) => text.includes(secret));
  const issues: ConfigIssue[] = [];
  for (const place of places) {
    for (const [name, value] of Object.entries(place.env)) {
      if ((isCredentialName(name) && couldBeSecret(value)) || holdsSecret(value)) {
        issues.push({ key: `${place.key}.env.${name}`, message: `is ${FIX}` });
      }
    }
    for (const [file, content] of Object.entries(place.files)) {
      const lines = credentialLines(content);
      if (lines.length > 0 || holdsSecret(content)) {
        const what = lines.length > 0 ? ` (${lines.join(", ")})` : "";
        issues.push({ key: `${place.key}.files.${file}`, message: `holds${what} ${FIX}` });
      }
    }
  }
  return issues;
}
