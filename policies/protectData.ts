/**
 * protect-data: databases, database volumes, log stores and backup storage can never be deleted by an update
 * (protect) and stay in place when removed from the program (retainOnDelete).
 *
 * @pulumi/policy 1.21 hands policies `opts` without retainOnDelete (the engine's analyzer options
 * carry protect, ignoreChanges, deleteBeforeReplace, aliases, customTimeouts,
 * additionalSecretOutputs and parent). So under `pulumi preview` this rule checks protect, and
 * `aitb plan`, which records every option the program set, checks retainOnDelete as well.
 */
import type { PolicyResourceOptions, ResourceValidationPolicy } from "@pulumi/policy";
import {
  AZURE_POSTGRES_SERVER,
  baseType,
  DOCKER_CONTAINER,
  DOCKER_VOLUME,
  isType,
  LOOPBACK_POSTGRES_SERVER,
  roleOf,
  type ResourceView,
} from "../contract/resources";
import type { PolicyFactoryArgs } from "./factory";

export const PROTECT_DATA = "protect-data";

/** Options as the plan passes them: the engine's, plus retainOnDelete when it is known. */
export type DataResourceOptions = PolicyResourceOptions & { retainOnDelete?: boolean };

function isStorage(type: string): boolean {
  return baseType(type).startsWith("azure-native:storage:") || type === DOCKER_VOLUME;
}

/** What kind of data a resource holds, or undefined when it holds none this rule guards. */
export function dataKind(resource: ResourceView): string | undefined {
  const role = roleOf(resource);
  // A Docker container around a database holds no data: its volume does, and the container must
  // stay replaceable (a new image or password recreates it over the same volume). The same holds
  // for the loopback target's server process over its cluster folder.
  if (role === "database" && isType(resource, DOCKER_CONTAINER, LOOPBACK_POSTGRES_SERVER)) {
    return undefined;
  }
  if (role === "database" || isType(resource, AZURE_POSTGRES_SERVER)) return "database";
  if (role === "database-volume") return "database volume";
  // The services' logs outlive their containers (components/LogRetention.ts): a replaced container
  // must find them, and a forensic copy may still need them.
  if (role === "log-store") return "log store";
  // Backup and forensic-copy commands and jobs only write; the storage they write to is the data.
  if ((role === "backup" || role === "forensic-copy") && isStorage(resource.type)) {
    return "backup storage";
  }
  return undefined;
}

export function protectData(args: PolicyFactoryArgs = {}): ResourceValidationPolicy {
  return {
    name: PROTECT_DATA,
    description:
      "Databases, database volumes, log stores and backup storage are protected and retained on delete.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    validateResource: (resource, reportViolation) => {
      const kind = dataKind(resource);
      if (!kind) return;
      const opts: DataResourceOptions = resource.opts;
      if (!opts.protect) {
        reportViolation(
          `${resource.name} (${kind}) is not protected; declare it with protect: true so no update can delete it`,
        );
      }
      if (opts.retainOnDelete === false) {
        reportViolation(
          `${resource.name} (${kind}) is not retained on delete; declare it with retainOnDelete: true so removing it from the program leaves the data in place`,
        );
      }
    },
  };
}
