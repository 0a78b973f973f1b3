import { PROTECT_DATA, protectData } from "../../policies/protectData";
import { azureTags, dockerLabels, messagesOf, resource, violationsOf } from "./fixtures";

const policy = protectData();
const KEEP = { protect: true, retainOnDelete: true };

const volume = (options = KEEP) =>
  resource(
    "docker:index/volume:Volume",
    "postgres-data",
    { name: "aitb-dev-pgdata", labels: dockerLabels("database-volume") },
    options,
  );
const container = (options = KEEP) =>
  resource(
    "docker:index/container:Container",
    "postgres",
    { image: "postgres:15.8", labels: dockerLabels("database") },
    options,
  );
const server = (options = KEEP, tags: Record<string, string> | undefined = azureTags("database")) =>
  resource("azure-native:dbforpostgresql:Server", "postgres", { serverName: "pg", tags }, options);
const account = (options = KEEP) =>
  resource(
    "azure-native:storage:StorageAccount",
    "storage",
    { accountName: "aitbprod", tags: azureTags("backup") },
    options,
  );

describe("protect-data", () => {
  test("pass: Docker database volume protected and retained, container as it is", async () => {
    expect(await messagesOf(policy, [volume(), container()])).toEqual([]);
  });

  test("deny: an unprotected database volume", async () => {
    const violations = await violationsOf(policy, [volume({ ...KEEP, protect: false })]);
    expect(violations).toEqual([
      expect.objectContaining({
        policy: PROTECT_DATA,
        level: "mandatory",
        urn: expect.stringContaining("postgres-data"),
        message: expect.stringContaining("postgres-data (database volume) is not protected"),
      }),
    ]);
  });

  test("deny: a color's log volume that is not protected (the logs outlive the container)", async () => {
    const logs = resource(
      "docker:index/volume:Volume",
      "logs-green",
      { name: "aitb-dev-green-logs", labels: dockerLabels("log-store") },
      { ...KEEP, protect: false },
    );
    const [message] = await messagesOf(policy, [logs]);
    expect(message).toContain("logs-green (log store) is not protected");
  });

  test("pass: the Docker container around the database, unprotected: its volume holds the data", async () => {
    expect(
      await messagesOf(policy, [volume(), container({ protect: false, retainOnDelete: false })]),
    ).toEqual([]);
  });

  test("pass: Azure server and backup storage account, protected and retained", async () => {
    expect(await messagesOf(policy, [server(), account()])).toEqual([]);
  });

  test("deny: an Azure PostgreSQL server is a database even without tags", async () => {
    const [message] = await messagesOf(policy, [server({ ...KEEP, protect: false }, undefined)]);
    expect(message).toContain("postgres (database) is not protected");
  });

  test("deny: unprotected backup storage", async () => {
    const [message] = await messagesOf(policy, [
      account({ protect: false, retainOnDelete: false }),
    ]);
    expect(message).toContain("storage (backup storage) is not protected");
  });

  test("pass: backup and forensic-copy commands hold no data themselves", async () => {
    const backup = resource("command:local:Command", "pre-switch-snapshot", {
      environment: { AITB_ROLE: "backup" },
    });
    const forensic = resource("command:local:Command", "forensic-copy", {
      environment: { AITB_ROLE: "forensic-copy" },
    });
    expect(await messagesOf(policy, [backup, forensic])).toEqual([]);
  });

  test("pass: services are not data", async () => {
    const app = resource("docker:index/container:Container", "bot-blue", {
      labels: dockerLabels("service"),
    });
    expect(await messagesOf(policy, [app])).toEqual([]);
  });

  test("engine path: without retainOnDelete in opts (as @pulumi/policy 1.21 passes them), protect is still checked", async () => {
    const validate = policy.validateResource;
    if (!validate || Array.isArray(validate)) throw new Error("one validation expected");
    const reported: string[] = [];
    const opts = {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    };
    const args = {
      type: "docker:index/volume:Volume",
      name: "postgres-data",
      urn: "urn:pulumi:dev::aitb::docker:index/volume:Volume::postgres-data",
      props: { labels: dockerLabels("database-volume") },
      opts,
      stackTags: new Map<string, string>(),
      isType: () => false,
      asType: () => undefined,
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (): never => {
        throw new Error("not applicable");
      },
    };
    await validate(args, (message) => reported.push(message));
    expect(reported).toEqual([expect.stringContaining("is not protected")]);
    reported.length = 0;
    await validate({ ...args, opts: { ...opts, protect: true } }, (m) => reported.push(m));
    expect(reported).toEqual([]);
  });
});
