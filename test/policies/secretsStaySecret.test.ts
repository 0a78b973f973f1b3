import { SECRET_MASK } from "../../contract/secrets";
import {
  credentialsIn,
  SECRETS_STAY_SECRET,
  secretsStaySecret,
} from "../../policies/secretsStaySecret";
import { stackFactsFromEngine } from "../../policies/stackFacts";
import { azureService, dockerService, messagesOf, resource, violationsOf } from "./fixtures";

/** As `aitb plan` runs it: secrets arrive masked, no secret values are needed. */
const planPolicy = secretsStaySecret({ stack: () => ({ secretValues: [] }) });

const DB_PASSWORD = "s3cret-db-password";
const API_KEY = "exchange-key-0123456789";
/** As `pulumi preview` runs it: secrets arrive decrypted; the stack config names their values. */
const enginePolicy = secretsStaySecret({
  stack: () =>
    stackFactsFromEngine({
      PULUMI_CONFIG: JSON.stringify({
        "aitb:environment": "prod",
        "aitb:dbPassword": DB_PASSWORD,
        "aitb:exchangeApiKey": API_KEY,
      }),
    }),
});

describe("secrets-stay-secret", () => {
  describe("as aitb plan sees inputs (secrets masked)", () => {
    test("pass: secret env entries masked, plain ones harmless", async () => {
      const bot = dockerService("blue", "bot", { env: { STRATEGY: "v8" } });
      (bot.inputs.envs as string[]).push(SECRET_MASK, SECRET_MASK);
      expect(await messagesOf(planPolicy, [bot])).toEqual([]);
    });

    test("deny: an API key written in a service's env", async () => {
      const bot = dockerService("blue", "bot", { env: { EXCHANGE_API_KEY: "abc123" } });
      const violations = await violationsOf(planPolicy, [bot]);
      expect(violations).toEqual([
        expect.objectContaining({ policy: SECRETS_STAY_SECRET, level: "mandatory", urn: bot.urn }),
      ]);
      expect(violations[0].message).toContain("envs.0: EXCHANGE_API_KEY is a plain value");
      expect(violations[0].message).not.toContain("abc123");
    });

    test("deny: a database URL with a plain password", async () => {
      const webapp = azureService("blue", "webapp", {
        env: { DATABASE_URL: "postgres://aitb:hunter22@db:5432/aitb" },
      });
      const [message] = await messagesOf(planPolicy, [webapp]);
      expect(message).toContain("template.containers.0.env.0.value: URL password is a plain value");
    });

    test("pass: a Container App env that references a Container Apps secret", async () => {
      const bot = azureService("blue", "bot");
      const template = bot.inputs.template as { containers: { env: unknown[] }[] };
      template.containers[0].env.push({ name: "EXCHANGE_API_KEY", secretRef: "exchange-api-key" });
      const configuration = bot.inputs.configuration as { secrets: unknown[] };
      configuration.secrets.push(
        { name: "exchange-api-key", keyVaultUrl: "https://v.vault.azure.net/secrets/x" },
        { name: "file-risk-yaml-1a2b3c4d", value: "max_position_usd: 250000" },
      );
      expect(await messagesOf(planPolicy, [bot])).toEqual([]);
    });

    test("deny: a Container Apps secret holding a plain token", async () => {
      const bot = azureService("blue", "bot");
      const configuration = bot.inputs.configuration as { secrets: unknown[] };
      configuration.secrets.push({ name: "notifier-token", value: "xoxb-123" });
      const [message] = await messagesOf(planPolicy, [bot]);
      expect(message).toContain("configuration.secrets.0.value: notifier-token is a plain value");
    });

    test("deny: a password property given as plain text", async () => {
      const server = resource("azure-native:dbforpostgresql:Server", "postgres", {
        administratorLogin: "aitb",
        administratorLoginPassword: "plain-password",
      });
      const [message] = await messagesOf(planPolicy, [server]);
      expect(message).toContain("administratorLoginPassword");
    });

    test("pass: the same property as a secret, and settings named like credentials", async () => {
      const server = resource("azure-native:dbforpostgresql:Server", "postgres", {
        administratorLoginPassword: SECRET_MASK,
        authConfig: { passwordAuth: "Enabled" },
      });
      expect(await messagesOf(planPolicy, [server])).toEqual([]);
    });

    test("deny: a token inside a command's script; pass: one read from the environment", async () => {
      const leaky = resource("command:local:Command", "notify", {
        create: "SLACK_TOKEN=xoxb-999 curl https://hooks.example/send",
      });
      const careful = resource("command:local:Command", "notify", {
        create: 'SLACK_TOKEN="$SLACK_TOKEN" curl https://hooks.example/send',
      });
      expect(await messagesOf(planPolicy, [leaky])).toHaveLength(1);
      expect(await messagesOf(planPolicy, [careful])).toEqual([]);
    });
  });

  describe("as pulumi preview sees inputs (secrets decrypted)", () => {
    test("pass: credentials built from the secret config keys", async () => {
      const postgres = resource("docker:index/container:Container", "postgres", {
        envs: ["POSTGRES_USER=aitb", `POSTGRES_PASSWORD=${DB_PASSWORD}`],
      });
      const bot = dockerService("blue", "bot", {
        env: {
          DATABASE_URL: `postgres://aitb:${DB_PASSWORD}@postgres:5432/aitb`,
          EXCHANGE_API_KEY: API_KEY,
        },
      });
      expect(await messagesOf(enginePolicy, [postgres, bot])).toEqual([]);
    });

    test("deny: a credential that is not a secret config value", async () => {
      const bot = dockerService("blue", "bot", { env: { EXCHANGE_API_KEY: "typed-into-yaml" } });
      expect(await messagesOf(enginePolicy, [bot])).toHaveLength(1);
    });

    test("engine facts: secret values shorter than 6 characters are ignored", () => {
      const facts = stackFactsFromEngine({
        PULUMI_CONFIG: JSON.stringify({ "aitb:dbPassword": "abc", "aitb:environment": "dev" }),
      });
      expect(facts).toEqual({ secretValues: [] });
      expect(stackFactsFromEngine({})).toEqual({ secretValues: [] });
    });
  });

  test("credential names are compared without case, '_' or '-'; custom endings apply", () => {
    const found = credentialsIn(
      { env: ["Github_Token=abc", "MODEL=m-43"], db: { "admin-pwd": "x" } },
      ["token", "pwd"],
    );
    expect(found.map((f) => `${f.path} ${f.name}`)).toEqual([
      "env.0 Github_Token",
      "db.admin-pwd admin-pwd",
    ]);
  });
});
