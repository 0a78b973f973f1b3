/**
 * Hostile changes that try to put a credential where people read it: in a service's env, a
 * release's env or config file, or the change record's free text. A plain-text credential is
 * refused (exit 2) with the key and the `pulumi config set --secret` fix, and no output of the
 * command line (plan text and JSON, diff text, markdown and JSON, the notice) shows the value.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { credentialShapes, SecretMask, scanForSecrets } from "../../contract/secrets";
import { runCli, type CliRun } from "../support/cli";
import { ROOT } from "../support/stacks";
import { removeTempFiles, tempFile } from "../support/tempFiles";

/** A Saturday: the market-hours rule has nothing to say, so only the credential rules speak. */
const WEEKEND = "2026-12-05T15:00:00Z";
const PROD = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
/** Shaped like a GitHub token and a Slack token (secretlint's recommended preset knows both). */
const GITHUB_TOKEN = "ghp_" + "Zq3vLw8XbN2mKp7RtY4sUe6HcJ9dFa1GiO5n";
const SLACK_TOKEN = ["xoxb", "271828182845", "9045235360287", "QmLtRxVbNcZaSdFgHjKlPoIu"].join("-");
const PASSWORD = "Tr4d1ng-Desk-2026!";

/** The shared release catalog (Pulumi.yaml), which a stack file may override whole. */
const CATALOG = (
  parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
    config: { releases: { value: unknown } };
  }
).config.releases.value;

/** The prod stack file with the catalog in it, edited. */
function prodWith(edit: (document: ReturnType<typeof parseDocument>) => void): string {
  const document = parseDocument(PROD);
  document.setIn(["config", "aitb:releases"], document.createNode(CATALOG));
  edit(document);
  return document.toString();
}

const liveBotEnv = ["config", "aitb:releases", "2026.11.3", "services", "bot", "env"];

async function planAndDiff(text: string): Promise<CliRun[]> {
  const file = tempFile("Pulumi.prod.yaml", text);
  const common = ["--stack", "prod", "--config", file, "--now", WEEKEND];
  return [
    await runCli(["plan", ...common, "--base", "Pulumi.prod.yaml", "--format", "json"]),
    await runCli(["plan", ...common, "--base", "Pulumi.prod.yaml"]),
    await runCli(["diff", ...common, "--base", "Pulumi.prod.yaml", "--format", "markdown"]),
    await runCli(["diff", ...common, "--base", "Pulumi.prod.yaml", "--format", "json"]),
    await runCli(["notice", "--stack", "prod", "--config", file]),
  ];
}

function printed(runs: CliRun[]): string {
  return runs.map((run) => run.stdout + run.stderr).join("\n");
}

