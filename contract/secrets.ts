/**
 * What counts as a secret, for every output the product writes (plan, diff, notice, rollback, the
 * pull-request comment): a value is masked when it is a stack secret, when it sits under a name
 * that says credential (`DB_PASS`, `AUTHORIZATION`, `api_key`, ...), when it has the shape of one
 * (a bearer token, a password in a URL, a private key), or when secretlint's recommended preset
 * recognises it (cloud keys, GitHub, Slack, npm tokens, ...). Masking is by value: once a value is
 * known to be secret, every occurrence of it is replaced, wherever the output puts it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";

/** How every output shows a secret; the same text the engine prints without --show-secrets. */
export const SECRET_MASK = "[secret]";

/**
 * Names that mark a value as a credential: an env key, a config key or a file name whose name
 * (compared without case, "_", "-" or ".") ends in one of these: `DB_PASS`, `PGPASSWORD`,
 * `AUTHORIZATION`, `api-key`, `exchange.secret`. Endings, not words: `secretName`, `secretRef`
 * and `passwordAuth` name where a secret is, not the secret. The secrets-stay-secret policy takes
 * this list as its default (a pack setting).
 */
export const CREDENTIAL_NAME_ENDINGS: readonly string[] = [
  "password",
  "passwd",
  "passphrase",
  "pass",
  "pwd",
  "secret",
  "secretkey",
  "clientsecret",
  "apikey",
  "token",
  "accesskey",
  "privatekey",
  "signingkey",
  "credential",
  "credentials",
  "connectionstring",
  "authorization",
  "cookie",
  "webhookurl",
];

/** Whether a key (an env name, a config key, a file name) says it holds a credential. */
export function isCredentialName(
  name: string,
  endings: readonly string[] = CREDENTIAL_NAME_ENDINGS,
): boolean {
  const whole = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return endings.some((ending) => whole.endsWith(ending));
}

/** Shapes of credentials in free text, masked wherever they appear (the secret part only). */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  // An HTTP authorization value: `Bearer <token>`, `Basic <base64>`, `token <value>`.
  /\b(?:Bearer|Basic|Token|Digest)\s+([A-Za-z0-9._~+/=-]{8,})/g,
  // A password in a URL's user info: scheme://user:<password>@host.
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]+:([^\s@/'"]+)@/gi,
  // Key=value credentials in connection strings (Azure AccountKey, SharedAccessSignature, Password).
  /\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|sig)=([^;&\s'"]{6,})/gi,
  // A PEM private key, whole.
  /(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)/g,
];

/** The credential-shaped substrings of a text (the secret part of each match). */
export function credentialShapes(text: string): string[] {
  const found: string[] = [];
  for (const shape of CREDENTIAL_SHAPES) {
    for (const match of text.matchAll(shape)) {
      const secret = match[1];
      if (secret && secret !== SECRET_MASK && !secret.startsWith("$")) found.push(secret);
    }
  }
  return found;
}

/**
 * secretlint's recommended preset (`@secretlint/core` 12.0.0, the last release for Node.js 20),
 * run in a child Node.js process: the packages are ES modules, which Node.js loads with
 * `require` but the test runner's module system does not. Input on stdin: a JSON array of texts;
 * output: a JSON array of the secrets found.
 */
const SCAN_SCRIPT = String.raw`
const { lintSource } = require(process.env.AITB_SECRETLINT_CORE);
const { creator } = require(process.env.AITB_SECRETLINT_PRESET);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const found = [];
  for (const content of JSON.parse(input)) {
    const result = await lintSource({
      source: { content, filePath: "/aitb/stack.yaml", ext: ".yaml", contentType: "text" },
      options: { config: { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: creator }] } },
    });
    for (const message of result.messages) found.push(content.slice(message.range[0], message.range[1]));
  }
  process.stdout.write(JSON.stringify(found));
});
`;

const scanned = new Map<string, string[]>();

/** What secretlint's recommended preset finds in each text (cached by content). */
export function scanForSecrets(texts: readonly string[]): string[] {
  const key = (text: string) => createHash("sha256").update(text).digest("hex");
  const pending = [...new Set(texts)].filter((text) => text && !scanned.has(key(text)));
  if (pending.length > 0) {
    const result = spawnSync(process.execPath, ["-e", SCAN_SCRIPT], {
      input: JSON.stringify(pending),
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        AITB_SECRETLINT_CORE: require.resolve("@secretlint/core"),
        AITB_SECRETLINT_PRESET: require.resolve("@secretlint/secretlint-rule-preset-recommend"),
      },
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (result.status !== 0) {
      // Refuse to print rather than print unscanned: the caller's output would carry the secret.
      throw new Error(
        `the secret scanner (secretlint) failed: ${(result.stderr || result.error?.message || "no output").trim().split("\n")[0]}`,
      );
    }
    const found = JSON.parse(result.stdout) as string[];
    // One scan covers the batch; each text keeps what was found in it.
    for (const text of pending)
      scanned.set(
        key(text),
        found.filter((s) => text.includes(s)),
      );
  }
  return texts.flatMap((text) => scanned.get(key(text)) ?? []);
}

/**
 * Whether a value could be a secret: not empty or short, a flag or a number (masking those by
 * value would mask ordinary words and numbers; refusing them would refuse `TOKEN_TTL: "60"`).
 */
export function couldBeSecret(value: string): boolean {
  const trimmed = value.trim();
  return (
    trimmed.length >= 6 &&
    trimmed !== SECRET_MASK &&
    !/^(true|false|null|yes|no|on|off|\d+(\.\d+)?)$/i.test(trimmed)
  );
}

/** Every string under a credential-looking key, at any depth of a config value. */
export function credentialValues(value: unknown, underCredential = false): string[] {
  if (typeof value === "string") return underCredential ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => credentialValues(item, underCredential));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) =>
      credentialValues(item, underCredential || isCredentialName(key)),
    );
  }
  return [];
}

