import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as sdkSettings from "@pulumi/pulumi/runtime/settings";
import type { DeployedState } from "../../domain/deployed";
import type { StackSource } from "./stackFiles";
import { secretPlaceholders } from "./stackFiles";
import { SECRET_MASK } from "../../contract/secrets";

/** One resource the program registered, with the options the policies and reviewers care about. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  /**
   * Property paths of the replaceOnChanges option (the program's, and any the provider SDK adds,
   * such as a Command's `triggers[*]`). Absent when the option is not set.
   */
  replaceOnChanges?: string[];
  dependsOn: string[];
  /** Inputs as registered; secret values are replaced by SECRET_MASK. */
  inputs: Record<string, unknown>;
  /** Dotted paths of inputs that are secrets. */
  secretPaths: string[];
}

export interface Evaluation {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  ms: number;
}

interface Captured {
  resource: pulumi.Resource;
  type: string;
  name: string;
  opts: pulumi.ResourceOptions & { retainOnDelete?: boolean; deleteBeforeReplace?: boolean };
  secretChecks: Promise<string | undefined>[];
}

function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => output.apply((value) => done(value)));
}

/** Record which input paths hold secret outputs, without waiting for anything else. */
function findSecrets(value: unknown, path: string, checks: Promise<string | undefined>[]): void {
  if (pulumi.Output.isInstance(value)) {
    checks.push(pulumi.isSecret(value).then((secret) => (secret ? path : undefined)));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) =>
      findSecrets(item, path ? `${path}.${index}` : String(index), checks),
    );
  } else if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
    for (const [key, item] of Object.entries(value))
      findSecrets(item, path ? `${path}.${key}` : key, checks);
  }
}

/** Marker the SDK's serializer puts on secret values (rpc.specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretWrapper(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/**
 * The mocks receive a secret as a wrapper around its value; where the program's own inputs show
 * which part is secret (an env entry inside a list), only that part is masked.
 */
function unwrapSecrets(value: unknown, path: string, paths: string[]): unknown {
  if (isSecretWrapper(value)) {
    const finer = paths.some((p) => p === path || p.startsWith(`${path}.`) || path === "");
    return finer ? unwrapSecrets(value.value, path, paths) : SECRET_MASK;
  }
  if (Array.isArray(value))
    return value.map((item, i) => unwrapSecrets(item, path ? `${path}.${i}` : String(i), paths));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        unwrapSecrets(item, path ? `${path}.${key}` : key, paths),
      ]),
    );
  }
  return value;
}

function maskPaths(inputs: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const copy = unwrapSecrets(inputs, "", paths) as Record<string, unknown>;
  for (const path of paths) {
    const parts = path.split(".");
    let node: Record<string, unknown> | undefined = copy;
    for (const part of parts.slice(0, -1)) {
      const next: unknown = node?.[part];
      node = next && typeof next === "object" ? (next as Record<string, unknown>) : undefined;
    }
    const last = parts[parts.length - 1];
    if (node && last in node) node[last] = SECRET_MASK;
  }
  return copy;
}

/**
 * A local docker.Image build (skipPush) reports the built image's id as `repoDigest`
 * (@pulumi/docker 4.11.2 image.d.ts); the mock derives one from the build inputs, so the
 * containers that run the image show which build they run.
 */
function builtImageOutputs(type: string, inputs: Record<string, unknown>): Record<string, string> {
  if (type !== "docker:index/image:Image") return {};
  const id = createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
  return { repoDigest: `sha256:${id}` };
}

/** Internals of the pinned SDK (@pulumi/pulumi 3.248, tested in test/plan.test.ts). */
const runtimeSettings = sdkSettings as unknown as {
  _reset(): void;
  waitForRPCs(): Promise<void>;
};

let evaluations = 0;

/** The stack outputs a deployed state is read from: `logCopy` is exported beside `deployed`. */
function stackOutputsOf(state: DeployedState): Record<string, unknown> {
  const { logCopy, ...deployed } = state;
  return logCopy ? { deployed, logCopy } : { deployed };
}

export interface EvaluateOptions {
  source: StackSource;
  now: Date;
  /**
   * What the stack's own last outputs say is deployed (the base config's state); `"self"`: this
   * config's own `deployed` output, as a stack reads itself back once it is deployed.
   */
  deployed?: DeployedState | "self";
  /** Receives "<type>::<name>" of every resource as the mocks see it register. */
  onRegister?: (key: string) => void;
}

/**
 * Run the real program in-process under the SDK's mocks for one stack config, and return what it
 * registered. Mocks see inputs; a stack transformation sees the options (protect, dependsOn, ...).
 */
