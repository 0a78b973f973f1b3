import {
  startReferenceService,
  type Color,
  type ReferenceService,
  type ReferenceServiceOptions,
} from "../../reference-service/server";
import type { Cleanup } from "../cleanup";
import { fromDrill, startWorker, toDrill, type WorkerMessage } from "../worker";

/** One blue or green instance of a service. */
export interface Instance {
  service: string;
  color: Color;
  release: string;
  /** The bot's options: its switch record, its lease, how fast it polls. */
  bot?: Pick<
    ReferenceServiceOptions,
    | "switchRecordDir"
    | "tradingLease"
    | "databaseUrl"
    | "standbyTradingMode"
    | "switchPollMs"
    | "leaseTtlMs"
    | "orderIntervalMs"
  >;
  /** Answer the fault switches (reference-service/faults.ts): drills that inject faults. */
  faultSwitches?: boolean;
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

/** Worker entry: reference services on free loopback ports, until the drill says stop. */
export async function servicesWorker(payload: ServicesPayload): Promise<void> {
  const running: ReferenceService[] = [];
  const ports: Record<string, number> = {};
  for (const instance of payload.instances) {
    const service = await startReferenceService({
      service: instance.service,
      color: instance.color,
      release: instance.release,
      host: payload.host,
      port: 0,
      ...(instance.bot ?? {}),
      ...(instance.faultSwitches ? { faultSwitches: true } : {}),
    });
    running.push(service);
    ports[instanceKey(instance.service, instance.color)] = service.port;
  }
  await toDrill({ type: "ready", ports } as Ready);
  await fromDrill("stop");
  // A bot releases its lease as it closes.
  await Promise.all(running.map((service) => service.close()));
  process.exit(0);
}

export interface RunningServices {
  ports: Record<string, number>;
  stop(): void;
}

/**
 * Services in a process of their own: one per color for the routed services (so the active
 * color's event loop is the only one under load) and one for the two bots.
 */
export async function startServices(
  cleanup: Cleanup,
  label: string,
  payload: ServicesPayload,
): Promise<RunningServices> {
  const worker = startWorker(
    cleanup,
    label,
    require.resolve("./services"),
    "servicesWorker",
    payload,
  );
  const ready = await worker.next<Ready>("ready", 30_000);
  return { ports: ready.ports, stop: () => worker.send({ type: "stop" }) };
}
