import type { ConfigIssue } from "../../../config/errors";
import type { ParsedStackConfig } from "../../../config/schema";
import { COLORS } from "../../../domain/colors";
import { parseImageRef } from "../../../domain/images";
import { resolveRestorePoint } from "../../../domain/restore";
import { SERVICE_NAMES } from "../../../domain/services";
import { resolveServiceSettings } from "../../../domain/deployment";
import type { AzureNames } from "./names";

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

/**
 * What the azure target needs beyond the schema, checked before any resource registers: pinned
 * images, one bot replica, Container Apps sizes, names Azure accepts, and a restore point it can
 * restore to (point-in-time restore needs an instant).
 */
export function azureConfigIssues(config: ParsedStackConfig, names: AzureNames): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
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
  if (names.vault.length > 24 || names.storageAccount.length > 24) {
    issues.push({
      key: "aitb:azure.namePrefix",
      message: `"${names.prefix}" makes the Key Vault "${names.vault}" or storage account "${names.storageAccount}" longer than 24 characters; set a shorter aitb:azure.namePrefix`,
    });
  }
  const cliTag = parseImageRef(config.azure?.cliImage ?? "").tag ?? "";
  if (config.azure && !/^\d+\.\d+\.\d+$/.test(cliTag)) {
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
