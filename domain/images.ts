/** An image reference split into the parts the pinning rules look at. */
export interface ImageRef {
  repository: string;
  tag?: string;
  digest?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseImageRef(reference: string): ImageRef {
  const [nameAndTag, digest] = reference.split("@", 2);
  const lastSlash = nameAndTag.lastIndexOf("/");
  const lastColon = nameAndTag.lastIndexOf(":");
  const hasTag = lastColon > lastSlash;
  return {
    repository: hasTag ? nameAndTag.slice(0, lastColon) : nameAndTag,
    tag: hasTag ? nameAndTag.slice(lastColon + 1) : undefined,
    digest,
  };
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(reference: string, requireDigest: boolean): string | undefined {
  const ref = parseImageRef(reference);
  if (!ref.tag) return `"${reference}" has no tag; pin it to a release tag such as ":2026.11.4"`;
  if (ref.tag === "latest") return `"${reference}" uses the moving tag "latest"; pin a release tag`;
  if (ref.digest !== undefined && !isDigest(ref.digest)) {
    return `"${reference}" has a malformed digest; expected "@sha256:" and 64 hex digits`;
  }
  if (requireDigest && !ref.digest) {
    return `"${reference}" has no digest; append "@sha256:<64 hex digits>" of the image that was tested`;
  }
  return undefined;
}

export function withDigest(image: string, digest: string | undefined): string {
  if (!digest || image.includes("@")) return image;
  return `${image}@${digest}`;
}
