/**
 * The policy pack as `pulumi preview --policy-pack policies` runs it: started by Pulumi's own
 * policy runner (@pulumi/pulumi/cmd/run-policy-pack, which compiles the TypeScript pack with
 * ts-node) in the pack folder, and called over gRPC with the requests the engine sends, secrets
 * marked the way the engine marks them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";

const ROOT = path.resolve(__dirname, "../..");
const RUNNER = path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js");

/** How the engine marks a secret inside resource properties (rpc specialSigKey / specialSecretSig). */
export function engineSecret(value: unknown): Record<string, unknown> {
  return {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    value,
  };
}

export interface EngineResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  protect?: boolean;
  dependencies?: string[];
}

export interface Diagnostic {
  policy: string;
  level: string;
  urn: string;
  message: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

export function engineUrn(resource: EngineResource): string {
  return `urn:pulumi:prod::aitb::${resource.type}::${resource.name}`;
}

function options(resource: EngineResource): analyzerProto.AnalyzerResourceOptions {
  const opts = new analyzerProto.AnalyzerResourceOptions();
  opts.setProtect(resource.protect ?? false);
  return opts;
}

function diagnosticsOf(list: analyzerProto.AnalyzeDiagnostic[]): Diagnostic[] {
  return list.map((diagnostic) => ({
    policy: diagnostic.getPolicyname(),
    level: LEVELS[diagnostic.getEnforcementlevel()] ?? String(diagnostic.getEnforcementlevel()),
    urn: diagnostic.getUrn(),
    message: diagnostic.getMessage(),
  }));
}

export class RunningPack {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerRpc.AnalyzerClient,
    readonly startMs: number,
  ) {}

  /** Start the pack with the stack config the engine would pass (PULUMI_CONFIG). */
  static async start(config: Record<string, string>): Promise<RunningPack> {
    const started = performance.now();
    const child = spawn(process.execPath, [RUNNER, "127.0.0.1:1", "."], {
      cwd: path.join(ROOT, "policies"),
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout?.on("data", (chunk: Buffer) => {
        const line = chunk.toString().trim();
        if (/^\d+$/.test(line)) resolve(line);
      });
      child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${stderr}`)));
    });
    const client = new analyzerRpc.AnalyzerClient(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    );
    return new RunningPack(child, client, performance.now() - started);
  }

  policyNames(): Promise<string[]> {
    return new Promise((resolve, reject) =>
      this.client.getAnalyzerInfo(new Empty(), (error, info) =>
        error
          ? reject(error)
          : resolve(
              info
                .getPoliciesList()
                .map((p) => p.getName())
                .sort(),
            ),
      ),
    );
  }

  /** The config the pack hands the engine to apply under any --policy-pack-config file. */
  initialConfig(): Promise<Record<string, { enforcementLevel: string; properties: unknown }>> {
    return new Promise((resolve, reject) =>
      this.client.getAnalyzerInfo(new Empty(), (error, info) => {
        if (error) return reject(error);
        const config: Record<string, { enforcementLevel: string; properties: unknown }> = {};
        info.getInitialconfigMap().forEach((entry, name) => {
          config[name] = {
            enforcementLevel: LEVELS[entry.getEnforcementlevel()],
            properties: entry.getProperties()?.toJavaScript() ?? {},
          };
        });
        resolve(config);
      }),
    );
  }

  /** What the engine asks before registering a resource (its inputs). */
  analyze(resource: EngineResource): Promise<Diagnostic[]> {
    const request = new analyzerProto.AnalyzeRequest();
    request.setType(resource.type);
    request.setName(resource.name);
    request.setUrn(engineUrn(resource));
    request.setProperties(Struct.fromJavaScript(resource.props as never));
    request.setOptions(options(resource));
    return new Promise((resolve, reject) =>
      this.client.analyze(request, (error, response) =>
        error ? reject(error) : resolve(diagnosticsOf(response.getDiagnosticsList())),
      ),
    );
  }

  /** What the engine asks once every resource is known. */
  analyzeStack(resources: EngineResource[]): Promise<Diagnostic[]> {
    const request = new analyzerProto.AnalyzeStackRequest();
    request.setResourcesList(
      resources.map((resource) => {
        const item = new analyzerProto.AnalyzerResource();
        item.setType(resource.type);
        item.setName(resource.name);
        item.setUrn(engineUrn(resource));
        item.setProperties(Struct.fromJavaScript(resource.props as never));
        item.setOptions(options(resource));
        item.setDependenciesList(resource.dependencies ?? []);
        return item;
      }),
    );
    return new Promise((resolve, reject) =>
      this.client.analyzeStack(request, (error, response) =>
        error ? reject(error) : resolve(diagnosticsOf(response.getDiagnosticsList())),
      ),
    );
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }
}