export async function evaluateProgram(options: EvaluateOptions): Promise<Evaluation> {
  // The SDK records a stack trace for every promise it creates (leak diagnostics); under mocks
  // that is most of the evaluation time, and nothing here reads those traces.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await evaluate(options);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  const started = performance.now();
  if (evaluations++ > 0) runtimeSettings._reset();
  const { source } = options;
  const registered = new Map<string, { inputs: Record<string, unknown>; custom: boolean }>();
  // The program's desired state does not depend on what is deployed, so a stack reference to the
  // config's own `deployed` output can wait for it: one evaluation instead of two.
  let exportDeployed: (deployed: DeployedState | undefined) => void = () => undefined;
  const ownDeployed = new Promise<DeployedState | undefined>((done) => (exportDeployed = done));
  const deployedState = async (): Promise<DeployedState | undefined> =>
    options.deployed === "self" ? ownDeployed : options.deployed;
  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const deployed =
          args.type === "pulumi:pulumi:StackReference" ? await deployedState() : undefined;
        const state: Record<string, unknown> =
          args.type === "pulumi:pulumi:StackReference"
            ? {
                name: args.inputs.name,
                outputs: deployed ? stackOutputsOf(deployed) : {},
                secretOutputNames: [],
              }
            : { name: args.name, ...args.inputs, ...builtImageOutputs(args.type, args.inputs) };
        const id = `${args.name}-id`;
        options.onRegister?.(`${args.type}::${args.name}`);
        registered.set(`${args.type}::${args.name}`, {
          inputs: args.inputs as Record<string, unknown>,
          custom: args.custom !== false,
        });
        return { id, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    source.project,
    source.stack,
    false,
    "organization",
  );
  const placeholders = secretPlaceholders(source.project);
  pulumi.runtime.setAllConfig({ ...placeholders, ...source.flat }, Object.keys(placeholders));

  const captured: Captured[] = [];
  let outputs: Record<string, unknown> = {};
  let failure: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const secretChecks: Promise<string | undefined>[] = [];
      findSecrets(args.props, "", secretChecks);
      captured.push({
        resource: args.resource,
        type: args.type,
        name: args.name,
        opts: args.opts,
        secretChecks,
      });
      return undefined;
    });
    try {
      // Loaded on first use: the program pulls in the provider SDKs.
      const { aitbProgram } =
        require("../../components/program") as typeof import("../../components/program");
      outputs = await aitbProgram({ now: options.now });
      exportDeployed((await resolve(pulumi.output(outputs.deployed))) as DeployedState | undefined);
    } catch (error) {
      failure = error;
      exportDeployed(undefined);
    }
    return outputs;
  });
  // Let every registration of this evaluation finish, also after a failure: a late one would
  // reach the next evaluation's mocks.
  await runtimeSettings.waitForRPCs();
  if (failure) throw failure;

  const resources = await Promise.all(
    captured.map(async (entry): Promise<PlannedResource> => {
      const urn = await resolve(entry.resource.urn);
      const parent = entry.opts.parent ? await resolve(entry.opts.parent.urn) : undefined;
      const dependsOnInput = await resolve(pulumi.output(entry.opts.dependsOn ?? []));
      const dependsOnList = (
        Array.isArray(dependsOnInput) ? dependsOnInput : [dependsOnInput]
      ) as pulumi.Resource[];
      const dependsOn = await Promise.all(dependsOnList.map((resource) => resolve(resource.urn)));
      const secretPaths = (await Promise.all(entry.secretChecks)).filter(
        (p): p is string => p !== undefined,
      );
      const mocked = registered.get(`${entry.type}::${entry.name}`);
      const inputs = mocked?.inputs ?? {};
      return {
        urn,
        type: entry.type,
        name: entry.name,
        parent,
        custom: mocked?.custom ?? false,
        protect: entry.opts.protect === true,
        retainOnDelete: entry.opts.retainOnDelete === true,
        deleteBeforeReplace: entry.opts.deleteBeforeReplace === true,
        ...(entry.opts.replaceOnChanges?.length
          ? { replaceOnChanges: [...entry.opts.replaceOnChanges] }
          : {}),
        dependsOn: [...new Set(dependsOn)].sort(),
        inputs: maskPaths(inputs, secretPaths),
        secretPaths,
      };
    }),
  );
  const resolvedOutputs = (await resolve(pulumi.output(outputs))) as Record<string, unknown>;
  return {
    resources: asTheEngineNamesThem(resources, source),
    outputs: resolvedOutputs,
    ms: performance.now() - started,
  };
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URNs and parents the engine gives, not the mocks': the engine qualifies a type with its
 * parent's whole qualified type and leaves the root stack out (pulumi/pulumi v3.248.0
 * pkg/resource/deploy/step_generator.go: `parentIsRootStack` ... `resource.CreateURN(n, t, parent,
 * ...)`), and a top-level resource's parent is the root stack. The SDK's MockMonitor
 * (@pulumi/pulumi runtime/mocks.js `newUrn`) prefixes only the parent's last type, so `pulumi:pulumi:Stack$aitb:deploy:BlueGreenDeployment::aitb` there is
 * `aitb:deploy:BlueGreenDeployment::aitb` to the engine, and a service three levels down differs
 * too. Found by the plan-fidelity test (test/engine) against `pulumi preview --json`.
 */
function asTheEngineNamesThem(
  resources: PlannedResource[],
  source: StackSource,
): PlannedResource[] {
  const prefix = `urn:pulumi:${source.stack}::${source.project}::`;
  const stackUrn = `${prefix}${ROOT_STACK_TYPE}::${source.project}-${source.stack}`;
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const qualified = new Map<string, string>();
  const qualifiedType = (resource: PlannedResource, depth = 0): string => {
    const known = qualified.get(resource.urn);
    if (known) return known;
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    const type =
      parent && parent.type !== ROOT_STACK_TYPE && depth < 64
        ? `${qualifiedType(parent, depth + 1)}$${resource.type}`
        : resource.type;
    qualified.set(resource.urn, type);
    return type;
  };
  const renamed = new Map(
    resources.map((resource) => [
      resource.urn,
      `${prefix}${qualifiedType(resource)}::${resource.name}`,
    ]),
  );
  const rename = (urn: string): string => renamed.get(urn) ?? urn;
  return resources.map((resource) => ({
    ...resource,
    urn: rename(resource.urn),
    parent: resource.parent ? rename(resource.parent) : stackUrn,
    dependsOn: resource.dependsOn.map(rename).sort(),
  }));
}
