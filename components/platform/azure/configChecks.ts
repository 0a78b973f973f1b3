import type { ConfigIssue } from "../../../config/errors";
import type { ParsedStackConfig } from "../../../config/schema";
import { COLORS } from "../../../domain/colors";
import { parseImageRef } from "../../../domain/images";
import { resolveRestorePoint } from "../../../domain/restore";
import { SERVICE_NAMES } from "../../../domain/services";
import { resolveServiceSettings } from "../../../domain/deployment";
import type { AzureNames } from "./names";
import { azureSettings } from "./settings";
import { azureInfluxIssues } from "./influxdb";

/** Container Apps (consumption) sizes: 0.25 to 4 vCPU in steps of 0.25, with twice as many GiB. */
function sizeProblem(cpu: number, memoryGi: number): string | undefined {
  const steps = cpu / 0.25;
  if (cpu < 0.25 || cpu > 4 || Math.abs(steps - Math.round(steps)) > 1e-9) {
    return `cpu ${cpu} is not a Container Apps size; expected 0.25 to 4 in steps of 0.25`;
  }
  if (Math.abs(memoryGi - cpu * 2) > 1e-9) {
    return `memoryGi ${memoryGi} does not fit cpu ${cpu}; Container Apps expects memoryGi = 2 x cpu (${cpu * 2})`;
  }
  return undefined;
}

/** How to bring a public image into the stack's registry with its digest unchanged. */
export function importCommand(image: string): string {
  const { repository, tag = "<tag>" } = parseImageRef(image);
  const first = repository.split("/")[0];
  const hosted = first.includes(".") || first.includes(":") || first === "localhost";
  const path = hosted ? repository.split("/").slice(1).join("/") : repository;
  const source = hosted
    ? repository
    : `docker.io/${repository.includes("/") ? repository : `library/${repository}`}`;
  return `az acr import --name <registry> --source ${source}:${tag} --image ${path}:${tag}`;
}

/**
 * The images the platform itself runs (the proxy, the forensic copy's pg_dump and upload steps)
 * must be pinned by digest on Azure: a tag can move, and Docker Hub's anonymous pulls are rate
 * limited, so they are best imported into aitb:azure.containerRegistry (which keeps the digest).
 */
function platformImageIssues(config: ParsedStackConfig): ConfigIssue[] {
  const images: { key: string; image: string | undefined; example: string }[] = [
    { key: "aitb:proxy.image", image: config.proxy.image, example: "nginx:1.27.2" },
    { key: "aitb:database.image", image: config.database.image, example: "postgres:15.8" },
    {
      key: "aitb:azure.cliImage",
      image: config.azure?.cliImage,
      example: "mcr.microsoft.com/azure-cli:2.67.0",
    },
  ];
  const issues: ConfigIssue[] = [];
  for (const { key, image, example } of images) {
    if (!image) {
      issues.push({
        key,
        message: `is missing; the azure target needs it pinned by digest, such as "${example}@sha256:<64 hex digits>" (check with \`docker buildx imagetools inspect ${example}\`)`,
      });
    } else if (!parseImageRef(image).digest) {
      issues.push({
        key,
        message: `"${image}" is not pinned by digest; append "@sha256:<64 hex digits>" of the tested image (\`docker buildx imagetools inspect ${image}\`), or import it into your registry (\`${importCommand(image)}\`) and pin that copy by the same digest`,
      });
    }
  }
  return issues;
}

/** Prefix length of an IPv4 CIDR ("10.40.0.0/23" -> 23). */
function prefixLength(cidr: string): number {
  return Number(cidr.split("/")[1]);
}

