import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Which Docker daemon the dev stack talks to, resolved the way the docker CLI resolves it, so
 * `pulumi up` reaches the same daemon as `docker ps` in the same shell (Docker Desktop, Colima,
 * OrbStack, a remote engine).
 *
 * Order, after `aitb:docker.host`, as in docker/cli cli/command/cli.go `resolveContextName`:
 * a non-empty DOCKER_HOST selects the "default" context (that host); else DOCKER_CONTEXT; else
 * `currentContext` of the CLI config file; else "default", the platform's default socket.
 *
 * The context store (docker/cli cli/context/store): `<config dir>/contexts/meta/<id>/meta.json`,
 * where `<id>` is the hex sha256 of the context name (store.go `contextdirOf`, metadatastore.go
 * `metaFile`), holding `{"Name", "Metadata", "Endpoints": {"docker": {"Host", "SkipTLSVerify"}}}`
 * (store.go `Metadata`, cli/context/docker `EndpointMeta`); TLS files of the docker endpoint in
 * `<config dir>/contexts/tls/<id>/docker/` (tlsstore.go). The config dir is $DOCKER_CONFIG or
 * ~/.docker (cli/config/config.go `Dir`).
 */

export const DEFAULT_UNIX_SOCKET = "unix:///var/run/docker.sock";
export const DEFAULT_WINDOWS_PIPE = "npipe:////./pipe/docker_engine";

export type DockerHostSource = "config" | "DOCKER_HOST" | "context" | "default";

export interface DockerHost {
  /** Daemon address for the docker provider's `host` and for DOCKER_HOST of the docker CLI. */
  host: string;
  source: DockerHostSource;
  /** The context the host came from, when it came from one. */
  context?: string;
  /** Folder with ca.pem, cert.pem and key.pem when the context keeps TLS material. */
  certPath?: string;
}

export interface DockerHostInputs {
  /** `aitb:docker.host`, when set. */
  configured?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The user's home folder (os.homedir()). */
  home: string;
  platform?: NodeJS.Platform;
}

/** A Docker setting that cannot be used; names what was read and how to fix it. */
export class DockerHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerHostError";
  }
}

/** Folder of the docker CLI's config.json and context store. */
export function dockerConfigDir(inputs: Pick<DockerHostInputs, "env" | "home">): string {
  const override = inputs.env.DOCKER_CONFIG;
  return override ? path.resolve(override) : path.join(inputs.home, ".docker");
}

/** The context store's folder name for a context: hex sha256 of its name. */
export function contextId(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DockerHostError(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The context the docker CLI would use, or "default". */
function contextName(inputs: DockerHostInputs, configDir: string): string {
  const fromEnv = inputs.env.DOCKER_CONTEXT;
  if (fromEnv) return fromEnv;
  const config = readJson(path.join(configDir, "config.json"));
  const current = isRecord(config) ? config.currentContext : undefined;
  return typeof current === "string" && current !== "" ? current : "default";
}

const FIX =
  "set aitb:docker.host (e.g. `pulumi config set aitb:docker.host unix:///Users/me/.colima/default/docker.sock`), or DOCKER_HOST, or choose another context with `docker context use`";

function fromContext(name: string, configDir: string): DockerHost {
  const id = contextId(name);
  const metaFile = path.join(configDir, "contexts", "meta", id, "meta.json");
  const meta = readJson(metaFile);
  if (meta === undefined) {
    throw new DockerHostError(`the active Docker context "${name}" has no ${metaFile}; ${FIX}`);
  }
  const endpoints = isRecord(meta) ? meta.Endpoints : undefined;
  const endpoint = isRecord(endpoints) ? endpoints.docker : undefined;
  const host = isRecord(endpoint) ? endpoint.Host : undefined;
  if (typeof host !== "string" || host === "") {
    throw new DockerHostError(
      `the active Docker context "${name}" (${metaFile}) has no Endpoints.docker.Host; ${FIX}`,
    );
  }
  const tls = path.join(configDir, "contexts", "tls", id, "docker");
  const certPath = fs.existsSync(path.join(tls, "ca.pem")) ? tls : undefined;
  return { host, source: "context", context: name, ...(certPath ? { certPath } : {}) };
}

/** Resolve the Docker host; a pure function of the inputs and the files under the config dir. */
export function resolveDockerHost(inputs: DockerHostInputs): DockerHost {
  if (inputs.configured) return { host: inputs.configured, source: "config" };
  const fromEnv = inputs.env.DOCKER_HOST;
  if (fromEnv) return { host: fromEnv, source: "DOCKER_HOST" };
  const configDir = dockerConfigDir(inputs);
  const name = contextName(inputs, configDir);
  if (name !== "default") return fromContext(name, configDir);
  const platform = inputs.platform ?? process.platform;
  return {
    host: platform === "win32" ? DEFAULT_WINDOWS_PIPE : DEFAULT_UNIX_SOCKET,
    source: "default",
  };
}

/**
 * Environment for a `docker` command so it reaches the same daemon as the provider: DOCKER_HOST
 * selects the "default" context, which also reads DOCKER_CERT_PATH and DOCKER_TLS_VERIFY.
 */
export function dockerCliEnv(docker: DockerHost): Record<string, string> {
  return {
    DOCKER_HOST: docker.host,
    ...(docker.certPath ? { DOCKER_CERT_PATH: docker.certPath, DOCKER_TLS_VERIFY: "1" } : {}),
  };
}
