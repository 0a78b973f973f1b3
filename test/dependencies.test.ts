import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./support/stacks";

/**
 * Every @pulumi/* package the project installs must be a version npm does not deprecate, whose
 * provider plugin (the one `pulumi up` installs) is a released version of that provider. The
 * facts come from test/fixtures/pulumi-packages.json, written by scripts/pulumi-package-facts.mjs
 * where the registries are reachable; the test itself needs no network.
 */

const REFRESH =
  "refresh the fixture where the npm registry and PyPI are reachable: node scripts/pulumi-package-facts.mjs @pulumi/command@4.5.0";

interface VersionFacts {
  deprecated: string | null;
  published: string | null;
  pulumi: { resource?: boolean; name?: string; version?: string } | null;
  plugin: { name: string; version: string } | null;
}

interface Fixture {
  packages: Record<string, { versions: Record<string, VersionFacts> }>;
  providerReleases: Record<string, { repository: string; source: string; releases: string[] }>;
}

interface Pin {
  name: string;
  version: string;
  from: string;
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(ROOT, "test/fixtures/pulumi-packages.json"), "utf8"),
) as Fixture;

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8")) as T;
}

/** The top-level @pulumi/* packages of a lockfile (not packages nested inside them). */
function lockPins(lock: { packages?: Record<string, { version?: string }> }): Pin[] {
  return Object.entries(lock.packages ?? {}).flatMap(([key, entry]) => {
    const match = /^node_modules\/(@pulumi\/[^/]+)$/.exec(key);
    return match && entry.version
      ? [{ name: match[1], version: entry.version, from: "package-lock.json" }]
      : [];
  });
}

function policyPackPins(): Pin[] {
  const pack = readJson<{ dependencies?: Record<string, string> }>("policies/package.json");
  return Object.entries(pack.dependencies ?? {})
    .filter(([name]) => name.startsWith("@pulumi/"))
    .map(([name, version]) => ({ name, version, from: "policies/package.json" }));
}

/** What is wrong with one pin, as sentences naming the package, the version and the fix. */
function problemsOf(pin: Pin): string[] {
  const label = `${pin.name}@${pin.version} (${pin.from})`;
  const facts = fixture.packages[pin.name]?.versions[pin.version];
  if (!facts) return [`${label} is not in test/fixtures/pulumi-packages.json; ${REFRESH}`];
  const problems: string[] = [];
  if (facts.deprecated !== null) {
    problems.push(
      `${label} is deprecated on npm ("${facts.deprecated}"); pin a version that is not`,
    );
  }
  if (facts.plugin) {
    const provider = fixture.providerReleases[facts.plugin.name];
    if (!provider) {
      problems.push(
        `${label} installs plugin ${facts.plugin.name}, which has no release list; ${REFRESH}`,
      );
    } else if (!provider.releases.includes(facts.plugin.version)) {
      problems.push(
        `${label} makes pulumi up install plugin ${facts.plugin.name} v${facts.plugin.version}, which ${provider.repository} never released (${provider.source}); pin a released version`,
      );
    }
  }
  return problems;
}

describe("@pulumi/* dependencies", () => {
  const lock = readJson<{ packages?: Record<string, { version?: string }> }>("package-lock.json");
  const pins = [...lockPins(lock), ...policyPackPins()];

  test("the lockfile and the policy pack pin @pulumi/* packages", () => {
    expect(pins.map((pin) => pin.name)).toEqual(
      expect.arrayContaining(["@pulumi/pulumi", "@pulumi/command", "@pulumi/docker"]),
    );
  });

  test.each(pins.map((pin) => [`${pin.name}@${pin.version} (${pin.from})`, pin] as const))(
    "%s is known, not deprecated, and its plugin is a provider release",
    (_label, pin) => {
      expect(problemsOf(pin)).toEqual([]);
    },
  );

  test("each installed package is the locked version and names the plugin the fixture recorded", () => {
    for (const pin of lockPins(lock)) {
      const manifest = readJson<{ version: string; pulumi?: VersionFacts["pulumi"] }>(
        `node_modules/${pin.name}/package.json`,
      );
      // Some packages write their version with a leading "v" (@pulumi/policy: "v1.21.0").
      const installed = manifest.version.replace(/^v/, "");
      expect({ package: pin.name, version: installed }).toEqual({
        package: pin.name,
        version: pin.version,
      });
      expect(manifest.pulumi ?? null).toEqual(
        fixture.packages[pin.name]?.versions[pin.version]?.pulumi,
      );
    }
  });

  test("the deprecated @pulumi/command 4.5.0 would be refused, naming why", () => {
    const problems = problemsOf({
      name: "@pulumi/command",
      version: "4.5.0",
      from: "package-lock.json",
    });
    expect(problems).toEqual([
      expect.stringContaining("@pulumi/command@4.5.0 (package-lock.json) is deprecated on npm"),
      expect.stringContaining(
        "makes pulumi up install plugin command v4.5.0, which pulumi/pulumi-command never released",
      ),
    ]);
  });

  test("a version the fixture does not know says how to refresh it", () => {
    expect(
      problemsOf({ name: "@pulumi/docker", version: "0.0.1", from: "package-lock.json" }),
    ).toEqual([expect.stringContaining("node scripts/pulumi-package-facts.mjs")]);
  });
});