/** `secure:` values of a stack file (ciphertext: not secret in itself, but never worth printing). */
export function secureValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secureValues);
  if (value && typeof value === "object") {
    const secure = (value as Record<string, unknown>).secure;
    if (typeof secure === "string" && Object.keys(value).length === 1) return [secure];
    return Object.values(value).flatMap(secureValues);
  }
  return [];
}

/**
 * The values one output must not show, and the masking of a text by them: every known secret
 * value (longest first, so a value that contains another is masked whole), then every
 * credential shape in the text itself.
 */
export class SecretMask {
  private readonly values = new Set<string>();
  /** Source texts not scanned yet; a text read again (the same stack file) is scanned once. */
  private readonly pending = new Set<string>();
  private readonly seen = new Set<string>();
  /** Each secret and its JSON-escaped form, longest first; rebuilt when something is added. */
  private ordered: string[] | undefined;

  /** Values known to be secret (a stack secret, a value under a credential name). */
  addValues(values: Iterable<string>): this {
    for (const value of values) {
      if (couldBeSecret(value) && !this.values.has(value)) {
        this.values.add(value);
        this.ordered = undefined;
      }
    }
    return this;
  }

  /** A source text (a stack file, the rules file): what the scanner finds in it becomes secret. */
  addSource(text: string): this {
    if (!this.seen.has(text)) {
      this.seen.add(text);
      this.pending.add(text);
      this.ordered = undefined;
    }
    return this;
  }

  private secrets(): string[] {
    if (this.pending.size > 0) {
      const texts = [...this.pending];
      this.pending.clear();
      this.addValues(scanForSecrets(texts));
      this.addValues(texts.flatMap(credentialShapes));
    }
    if (!this.ordered) {
      // Also inside a JSON or YAML string, where quotes and newlines come escaped.
      const forms = [...this.values].flatMap((secret) => {
        const escaped = JSON.stringify(secret).slice(1, -1);
        return escaped === secret ? [secret] : [secret, escaped];
      });
      this.ordered = forms.sort((a, b) => b.length - a.length);
    }
    return this.ordered;
  }

  mask(text: string): string {
    let masked = text;
    for (const secret of this.secrets()) masked = masked.split(secret).join(SECRET_MASK);
    for (const shape of credentialShapes(masked)) masked = masked.split(shape).join(SECRET_MASK);
    return masked;
  }
}

/**
 * The mask of this process's outputs: every stack file, base and rules file a command reads
 * registers here (cli/engine/stackFiles.ts), and every command writes through it
 * (cli/shared/io.ts), so no output path can forget it.
 */
export const outputMask = new SecretMask();
