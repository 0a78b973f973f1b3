/**
 * The dev program under mocks of its own, which see what the plan's records leave out: the
 * provider each resource registers with, and the outputs a real local build reports.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as sdkSettings from "@pulumi/pulumi/runtime/settings";
import { readStackSource, secretPlaceholders } from "../cli/engine/stackFiles";
import { SECRET_KEYS } from "../config/schema";
import { NOW, ROOT } from "./support/stacks";

interface Registered {
  type: string;
  name: string;
  provider?: string;
  inputs: Record<string, unknown>;
}

const HOST = "unix:///Users/me/.orbstack/run/docker.sock";
const registered: Registered[] = [];
/** What a local build reports as repoDigest: the built image's id (one per release here). */
const imageId = (name: string) =>
  `sha256:${Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64)}`;

const savedEnv = { HOME: process.env.HOME, DOCKER_HOST: process.env.DOCKER_HOST };
let home: string;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-docker-home-"));
  process.env.HOME = home;
  process.env.DOCKER_HOST = HOST;
  const source = readStackSource(ROOT, "dev");
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          provider: args.provider,
          inputs: args.inputs as Record<string, unknown>,
        });
        if (args.type === "pulumi:pulumi:StackReference") {
          // A new stack: nothing deployed before.
          return {
            id: `${args.name}-id`,
            state: { name: args.inputs.name, outputs: {}, secretOutputNames: [] },
          };
        }
        const outputs =
          args.type === "docker:index/image:Image" ? { repoDigest: imageId(args.name) } : {};
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs } };
      },
      call: (args) => args.inputs as Record<string, unknown>,
    },
    source.project,
    source.stack,
    false,
    "organization",
  );
  const placeholders = secretPlaceholders(source.project);
  pulumi.runtime.setAllConfig(
    { ...placeholders, ...source.flat },
    SECRET_KEYS.map((key) => `${source.project}:${key}`),
  );
  // A failing program is reported by the test, not thrown inside the SDK's stack (which would
  // end the whole jest process).
  let failure: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    const { aitbProgram } =
      require("../components/program") as typeof import("../components/program");
    try {
      return await aitbProgram({ now: NOW });
    } catch (error) {
      failure = error;
      return {};
    }
  });
  await (sdkSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  if (failure) throw failure;
});

afterAll(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(home, { recursive: true, force: true });
});

describe("the dev program's docker resources", () => {
  test("there is one docker provider, for the resolved host", () => {
    const providers = registered.filter((r) => r.type === "pulumi:providers:docker");
    expect(providers.map((p) => [p.name, p.inputs.host])).toEqual([["docker", HOST]]);
  });

  test("every docker resource goes through it, none through the default provider", () => {
    const resources = registered.filter((r) => r.type.startsWith("docker:"));
    expect(resources.length).toBeGreaterThan(10);
    for (const resource of resources) {
      expect({ resource: resource.name, provider: resource.provider }).toEqual({
        resource: resource.name,
        provider: expect.stringMatching(/[$:]pulumi:providers:docker::docker::docker-id$/),
      });
    }
  });

  test("each service container runs the id its release's build reported", () => {
    const containers = registered.filter(
      (r) =>
        r.type === "docker:index/container:Container" &&
        (r.inputs.labels as { label: string; value: string }[]).some(
          (l) => l.label === "aitb-role" && l.value === "service",
        ),
    );
    expect(containers).toHaveLength(10);
    for (const container of containers) {
      const release = (container.inputs.labels as { label: string; value: string }[]).find(
        (l) => l.label === "aitb-release",
      )?.value;
      expect(container.inputs.image).toBe(imageId(`reference-image-${release}`));
    }
  });
});
