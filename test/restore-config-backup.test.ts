/**
 * The configuration backups as each target declares them (the offline plan of the real program):
 * a form `aitb restore config` reads and verifies (stack, pin, the release digest the history
 * records, the time written), the same on Docker and loopback, and free of secrets.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Plan } from "../cli/engine/plan";
import { stepProvider, type StepInputs } from "../components/platform/loopback/runtime/step";
import { readConfigBackup } from "../domain/configBackup";
import { releaseDigest } from "../domain/releaseDigest";
import * as azureStorage from "../components/platform/azure/storage";
import { planOf } from "./support/stacks";
import { PLACEHOLDER } from "./support/loopback";

jest.setTimeout(120_000);

const DIGESTS: Record<string, string> = {
  "2026.11.3": "sha256:05cb52c4d02e328c60023b0339c6ce2194d2236ac55487884eb8747afd7650a7",
  "2026.11.4": "sha256:3799fca7a35eebeef70be81bfeebbc3498c72613e58b5c0aeb8748ba33fcdc61",
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-config-backup-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function backups(plan: Plan) {
  return plan.resources.filter((r) => r.name.startsWith("config-backup-"));
}

function expectNoSecret(text: string): void {
  for (const secret of Object.values(PLACEHOLDER)) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/DATABASE_URL|EXCHANGE_API_KEY|PGPASSWORD/);
}

function expectVerifiable(text: string, stack: string, pin: string): void {
  const { backup, issues } = readConfigBackup(text);
  expect(issues).toEqual([]);
  expect(backup).toMatchObject({ stack, pin, declaredDigest: DIGESTS[pin], legacy: false });
  expect(releaseDigest(backup?.release as Parameters<typeof releaseDigest>[0])).toBe(DIGESTS[pin]);
}

test.each(["loopback", "dev"])(
  "the %s stack writes each pinned release's backup with its step, stamped when it runs",
  async (stack) => {
    const root = path.join(dir, stack);
    const plan = await planOf(stack, {
      backups: { root },
      services: { bot: { env: { LOG_LEVEL: "info" } } },
    });
    const steps = backups(plan);
    expect(steps.map((s) => s.name).sort()).toEqual([
      "config-backup-2026.11.3",
      "config-backup-2026.11.4",
    ]);
    for (const step of steps) {
      const pin = step.name.replace("config-backup-", "");
      const inputs = step.inputs as unknown as StepInputs;
      expectNoSecret(JSON.stringify(inputs));
      // The declared text has no time in it, so an update without a change writes nothing.
      expect(inputs.stdin).not.toContain("writtenAt");
      if (stack === "loopback") {
        const own: Record<string, unknown> = { ...step.inputs };
        delete own.__provider;
        await stepProvider.create(own as unknown as StepInputs);
      } else {
        // @pulumi/command's local Command: /bin/sh -c <create>, stdin on its standard input.
        execFileSync("/bin/sh", ["-c", inputs.create], { input: inputs.stdin });
      }
      const written = fs.readFileSync(path.join(root, pin, "config.json"), "utf8");
      expectVerifiable(written, stack, pin);
      expect(JSON.parse(written)).toMatchObject({
        writtenAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        serviceEnv: { bot: { LOG_LEVEL: "info" } },
      });
      expectNoSecret(written);
    }
  },
);

test("the azure stacks keep the same backup as a blob <pin>/config.json in config-backups", async () => {
  // The blob's text as the adapter hands it over (the offline plan keeps no asset text).
  const uploaded = new Map<string, string>();
  const original = azureStorage.configBackupBlob;
  const spy = jest.spyOn(azureStorage, "configBackupBlob");
  spy.mockImplementation((args, parent) => {
    uploaded.set(args.release, args.content);
    return original(args, parent);
  });
  let plan: Plan;
  try {
    plan = await planOf("prod");
  } finally {
    spy.mockRestore();
  }
  const blobs = backups(plan);
  expect(blobs.length).toBeGreaterThan(0);
  for (const blob of blobs) {
    const pin = blob.name.replace("config-backup-", "");
    expect(blob.inputs).toMatchObject({
      containerName: "config-backups",
      blobName: `${pin}/config.json`,
    });
    expect(blob.retainOnDelete).toBe(true);
    const text = uploaded.get(pin) ?? "";
    const { backup, issues } = readConfigBackup(text);
    expect(issues).toEqual([]);
    expect(backup).toMatchObject({ stack: "prod", pin, legacy: false });
    expect(backup?.declaredDigest).toBe(
      releaseDigest(backup?.release as Parameters<typeof releaseDigest>[0]),
    );
    expectNoSecret(text);
  }
});
