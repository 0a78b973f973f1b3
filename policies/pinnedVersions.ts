/**
 * pinned-versions: every container image names the exact build it runs. A missing tag or
 * `latest` is denied everywhere; where settled builds are required (prod by default) the image
 * also carries the digest of the image that was tested.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { unpinnedReason } from "../domain/images";
import { settingsOf, stringListSchema, type PolicyFactoryArgs } from "./factory";
import {
  AZURE_CONTAINER_APP,
  DOCKER_CONTAINER,
  isRecord,
  known,
  pathProp,
  stackOfUrn,
  stringProp,
  type ResourceView,
} from "./resources";
import { stackFactsFromEngine, type StackFactsSource } from "./stackFacts";

export const PINNED_VERSIONS = "pinned-versions";

export interface PinnedVersionsSettings {
  /** Environments (aitb:environment) whose images must also be pinned by digest. */
  requireDigestIn: string[];
}

const DEFAULTS: PinnedVersionsSettings = { requireDigestIn: ["prod"] };

/** Images a resource runs, with where they are declared. */
export function imagesOf(resource: ResourceView): { where: string; image: string }[] {
  if (resource.type === DOCKER_CONTAINER) {
    const image = stringProp(resource.props, "image");
    return image ? [{ where: "image", image }] : [];
  }
  if (resource.type !== AZURE_CONTAINER_APP) return [];
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
  args: PolicyFactoryArgs & Partial<PinnedVersionsSettings> & { stack?: StackFactsSource } = {},
): ResourceValidationPolicy {
  const facts = args.stack ?? (() => stackFactsFromEngine());
  return {
    name: PINNED_VERSIONS,
    description:
      "Every container image is pinned: no missing tag or latest anywhere, and a digest in prod.",
    enforcementLevel: args.enforcementLevel ?? "mandatory",
    configSchema: {
      properties: {
        requireDigestIn: stringListSchema(
          "Environments whose images must be pinned by digest.",
          DEFAULTS.requireDigestIn,
        ),
      },
    },
    validateResource: (resource, reportViolation) => {
      const images = imagesOf(resource);
      if (images.length === 0) return;
      const given = { requireDigestIn: args.requireDigestIn };
      const settings = settingsOf(
        DEFAULTS,
        given,
        resource.getConfig<Partial<PinnedVersionsSettings>>(),
      );
      // Without the stack config (an older CLI), the stack's name stands in for its environment.
      const environment = facts().environment ?? stackOfUrn(resource.urn);
      const requireDigest =
        environment !== undefined && settings.requireDigestIn.includes(environment);
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
