import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_KEYS, SECRET_KEYS } from "../config/schema";
import { ROOT } from "./support/stacks";

const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
const project = parse(text) as {
  name: string;
  runtime: { name: string; options: { typescript: boolean } };
  config: Record<
    string,
    { type?: string; description?: string; value?: unknown; secret?: boolean }
  >;
};

describe("Pulumi.yaml", () => {
  it("is the aitb project on the nodejs runtime with TypeScript", () => {
    expect(project.name).toBe("aitb");
    expect(project.runtime).toMatchObject({ name: "nodejs", options: { typescript: true } });
  });

  it("declares or documents every config key the program reads", () => {
    for (const key of CONFIG_KEYS) {
      const declared = key in project.config;
      const documented = new RegExp(`#\\s+aitb:${key}\\b`).test(text);
      expect({ key, found: declared || documented }).toEqual({ key, found: true });
    }
  });

  it("types its scalar keys and describes each of them", () => {
    for (const [key, entry] of Object.entries(project.config)) {
      if (key === "releases") continue;
      expect({ key, type: entry.type, described: Boolean(entry.description) }).toEqual({
        key,
        type: "string",
        described: true,
      });
    }
  });

  it("declares the secrets as secret", () => {
    for (const key of SECRET_KEYS) expect(project.config[key]).toMatchObject({ secret: true });
  });
});
