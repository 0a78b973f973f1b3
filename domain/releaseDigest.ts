/**
 * Content digests: sha256 of a canonical JSON text. A release pin names content that never
 * changes once it has been live, so the release history records the digest of what was live and
 * every later update is compared with it.
 */
import { createHash } from "node:crypto";
import { SERVICE_NAMES } from "./services";

/** What a release pins for one service: an image (with its digest) or a build, env and files. */
export interface ReleaseServiceContent {
  image?: string;
  digest?: string;
  build?: string;
  env?: Record<string, string>;
  files?: Record<string, string>;
}

export interface ReleaseContent {
  /** Free text about the release; not content (a corrected note changes no byte that runs). */
  notes?: string;
  services: Record<string, ReleaseServiceContent>;
}

/**
 * JSON with object keys sorted and no insignificant whitespace, so equal values give equal text
 * whatever order their keys were written in. `undefined` members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new Error(`canonicalJson: ${value} has no JSON form`);
    }
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item))).join(",")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
}

/** `sha256:` and the 64 hex digits of the canonical JSON of a value. */
export function contentDigest(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value), "utf8").digest("hex")}`;
}

/**
 * The digest of a release's content: every service's image, image digest, build, env and files.
 * Absent env and files count as empty, so writing `env: {}` or leaving it out is the same release.
 */
export function releaseDigest(release: ReleaseContent): string {
  const names = [...new Set([...SERVICE_NAMES, ...Object.keys(release.services)])].sort();
  const services = Object.fromEntries(
    names
      .filter((name) => release.services[name] !== undefined)
      .map((name) => {
        const service = release.services[name];
        return [
          name,
          {
            image: service.image,
            digest: service.digest,
            build: service.build,
            env: service.env ?? {},
            files: service.files ?? {},
          },
        ];
      }),
  );
  return contentDigest({ services });
}

/** The short form of a digest for messages: `sha256:` and the first 12 hex digits. */
export function shortDigest(digest: string): string {
  return digest.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]*$/, "$1");
}