/** Zone redundancy and database high availability that Azure would refuse or ignore. */
function availabilityIssues(config: ParsedStackConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const settings = azureSettings(config);
  if (config.database.tier === "Burstable" && settings.highAvailability !== "Disabled") {
    issues.push({
      key: "aitb:database.highAvailability",
      message: `"${settings.highAvailability}" is not available on the Burstable tier (aitb:database.tier); set "Disabled" or a GeneralPurpose or MemoryOptimized tier`,
    });
  }
  const subnet = config.azure?.network.appsSubnet;
  if (settings.zoneRedundant && subnet && prefixLength(subnet) > 23) {
    issues.push({
      key: "aitb:azure.network.appsSubnet",
      message: `"${subnet}" is smaller than /23; a zone-redundant environment (aitb:azure.zoneRedundant) needs an infrastructure subnet of /23 or larger`,
    });
  }
  return issues;
}

/**
 * What the azure target needs beyond the schema, checked before any resource registers: pinned
 * images, one bot replica, Container Apps sizes, names Azure accepts, availability settings Azure
 * accepts, and a restore point it can restore to (point-in-time restore needs an instant).
 */
export function azureConfigIssues(config: ParsedStackConfig, names: AzureNames): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  issues.push(...azureInfluxIssues(config));
  for (const color of COLORS) {
    const release = config.slots[color].release;
    for (const service of SERVICE_NAMES) {
      if (config.releases[release]?.services[service]?.build) {
        issues.push({
          key: `aitb:releases.${release}.services.${service}`,
          message: `builds the reference service; the azure target runs pinned images only; set "image" (with "digest")`,
        });
      }
    }
  }
  for (const service of SERVICE_NAMES) {
    const settings = resolveServiceSettings(config, service);
    if (service === "bot" && settings.replicas !== 1) {
      issues.push({
        key: "aitb:services.bot.replicas",
        message: `${settings.replicas} is not valid; the bot runs as one replica per color (two replicas of the live bot would both trade); set 1`,
      });
    }
    const size = sizeProblem(settings.cpu, settings.memoryGi);
    if (size) issues.push({ key: `aitb:services.${service}`, message: size });
  }
  const globalNames = [...Object.values(names.vaults), names.storageAccount];
  const tooLong = globalNames.filter((name) => name.length > 24);
  if (tooLong.length > 0) {
    issues.push({
      key: "aitb:azure.namePrefix",
      message: `"${names.prefix}" makes ${tooLong.map((name) => `"${name}"`).join(", ")} longer than 24 characters (Key Vault and storage account names); set a shorter aitb:azure.namePrefix`,
    });
  }
  issues.push(...platformImageIssues(config), ...availabilityIssues(config));
  const cliTag = parseImageRef(config.azure?.cliImage ?? "").tag ?? "";
  if (config.azure?.cliImage && !/^\d+\.\d+\.\d+$/.test(cliTag)) {
    issues.push({
      key: "aitb:azure.cliImage",
      message: `"${config.azure.cliImage}" is not tagged with an Azure CLI version; expected "mcr.microsoft.com/azure-cli:<x.y.z>" (the deployment script runs that version)`,
    });
  }
  if (config.azure?.proxyCertificateId && config.proxy.hostname === "localhost") {
    issues.push({
      key: "aitb:proxy.hostname",
      message: `"localhost" cannot carry aitb:azure.proxyCertificateId; set the public host name the certificate is for`,
    });
  }
  const restore = config.database.restore;
  if (restore) {
    const point = resolveRestorePoint(config.database, restore, config.releaseHistory);
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(point.target)) {
      issues.push({
        key: "aitb:database.restore.target",
        message: `"${point.target}" is not a PostgreSQL server name (3-63 lowercase letters, digits or "-"); set aitb:database.restore.target`,
      });
    }
    if (point.target === names.server) {
      issues.push({
        key: "aitb:database.restore.target",
        message: `"${point.target}" is the live server; a restore creates a new server, then the color is repointed`,
      });
    }
    if (restore.fromRelease && !point.instant) {
      issues.push({
        key: "aitb:database.restore.fromRelease",
        message: `"${restore.fromRelease}" was never deactivated in aitb:releaseHistory, so there is no instant to restore to; add its deactivatedAt or give pointInTime`,
      });
    }
  }
  return issues;
}
