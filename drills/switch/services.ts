import {
  startReferenceService,
  type Color,
  type ReferenceService,
} from "../../reference-service/server";
import type { Cleanup } from "../cleanup";
import { fromDrill, startWorker, toDrill, type WorkerMessage } from "../worker";

/** One blue or green instance of a routed service. */
export interface Instance {
  service: string;
  color: Color;
  release: string;
}

export interface ServicesPayload {
  host: string;
  instances: Instance[];
}

interface Ready extends WorkerMessage {
  type: "ready";
  ports: Record<string, number>;
}

export function instanceKey(service: string, color: Color): string {
  return `${service}-${color}`;
}

/** Worker entry: the reference services of both colors, on free loopback ports. */
export async function servicesWorker(payload: ServicesPayload): Promise<void> {
  const running: ReferenceService[] = [];
  const ports: Record<string, number> = {};
  for (const instance of payload.instances) {
    const service = await startReferenceService({ ...instance, host: payload.host, port: 0 });
    running.push(service);
    ports[instanceKey(instance.service, instance.color)] = service.port;
  }
  await toDrill({ type: "ready", ports } as Ready);
  await fromDrill("stop");
  await Promise.all(running.map((service) => service.close()));
  process.exit(0);
}

export interface RunningServices {
  ports: Record<string, number>;
  stop(): void;
}

export async function startServices(
  cleanup: Cleanup,
  payload: ServicesPayload,
): Promise<RunningServices> {
  const worker = startWorker(
    cleanup,
    "blue and green reference services",
    require.resolve("./services"),
    "servicesWorker",
    payload,
  );
  const ready = await worker.next<Ready>("ready", 30_000);
  return { ports: ready.ports, stop: () => worker.send({ type: "stop" }) };
}
