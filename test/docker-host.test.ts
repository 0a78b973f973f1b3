import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  contextId,
  DEFAULT_UNIX_SOCKET,
  DEFAULT_WINDOWS_PIPE,
  dockerCliEnv,
  DockerHostError,
  resolveDockerHost,
} from "../components/platform/docker/dockerHost";

const homes: string[] = [];

/** A home folder with a docker CLI config and context store laid out as docker/cli writes them. */
function home(
  options: {
    currentContext?: string;
    contexts?: Record<string, { host?: string; tls?: boolean }>;
    configDir?: string;
  } = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-docker-home-"));
  homes.push(dir);
  const configDir = path.join(dir, options.configDir ?? ".docker");
  fs.mkdirSync(configDir, { recursive: true });
  if (options.currentContext !== undefined) {
    fs.writeFileSync(
      path.join(configDir, "config.json"),
      JSON.stringify({ auths: {}, currentContext: options.currentContext }),
    );
  }
  for (const [name, context] of Object.entries(options.contexts ?? {})) {
    // docker/cli cli/context/store/store.go contextdirOf: digest.FromString(name).Encoded()
    const id = createHash("sha256").update(name).digest("hex");
    const meta = path.join(configDir, "contexts", "meta", id);
    fs.mkdirSync(meta, { recursive: true });
    fs.writeFileSync(
      path.join(meta, "meta.json"),
      JSON.stringify({
        Name: name,
        Metadata: { Description: `${name} context` },
        Endpoints: { docker: context.host ? { Host: context.host, SkipTLSVerify: false } : {} },
      }),
    );
    if (context.tls) {
      const tls = path.join(configDir, "contexts", "tls", id, "docker");
      fs.mkdirSync(tls, { recursive: true });
      for (const file of ["ca.pem", "cert.pem", "key.pem"])
        fs.writeFileSync(path.join(tls, file), "");
    }
  }
  return dir;
}

afterAll(() => {
  for (const dir of homes) fs.rmSync(dir, { recursive: true, force: true });
});

const COLIMA = "unix:///Users/me/.colima/default/docker.sock";
const ORBSTACK = "unix:///Users/me/.orbstack/run/docker.sock";

describe("resolveDockerHost", () => {
  test("the context store folder of a context is the sha256 of its name", () => {
    expect(contextId("colima")).toBe(createHash("sha256").update("colima").digest("hex"));
    expect(contextId("colima")).toMatch(/^[0-9a-f]{64}$/);
  });

  test("aitb:docker.host wins over DOCKER_HOST and the active context", () => {
    const dir = home({ currentContext: "colima", contexts: { colima: { host: COLIMA } } });
    expect(
      resolveDockerHost({
        configured: "tcp://127.0.0.1:2375",
        env: { DOCKER_HOST: "unix:///elsewhere.sock" },
        home: dir,
      }),
    ).toEqual({ host: "tcp://127.0.0.1:2375", source: "config" });
  });

  test("a set DOCKER_HOST wins over the current context, as in the docker CLI", () => {
    const dir = home({ currentContext: "colima", contexts: { colima: { host: COLIMA } } });
    expect(resolveDockerHost({ env: { DOCKER_HOST: ORBSTACK }, home: dir })).toEqual({
      host: ORBSTACK,
      source: "DOCKER_HOST",
    });
  });

  test("the current context of ~/.docker/config.json gives its Endpoints.docker.Host", () => {
    const dir = home({
      currentContext: "colima",
      contexts: { colima: { host: COLIMA }, orbstack: { host: ORBSTACK } },
    });
    expect(resolveDockerHost({ env: {}, home: dir })).toEqual({
      host: COLIMA,
      source: "context",
      context: "colima",
    });
  });

  test("DOCKER_CONTEXT overrides the current context", () => {
    const dir = home({
      currentContext: "colima",
      contexts: { colima: { host: COLIMA }, orbstack: { host: ORBSTACK } },
    });
    expect(resolveDockerHost({ env: { DOCKER_CONTEXT: "orbstack" }, home: dir }).host).toBe(
      ORBSTACK,
    );
  });

  test("DOCKER_CONFIG moves the config file and the context store", () => {
    const dir = home({
      configDir: "elsewhere",
      currentContext: "desktop-linux",
      contexts: { "desktop-linux": { host: "unix:///Users/me/.docker/run/docker.sock" } },
    });
    expect(
      resolveDockerHost({
        env: { DOCKER_CONFIG: path.join(dir, "elsewhere") },
        home: "/nonexistent",
      }),
    ).toEqual({
      host: "unix:///Users/me/.docker/run/docker.sock",
      source: "context",
      context: "desktop-linux",
    });
  });

  test("without config, DOCKER_HOST or a context: the platform's default socket", () => {
    expect(resolveDockerHost({ env: {}, home: home(), platform: "linux" })).toEqual({
      host: DEFAULT_UNIX_SOCKET,
      source: "default",
    });
    expect(resolveDockerHost({ env: {}, home: home(), platform: "win32" }).host).toBe(
      DEFAULT_WINDOWS_PIPE,
    );
    const dir = home({ currentContext: "default" });
    expect(resolveDockerHost({ env: {}, home: dir, platform: "darwin" }).host).toBe(
      DEFAULT_UNIX_SOCKET,
    );
  });

  test("a context with TLS material passes its folder on, and the CLI gets it too", () => {
    const dir = home({
      currentContext: "remote",
      contexts: { remote: { host: "tcp://10.0.0.5:2376", tls: true } },
    });
    const docker = resolveDockerHost({ env: {}, home: dir });
    const tls = path.join(dir, ".docker", "contexts", "tls", contextId("remote"), "docker");
    expect(docker).toEqual({
      host: "tcp://10.0.0.5:2376",
      source: "context",
      context: "remote",
      certPath: tls,
    });
    expect(dockerCliEnv(docker)).toEqual({
      DOCKER_HOST: "tcp://10.0.0.5:2376",
      DOCKER_CERT_PATH: tls,
      DOCKER_TLS_VERIFY: "1",
    });
    expect(dockerCliEnv({ host: COLIMA, source: "config" })).toEqual({ DOCKER_HOST: COLIMA });
  });

  test("a current context missing from the store is an error that says how to fix it", () => {
    const dir = home({ currentContext: "colima" });
    expect(() => resolveDockerHost({ env: {}, home: dir })).toThrow(DockerHostError);
    expect(() => resolveDockerHost({ env: {}, home: dir })).toThrow(
      /context "colima" has no .*meta\.json; set aitb:docker\.host/,
    );
  });

  test("a context without a docker endpoint host is an error too", () => {
    const dir = home({ currentContext: "broken", contexts: { broken: {} } });
    expect(() => resolveDockerHost({ env: {}, home: dir })).toThrow(
      /context "broken" .* has no Endpoints\.docker\.Host/,
    );
  });

  test("an unreadable config.json is named in the error", () => {
    const dir = home();
    fs.writeFileSync(path.join(dir, ".docker", "config.json"), "{ not json");
    expect(() => resolveDockerHost({ env: {}, home: dir })).toThrow(
      /config\.json is not valid JSON/,
    );
  });
});
