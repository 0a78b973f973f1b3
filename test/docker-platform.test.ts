import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configFailureOf, flipped, planOf, stackSource } from "./support/stacks";
import type { PlannedResource } from "../cli/engine/evaluate";
import type { Plan } from "../cli/engine/plan";
import { DEFAULT_UNIX_SOCKET } from "../components/platform/docker/dockerHost";

/** The Docker variables the host resolution reads; each test starts without them. */
const DOCKER_ENV = ["HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG"] as const;
const saved = Object.fromEntries(DOCKER_ENV.map((key) => [key, process.env[key]]));
const homes: string[] = [];

/** A home folder whose docker CLI config selects `context`, stored as docker/cli stores it. */
function dockerHome(context?: { name: string; host?: string }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-docker-home-"));
  homes.push(dir);
  const config = path.join(dir, ".docker");
  fs.mkdirSync(config, { recursive: true });
  if (context) {
    fs.writeFileSync(
      path.join(config, "config.json"),
      JSON.stringify({ currentContext: context.name }),
    );
    if (context.host) {
      const id = createHash("sha256").update(context.name).digest("hex");
      const meta = path.join(config, "contexts", "meta", id);
      fs.mkdirSync(meta, { recursive: true });
      fs.writeFileSync(
        path.join(meta, "meta.json"),
        JSON.stringify({
          Name: context.name,
          Metadata: {},
          Endpoints: { docker: { Host: context.host, SkipTLSVerify: false } },
        }),
      );
    }
  }
  return dir;
}

beforeEach(() => {
  for (const key of DOCKER_ENV) delete process.env[key];
  process.env.HOME = dockerHome();
});

