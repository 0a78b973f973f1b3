/**
 * pinned-versions: every container image names the exact build it runs. A missing tag or
 * `latest` is denied everywhere; where settled builds are required (prod by default) the image
 * also carries the digest of the image that was tested.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { unpinnedReason } from "../domain/images";
import {
  rulesOf,
  settingsOf,
  stringListSchema,
  type PolicyFactoryArgs,
  type RulesArgs,
} from "./factory";
import {
  AZURE_CONTAINER_APP,
  DOCKER_CONTAINER,
  isRecord,
  known,
  pathProp,
  stackOfUrn,
  stringProp,
  type ResourceView,
  isType,
} from "../contract/resources";
import { judgedEnvironment } from "./rules";

export const PINNED_VERSIONS = "pinned-versions";

export interface PinnedVersionsSettings {
  /** Environments (by the pack's stack map) whose images must also be pinned by digest. */
  requireDigestIn: string[];
}

const DEFAULTS: PinnedVersionsSettings = { requireDigestIn: ["prod"] };

/** Images a resource runs, with where they are declared. */
export function imagesOf(resource: ResourceView): { where: string; image: string }[] {
  if (isType(resource, DOCKER_CONTAINER)) {
    const image = stringProp(resource.props, "image");
    return image ? [{ where: "image", image }] : [];
  }
  if (!isType(resource, AZURE_CONTAINER_APP)) return [];
  const found: { where: string; image: string }[] = [];
  for (const list of ["containers", "initContainers"]) {
    const containers = pathProp(resource.props, "template", list);
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, index) => {
      const image = isRecord(container) ? known(() => container.image) : undefined;
      if (typeof image === "string")
        found.push({ where: `template.${list}[${index}].image`, image });
    });
  }
  return found;
}

export function pinnedVersions(
  args: PolicyFactoryArgs & RulesArgs & Partial<PinnedVersionsSettings> = {},
): ResourceValidationPolicy {
  const rules = rulesOf(args);
  // The factory's arguments are the policy's defaults; the pack config (getConfig) wins.
  const base = settingsOf(DEFAULTS, { requireDigestIn: args.requireDigestIn }, {});
  return {
    name: PINNED_VERSIONS,
    description:
      "Every container image is pinned: no missing tag or latest anywhere, and a digest in prod.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        requireDigestIn: stringListSchema(
          "Environments whose images must be pinned by digest.",
          base.requireDigestIn,
        ),
      },
    },
    validateResource: (resource, reportViolation) => {
      const images = imagesOf(resource);
      if (images.length === 0) return;
      const settings = settingsOf(base, {}, resource.getConfig<Partial<PinnedVersionsSettings>>());
      // The environment the pack's map gives the stack's name, never the stack file's say.
      const environment = judgedEnvironment(rules, stackOfUrn(resource.urn));
      const requireDigest = settings.requireDigestIn.includes(environment);
      for (const { where, image } of images) {
        const reason = unpinnedReason(image, requireDigest);
        if (reason) {
          const scope = requireDigest ? ` (${environment} requires a digest)` : "";
          reportViolation(
            `${resource.name} ${where}: ${reason}${scope}; pin it in the stack config ` +
              `(aitb:releases for the services, aitb:proxy.image, aitb:database.image)`,
          );
        }
      }
    },
  };
}
