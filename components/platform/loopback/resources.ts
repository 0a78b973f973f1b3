import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceInputs } from "./runtime/service";
import type { ProxyInputs } from "./runtime/proxy";
import type { ClusterInputs, ServerInputs } from "./runtime/postgres";
import type { StepInputs } from "./runtime/step";

/**
 * The loopback target's resources: Pulumi dynamic resources whose providers run in Pulumi's
 * dynamic-provider host. The engine serializes each provider object with its closure
 * (`pulumi.dynamic.Resource` in @pulumi/pulumi 3.248 stores it in the `__provider` input), so a
 * provider here is a shim that captures only the absolute path of its compiled runtime module
 * (dist/components/platform/loopback/runtime/<module>.js) and requires it inside each method.
 */

/** Type tokens: `pulumi-nodejs:dynamic/loopback:<Kind>`. */
export const LOOPBACK_MODULE = "loopback";
export type LoopbackKind = "Service" | "Proxy" | "PostgresCluster" | "PostgresServer" | "Step";

export function loopbackType(kind: LoopbackKind): string {
  return `pulumi-nodejs:dynamic/${LOOPBACK_MODULE}:${kind}`;
}

type Provider = pulumi.dynamic.ResourceProvider;

/** The runtime modules and the provider each one exports. */
const RUNTIME: Record<LoopbackKind, { module: string; provider: string }> = {
  Service: { module: "service", provider: "serviceProvider" },
  Proxy: { module: "proxy", provider: "proxyProvider" },
  PostgresCluster: { module: "postgres", provider: "clusterProvider" },
  PostgresServer: { module: "postgres", provider: "serverProvider" },
  Step: { module: "step", provider: "stepProvider" },
};

/**
 * A provider that loads `exportName` from `file` on first use. Everything it captures is two
 * strings; `require` is not captured by the closure serializer, so the serialized text loads the
 * compiled module wherever the provider host runs it.
 */
export function shimProvider(file: string, exportName: string): Provider {
  const load = (): Provider =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require(file) as Record<string, Provider>)[exportName];
  return {
    create: (inputs) => load().create(inputs),
    diff: (id, olds, news) => (load().diff as NonNullable<Provider["diff"]>)(id, olds, news),
    update: (id, olds, news) => (load().update as NonNullable<Provider["update"]>)(id, olds, news),
    delete: (id, props) => (load().delete as NonNullable<Provider["delete"]>)(id, props),
    read: async (id, props) => {
      const read = load().read;
      return read ? read(id, props) : { id, props };
    },
  };
}

/** One provider object per kind and runtime folder: the SDK serializes each object once. */
export class LoopbackProviders {
  private readonly cache = new Map<LoopbackKind, Provider>();

  /** `runtimeDir`: the compiled runtime folder (dist/components/platform/loopback/runtime). */
  constructor(readonly runtimeDir: string) {}

  of(kind: LoopbackKind): Provider {
    let provider = this.cache.get(kind);
    if (!provider) {
      const { module, provider: exportName } = RUNTIME[kind];
      provider = shimProvider(path.join(this.runtimeDir, `${module}.js`), exportName);
      this.cache.set(kind, provider);
    }
    return provider;
  }
}

/** Inputs as the program declares them: each field may be an Output. */
type Declared<T> = { [K in keyof T]: pulumi.Input<T[K]> };

abstract class LoopbackResource<T> extends pulumi.dynamic.Resource {
  /**
   * `outputs`: the provider's outputs the program reads. The SDK resolves only the properties
   * passed here, so each is passed as undefined, which the engine fills from the provider's outs.
   */
  constructor(
    providers: LoopbackProviders,
    kind: LoopbackKind,
    name: string,
    inputs: Declared<T>,
    opts?: pulumi.CustomResourceOptions,
    outputs: readonly string[] = [],
  ) {
    const props: pulumi.Inputs = { ...inputs };
    for (const output of outputs) props[output] = undefined;
    super(providers.of(kind), name, props, opts, LOOPBACK_MODULE, kind);
  }
}

/** A supervised service process of one color. */
export class LoopbackService extends LoopbackResource<ServiceInputs> {
  declare readonly healthUrl: pulumi.Output<string>;
  declare readonly logFile: pulumi.Output<string>;
  declare readonly pid: pulumi.Output<number>;
  constructor(
    providers: LoopbackProviders,
    name: string,
    inputs: Declared<ServiceInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    // The provider's own outputs, passed as undefined so the engine fills them (see above).
    super(providers, "Service", name, inputs, opts, ["logFile", "pid"]);
  }
}

/** nginx serving the TrafficRouter's site. */
export class LoopbackProxy extends LoopbackResource<ProxyInputs> {
  constructor(
    providers: LoopbackProviders,
    name: string,
    inputs: Declared<ProxyInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(providers, "Proxy", name, inputs, opts);
  }
}

/** The PostgreSQL cluster folder: the data. */
export class PostgresCluster extends LoopbackResource<ClusterInputs> {
  declare readonly dataDir: pulumi.Output<string>;
  constructor(
    providers: LoopbackProviders,
    name: string,
    inputs: Declared<ClusterInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(providers, "PostgresCluster", name, inputs, opts);
  }
}

/** The PostgreSQL server process on the cluster. */
export class PostgresServer extends LoopbackResource<ServerInputs> {
  constructor(
    providers: LoopbackProviders,
    name: string,
    inputs: Declared<ServerInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(providers, "PostgresServer", name, inputs, opts);
  }
}

/** A one-shot step (snapshot, backup, forensic copy, restore, health gate, change record). */
export class LoopbackStep extends LoopbackResource<StepInputs> {
  /** The step's last lines of output (runtime/step.ts). */
  declare readonly stdout: pulumi.Output<string>;
  constructor(
    providers: LoopbackProviders,
    name: string,
    inputs: Declared<StepInputs>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(providers, "Step", name, inputs, opts, ["stdout"]);
  }
}
