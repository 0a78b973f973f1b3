import * as fs from "node:fs";
import * as path from "node:path";
import { unpinnedReason } from "../domain/images";
import { ROOT } from "./support/stacks";

/** Each FROM of a Dockerfile with its ARG defaults substituted (ARGs declared before the first FROM). */
function baseImages(dockerfile: string): string[] {
  const args = new Map<string, string>();
  const images: string[] = [];
  for (const line of dockerfile.split("\n").map((l) => l.trim())) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)$/.exec(line);
    if (arg && images.length === 0) args.set(arg[1], arg[2]);
    const from = /^FROM\s+(\S+)/i.exec(line);
    if (from) {
      images.push(
        from[1].replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => {
          const value = args.get(a ?? b);
          if (value === undefined) throw new Error(`FROM uses ${a ?? b}, which has no default`);
          return value;
        }),
      );
    }
  }
  return images;
}

describe("the reference service's Dockerfile", () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, "reference-service", "Dockerfile"), "utf8");

  test("builds from a base pinned by tag and digest in every stage", () => {
    const images = baseImages(dockerfile);
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect({ image, unpinned: unpinnedReason(image, true) }).toEqual({
        image,
        unpinned: undefined,
      });
      expect(image).toMatch(/^node:20\.\d+\.\d+-alpine3\.\d+@sha256:[0-9a-f]{64}$/);
    }
  });

  test("names the public record the digest was taken from", () => {
    expect(dockerfile).toContain("repos/node/remote/20.20.0-alpine3.22.md");
  });
});