describe("no secret in any output", () => {
  const originalCwd = process.cwd();
  beforeAll(() => process.chdir(ROOT));
  afterAll(() => {
    process.chdir(originalCwd);
    removeTempFiles();
  });

  test("a DB_PASS in aitb:services.bot.env is refused with the secret fix, and never printed", async () => {
    const runs = await planAndDiff(
      prodWith((doc) => doc.setIn(["config", "aitb:services", "bot", "env", "DB_PASS"], PASSWORD)),
    );
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0].stderr).toContain(
      "aitb:services.bot.env.DB_PASS: is a credential in plain text (it would be in git and in every review); remove it and keep it as a stack secret: pulumi config set --secret",
    );
    expect(printed(runs)).not.toContain(PASSWORD);
  });

  test("AUTHORIZATION: Bearer … in the live release's env is refused, token never printed", async () => {
    const runs = await planAndDiff(
      prodWith((doc) => doc.setIn([...liveBotEnv, "AUTHORIZATION"], `Bearer ${GITHUB_TOKEN}`)),
    );
    expect(runs[0].code).toBe(2);
    expect(runs[0].stderr).toContain(
      "aitb:releases.2026.11.3.services.bot.env.AUTHORIZATION: is a credential in plain text",
    );
    expect(printed(runs)).not.toContain(GITHUB_TOKEN);
  });

  test("a token under an innocent name is found by the scanner and refused", async () => {
    const runs = await planAndDiff(
      prodWith((doc) => doc.setIn([...liveBotEnv, "ALERT_HOOK"], SLACK_TOKEN)),
    );
    expect(runs[0].code).toBe(2);
    expect(runs[0].stderr).toContain(
      "aitb:releases.2026.11.3.services.bot.env.ALERT_HOOK: is a credential",
    );
    expect(printed(runs)).not.toContain(SLACK_TOKEN);
  });

  test("a password line in a release's config file is refused by name", async () => {
    const runs = await planAndDiff(
      prodWith((doc) =>
        doc.setIn(["config", "aitb:releases", "2026.11.3", "services", "bot", "files"], {
          "/etc/aitb/exchange.ini": `[exchange]\nendpoint = https://api.example.com\npassword = ${PASSWORD}\n`,
        }),
      ),
    );
    expect(runs[0].code).toBe(2);
    expect(runs[0].stderr).toContain(
      "aitb:releases.2026.11.3.services.bot.files./etc/aitb/exchange.ini: holds (password) a credential in plain text",
    );
    expect(printed(runs)).not.toContain(PASSWORD);
  });

  test("a token pasted into the change reason is masked in plan, diff and notice", async () => {
    const runs = await planAndDiff(
      prodWith((doc) =>
        doc.setIn(["config", "aitb:change", "reason"], `Rotate the leaked ${GITHUB_TOKEN} key`),
      ),
    );
    const text = printed(runs);
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).toContain("Rotate the leaked [secret] key");
  });

  test("ordinary env passes: versions, strategies and numbers under credential-ish names", async () => {
    const runs = await planAndDiff(
      prodWith((doc) => {
        doc.setIn([...liveBotEnv, "TOKEN_BUCKET_SIZE"], "100");
        doc.setIn([...liveBotEnv, "AUTH_MODE"], "none");
      }),
    );
    // Exit 1 at most (a content change under a live pin is denied), never a config error.
    expect(runs[0].code).not.toBe(2);
    expect(runs[0].stdout).toContain('"name": "TOKEN_BUCKET_SIZE",\n');
    expect(runs[0].stdout).toContain('"value": "100"');
  });

  test("the committed stacks print every value that is not a secret: the mask hides nothing else", async () => {
    for (const stack of ["dev", "staging", "prod", "loopback"]) {
      const run = await runCli(["plan", "--stack", stack, "--format", "json", "--now", WEEKEND]);
      const masked = [...run.stdout.matchAll(/.{0,30}\[secret\].{0,10}/g)].map((m) => m[0]);
      // Only whole secret values: a JSON string that is the mask, never a word inside other text.
      expect(masked.filter((text) => !/"\[secret\]"/.test(text))).toEqual([]);
      expect(run.stdout).toContain("JSON.stringify");
    }
  });
});

describe("the secret mask", () => {
  test("masks known values wherever they appear, JSON-escaped too", () => {
    const mask = new SecretMask().addValues(['pa"ss-word-1', "s3cr3t-value"]);
    expect(mask.mask('a=s3cr3t-value b={"p":"pa\\"ss-word-1"}')).toBe(
      'a=[secret] b={"p":"[secret]"}',
    );
  });

  test("masks credential shapes in any text: bearer tokens, URL passwords, key=value, private keys", () => {
    const mask = new SecretMask();
    expect(mask.mask("Authorization: Bearer abcdefgh12345678")).toBe(
      "Authorization: Bearer [secret]",
    );
    expect(mask.mask("postgres://aitb:hunter2hunter@db:5432/aitb")).toBe(
      "postgres://aitb:[secret]@db:5432/aitb",
    );
    expect(mask.mask("DefaultEndpointsProtocol=https;AccountKey=Zm9vYmFyYmF6cXV4==;")).toBe(
      "DefaultEndpointsProtocol=https;AccountKey=[secret];",
    );
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
    expect(mask.mask(`key: ${pem}`)).toBe("key: [secret]");
    expect(credentialShapes("Bearer $TOKEN and https://host/path")).toEqual([]);
  });

  test("a scanned source makes what secretlint finds in it secret", () => {
    expect(scanForSecrets([`hook: ${SLACK_TOKEN}`, "nothing here"])).toEqual([SLACK_TOKEN]);
    const mask = new SecretMask().addSource(`token: ${GITHUB_TOKEN}`);
    expect(mask.mask(`pushed with ${GITHUB_TOKEN}.`)).toBe("pushed with [secret].");
  });

  test("short values, flags and numbers are not masked by value (they are not secrets)", () => {
    const mask = new SecretMask().addValues(["100", "true", "abc"]);
    expect(mask.mask("100 true abc")).toBe("100 true abc");
  });
});
