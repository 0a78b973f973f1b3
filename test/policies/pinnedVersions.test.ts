import { pinnedVersions } from "../../policies/pinnedVersions";
import type { PlannedResource } from "../../cli/engine/evaluate";
import * as fixtures from "./fixtures";
import { azureService, dockerService, inStack, resource } from "./fixtures";

/** The policy judging resources of one stack: the stack's name is in their URNs. */
function policyIn(stack: string, requireDigestIn?: string[]) {
  return { stack, policy: pinnedVersions({ requireDigestIn }) };
}
type Judged = ReturnType<typeof policyIn>;
const messagesOf = (judged: Judged, resources: PlannedResource[]) =>
  fixtures.messagesOf(
    judged.policy,
    resources.map((r) => inStack(r, judged.stack)),
  );
const violationsOf = (judged: Judged, resources: PlannedResource[]) =>
  fixtures.violationsOf(
    judged.policy,
    resources.map((r) => inStack(r, judged.stack)),
  );

describe("pinned-versions", () => {
  test("pass: a Docker service pinned by tag in dev", async () => {
    expect(await messagesOf(policyIn("dev"), [dockerService("blue", "bot")])).toEqual([]);
  });

  test("deny: a Docker image with the moving tag latest", async () => {
    const service = dockerService("blue", "bot", { image: "ghcr.io/aitb/bot:latest" });
    const violations = await violationsOf(policyIn("dev"), [service]);
    expect(violations).toEqual([
      expect.objectContaining({ level: "mandatory", urn: inStack(service, "dev").urn }),
    ]);
    expect(violations[0].message).toContain('uses the moving tag "latest"');
    expect(violations[0].message).toContain("aitb:releases");
  });

  test("deny: a Docker image without a tag", async () => {
    const service = dockerService("blue", "bot", { image: "postgres" });
    const [message] = await messagesOf(policyIn("dev"), [service]);
    expect(message).toContain('"postgres" has no tag');
  });

  test("pass: an Azure Container App pinned by tag and digest in prod", async () => {
    expect(await messagesOf(policyIn("prod"), [azureService("green", "webapp")])).toEqual([]);
  });

  test("deny: an Azure Container App pinned by tag only in prod", async () => {
    const app = azureService("green", "webapp", { image: "ghcr.io/aitb/webapp:2026.11.4" });
    const [message] = await messagesOf(policyIn("prod"), [app]);
    expect(message).toContain("template.containers[0].image");
    expect(message).toContain("has no digest");
    expect(message).toContain("prod requires a digest");
  });

  test("pass: the same tag-only image in staging", async () => {
    const app = azureService("green", "webapp", { image: "ghcr.io/aitb/webapp:2026.11.4" });
    expect(await messagesOf(policyIn("staging"), [app])).toEqual([]);
  });

  test("deny: staging too when the setting names it", async () => {
    const app = azureService("green", "webapp", { image: "ghcr.io/aitb/webapp:2026.11.4" });
    expect(await messagesOf(policyIn("staging", ["staging", "prod"]), [app])).toHaveLength(1);
  });

  test("deny: an init container with latest", async () => {
    const app = azureService("green", "webapp");
    const template = app.inputs.template as Record<string, unknown>;
    template.initContainers = [{ name: "migrate", image: "ghcr.io/aitb/migrate:latest" }];
    const [message] = await messagesOf(policyIn("prod"), [app]);
    expect(message).toContain("template.initContainers[0].image");
  });

  test("deny: a malformed digest", async () => {
    const app = azureService("green", "webapp", {
      image: "ghcr.io/aitb/webapp:2026.11.4@sha256:abc",
    });
    const [message] = await messagesOf(policyIn("prod"), [app]);
    expect(message).toContain("malformed digest");
  });

  test("deny: the environment is the pack's map's: the loopback stack is dev, an unknown stack prod", async () => {
    const app = azureService("green", "webapp", { image: "ghcr.io/aitb/webapp:2026.11.4" });
    expect(await messagesOf(policyIn("loopback"), [app])).toEqual([]);
    expect(await messagesOf(policyIn("perf"), [app])).toHaveLength(1);
  });

  test("pass: resources that run no image", async () => {
    const command = resource("command:local:Command", "x", { create: "echo latest" });
    expect(await messagesOf(policyIn("prod"), [command])).toEqual([]);
  });
});