afterAll(() => {
  for (const key of DOCKER_ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  for (const dir of homes) fs.rmSync(dir, { recursive: true, force: true });
});

const named = (plan: Plan, name: string) => {
  const found = plan.resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource ${name} in the plan`);
  return found;
};
const inputsOf = <T>(resource: PlannedResource) => resource.inputs as T;
const provider = (plan: Plan) => {
  const providers = plan.resources.filter((r) => r.type === "pulumi:providers:docker");
  expect(providers).toHaveLength(1);
  return inputsOf<{ host: string; certPath?: string }>(providers[0]);
};
interface CommandInputs {
  create: string;
  environment: Record<string, string>;
}
const dockerCommands = (plan: Plan) =>
  plan.resources.filter(
    (r) =>
      r.type === "command:local:Command" &&
      /\bdocker (exec|run|ps)\b/.test(inputsOf<CommandInputs>(r).create),
  );
interface ContainerInputs {
  image: string;
  labels: { label: string; value: string }[];
  ports?: { internal: number; external: number; ip?: string }[];
  networksAdvanced: { name: string; aliases?: string[] }[];
}
const labelOf = (resource: PlannedResource, label: string) =>
  inputsOf<ContainerInputs>(resource).labels?.find((l) => l.label === label)?.value;
const serviceContainers = (plan: Plan) =>
  plan.resources.filter(
    (r) => r.type === "docker:index/container:Container" && labelOf(r, "aitb-role") === "service",
  );

describe("the Docker host of the dev stack", () => {
  const COLIMA = "unix:///Users/me/.colima/default/docker.sock";

  test("aitb:docker.host is the provider's host and DOCKER_HOST of every command running docker", async () => {
    const plan = await planOf("dev", { docker: { host: COLIMA } });
    expect(provider(plan)).toEqual({ host: COLIMA });
    const commands = dockerCommands(plan);
    expect(commands.map((c) => c.name).sort()).toEqual([
      "forensic-logs",
      "pre-switch-snapshot",
      "proxy-site",
    ]);
    for (const command of commands) {
      expect(inputsOf<CommandInputs>(command).environment.DOCKER_HOST).toBe(COLIMA);
    }
  });

  test("without the key, the host of the docker CLI's current context", async () => {
    process.env.HOME = dockerHome({ name: "colima", host: COLIMA });
    const plan = await planOf("dev");
    expect(provider(plan).host).toBe(COLIMA);
    for (const command of dockerCommands(plan)) {
      expect(inputsOf<CommandInputs>(command).environment.DOCKER_HOST).toBe(COLIMA);
    }
  });

  test("DOCKER_HOST when it is set, and the default socket when nothing is", async () => {
    process.env.DOCKER_HOST = "tcp://127.0.0.1:2375";
    expect(provider(await planOf("dev")).host).toBe("tcp://127.0.0.1:2375");
    delete process.env.DOCKER_HOST;
    expect(provider(await planOf("dev")).host).toBe(DEFAULT_UNIX_SOCKET);
  });

  test("the restore's commands reach the same host", async () => {
    const database = stackSource("dev").values.database as Record<string, unknown>;
    const plan = await planOf("dev", {
      docker: { host: COLIMA },
      database: {
        ...database,
        restore: {
          fromRelease: "2026.11.3",
          color: "green",
          reason: "bad migration",
          incident: "INC-7",
        },
      },
    });
    const names = dockerCommands(plan).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["forensic-copy", "restore"]));
    for (const command of dockerCommands(plan)) {
      expect(inputsOf<CommandInputs>(command).environment.DOCKER_HOST).toBe(COLIMA);
    }
  });

  test("a current context that is not in the store: a config error naming the key, nothing deployed", async () => {
    process.env.HOME = dockerHome({ name: "colima" });
    const error = await configFailureOf("dev", {});
    expect(error.issues).toEqual([
      expect.objectContaining({
        key: "aitb:docker.host",
        message: expect.stringMatching(
          /context "colima" has no .*meta\.json; set aitb:docker\.host/,
        ),
      }),
    ]);
  });

  test("a host that is not a Docker address is refused before anything registers", async () => {
    const error = await configFailureOf("dev", { docker: { host: "/var/run/docker.sock" } });
    expect(error.issues.map((i) => i.key)).toEqual(["aitb:docker.host"]);
    expect(error.issues[0].message).toContain('"/var/run/docker.sock" is not valid');
  });
});

describe("the reference images", () => {
  interface ImageInputs {
    imageName: string;
    build: { context: string; platform?: string };
  }
  const images = (plan: Plan) =>
    plan.resources.filter((r) => r.type === "docker:index/image:Image");

  test("build for the Docker host's own platform unless aitb:docker.platform says otherwise", async () => {
    const native = await planOf("dev");
    expect(images(native)).toHaveLength(2);
    for (const image of images(native)) {
      expect(inputsOf<ImageInputs>(image).build).not.toHaveProperty("platform");
    }
    const amd64 = await planOf("dev", { docker: { platform: "linux/amd64" } });
    for (const image of images(amd64)) {
      expect(inputsOf<ImageInputs>(image).build.platform).toBe("linux/amd64");
    }
    const error = await configFailureOf("dev", { docker: { platform: "amd64" } });
    expect(error.issues.map((i) => i.key)).toEqual(["aitb:docker.platform"]);
  });

  test("containers run the built image by its id, so a rebuild replaces them", async () => {
    const before = await planOf("dev");
    const byRelease = new Map<string, Set<string>>();
    for (const container of serviceContainers(before)) {
      const release = labelOf(container, "aitb-release") as string;
      const image = inputsOf<ContainerInputs>(container).image;
      expect(image).toMatch(/^sha256:[0-9a-f]{64}$/);
      byRelease.set(release, new Set([...(byRelease.get(release) ?? []), image]));
    }
    // One image per release, a different one for each release.
    expect([...byRelease.values()].map((set) => set.size)).toEqual([1, 1]);
    const [a, b] = [...byRelease.values()].map((set) => [...set][0]);
    expect(a).not.toBe(b);

    // A different build of the same release (here: another platform) reaches every container.
    const rebuilt = await planOf("dev", { docker: { platform: "linux/arm64" } });
    for (const container of serviceContainers(rebuilt)) {
      const release = labelOf(container, "aitb-release") as string;
      expect(inputsOf<ContainerInputs>(container).image).not.toBe(
        [...(byRelease.get(release) as Set<string>)][0],
      );
    }
  });
});

describe("the database's data", () => {
  test("the volume is protected and retained; the container around it is replaced in place", async () => {
    const plan = await planOf("dev");
    const volume = named(plan, "postgres-data");
    expect(volume).toMatchObject({ protect: true, retainOnDelete: true });
    const container = named(plan, "postgres");
    expect(container.deleteBeforeReplace).toBe(true);
    expect(container.protect).toBe(false);
    // Nothing else holds data but the colors' log volumes: no other resource is protected.
    const protectedNames = plan.resources.filter((r) => r.protect).map((r) => r.name);
    expect(protectedNames.sort()).toEqual(["logs-blue", "logs-green", "postgres-data"]);
  });
});

describe("the pre-switch snapshot", () => {
  test("files the dump under the release live before the update, read from the deployed state", async () => {
    const live = stackSource("dev");
    // The stack was deployed with green live (2026.11.3); the update switches to blue.
    const deployedBase = stackSource("dev", flipped(live));
    const plan = await planOf("dev", {}, { base: deployedBase });
    const snapshot = inputsOf<CommandInputs>(named(plan, "pre-switch-snapshot"));
    expect(plan.deployed?.activeColor).toBe("green");
    expect(snapshot.environment.AITB_LIVE_RELEASE).toBe("2026.11.3");
  });

  test("on a new stack there is no live release, and the script reads no file of the checkout", async () => {
    const plan = await planOf("dev");
    const snapshot = inputsOf<CommandInputs>(named(plan, "pre-switch-snapshot"));
    expect(snapshot.environment.AITB_LIVE_RELEASE).toBe("");
    expect(snapshot.create).toContain('release="${AITB_LIVE_RELEASE:-}"');
    expect(snapshot.create).not.toMatch(/aitb\.conf|sed /);
    expect(snapshot.create).toContain("nothing to snapshot");
  });
});

describe("the proxy", () => {
  const proxyPorts = (plan: Plan) => inputsOf<ContainerInputs>(named(plan, "proxy")).ports;

  test("binds its public port to 127.0.0.1 unless aitb:docker.bindAddress says otherwise", async () => {
    expect(proxyPorts(await planOf("dev"))).toEqual([
      { internal: 80, external: 8080, ip: "127.0.0.1" },
    ]);
    expect(proxyPorts(await planOf("dev", { docker: { bindAddress: "0.0.0.0" } }))).toEqual([
      { internal: 80, external: 8080, ip: "0.0.0.0" },
    ]);
    const error = await configFailureOf("dev", { docker: { bindAddress: "everywhere" } });
    expect(error.issues).toEqual([
      expect.objectContaining({
        key: "aitb:docker.bindAddress",
        message: expect.stringContaining('"everywhere" is not valid; expected an IP address'),
      }),
    ]);
  });

  test("checks every new site with the proxy's nginx before it is put in place", async () => {
    const plan = await planOf("dev");
    const site = inputsOf<CommandInputs & { stdin: string }>(named(plan, "proxy-site"));
    const lines = site.create.split("\n");
    const check = lines.findIndex((line) =>
      line.includes(
        `docker run --rm --network aitb-dev-aitb -v "$staged":/etc/nginx/conf.d:ro --entrypoint nginx nginx:1.27.2 -t -q`,
      ),
    );
    const running = lines.findIndex((line) => line.startsWith('if [ -n "$(docker ps'));
    const moves = lines.flatMap((line, i) => (line.includes('mv "$staged/aitb.conf"') ? [i] : []));
    expect(check).toBeGreaterThan(0);
    // Before the branch on a running proxy: the not-running branch moves a checked site too.
    expect(running).toBeGreaterThan(check);
    expect(moves).toHaveLength(2);
    for (const move of moves) expect(move).toBeGreaterThan(check);
  });

  test("the site's upstream hosts are aliases of containers on the network the check joins", async () => {
    const plan = await planOf("dev");
    const siteStep = named(plan, "proxy-site");
    const site = inputsOf<{ stdin: string }>(siteStep).stdin;
    const hosts = [...site.matchAll(/^\s*server ([^:\s]+):(\d+)/gm)].map((m) => m[1]);
    expect(hosts.length).toBeGreaterThan(0);
    const aliases = new Map<string, PlannedResource>();
    for (const container of serviceContainers(plan)) {
      for (const network of inputsOf<ContainerInputs>(container).networksAdvanced) {
        expect(network.name).toBe("aitb-dev-aitb");
        for (const alias of network.aliases ?? []) aliases.set(alias, container);
      }
    }
    for (const host of hosts) {
      const container = aliases.get(host);
      expect({ host, container: container?.name }).toEqual({ host, container: expect.any(String) });
      // The site is written only after the container that answers to the name exists.
      expect(siteStep.dependsOn).toContain(container?.urn);
    }
    expect(siteStep.dependsOn).toContain(named(plan, "network").urn);
  });
});
