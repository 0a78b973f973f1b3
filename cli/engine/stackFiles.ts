import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { SECRET_KEYS } from "../../config/schema";
import { NAMESPACE } from "../../config/validate";
import { credentialValues, outputMask, secureValues } from "../../contract/secrets";

/** The config of one stack as Pulumi would assemble it: project-level values, then the stack file. */
export interface StackSource {
  stack: string;
  project: string;
  /** Where the stack file came from (a path, or `<rev>:Pulumi.<stack>.yaml`). */
  origin: string;
  /** Flat `aitb:key` -> value, structured values as JSON text (what pulumi.Config reads). */
  flat: Record<string, string>;
  /** Keys without namespace -> value, as the schema reads them. */
  values: Record<string, unknown>;
  /** The stack file's text, for editing and diffs. */
  stackText: string;
}

interface ProjectConfigEntry {
  value?: unknown;
  default?: unknown;
  type?: string;
}

export class StackFileError extends Error {}

function isEntry(value: unknown): value is ProjectConfigEntry {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    ("value" in value || "type" in value || "default" in value)
  );
}

function fullKey(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function parseYaml(text: string, origin: string): Record<string, unknown> {
  try {
    const parsed: unknown = parse(text);
    return (parsed ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new StackFileError(`${origin} is not valid YAML: ${(error as Error).message}`);
  }
}

export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** Assemble a stack's config from the project file and stack file texts. */
export function assembleStackSource(
  stack: string,
  projectText: string,
  stackText: string,
  origin: string,
): StackSource {
  const projectDoc = parseYaml(projectText, "Pulumi.yaml");
  const project = String(projectDoc.name ?? NAMESPACE);
  const merged = new Map<string, unknown>();
  const projectConfig = (projectDoc.config ?? {}) as Record<string, unknown>;
  for (const [key, entry] of Object.entries(projectConfig)) {
    if (isEntry(entry)) {
      const value = entry.value ?? entry.default;
      if (value !== undefined) merged.set(fullKey(key, project), value);
    } else {
      merged.set(fullKey(key, project), entry);
    }
  }
  const stackDoc = parseYaml(stackText, origin);
  const stackConfig = (stackDoc.config ?? {}) as Record<string, unknown>;
  if (typeof stackConfig !== "object" || Array.isArray(stackConfig)) {
    throw new StackFileError(`${origin}: "config" must be a mapping of keys to values`);
  }
  for (const [key, value] of Object.entries(stackConfig)) merged.set(fullKey(key, project), value);

  const flat: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [key, value] of merged) {
    const isSecure = typeof value === "object" && value !== null && "secure" in value;
    if (isSecure) continue;
    flat[key] = typeof value === "string" ? value : JSON.stringify(value);
    const [namespace, name] = key.split(":", 2);
    if (namespace === NAMESPACE) values[name] = value;
  }
  // Whatever this file holds that is, or looks like, a secret is masked in every output.
  outputMask
    .addSource(stackText)
    .addSource(projectText)
    // The resolved values: a project key's declaration (type, description) is not its value.
    .addValues(credentialValues(Object.fromEntries(merged)))
    .addValues(secureValues(stackConfig));
  return { stack, project, origin, flat, values, stackText };
}

/**
 * A base that is not a file must name a commit. It never reaches git as an option: a value such
 * as `--output=/tmp/x` is refused here, and git is told where its options end.
 */
function assertGitRevision(root: string, rev: string): void {
  const problem = (why: string) =>
    new StackFileError(
      `--base "${rev}" ${why}; expected a git revision (a branch, tag or commit such as origin/main or HEAD~1) or the path of a stack file`,
    );
  if (rev.trim() === "" || rev.startsWith("-") || /[\s\0]/.test(rev)) {
    throw problem("is not a revision or a file");
  }
  try {
    execFileSync(
      "git",
      ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`],
      {
        cwd: root,
        stdio: ["ignore", "ignore", "ignore"],
      },
    );
  } catch {
    throw problem("names no commit of this repository and no file");
  }
}

function gitShow(root: string, rev: string, file: string): string {
  try {
    return execFileSync("git", ["show", "--end-of-options", `${rev}:${file}`], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? "";
    throw new StackFileError(
      `cannot read ${file} at git revision "${rev}": ${stderr || (error as Error).message}`,
    );
  }
}

/** The stack config from the working tree, or from a given stack file path. */
export function readStackSource(root: string, stack: string, configPath?: string): StackSource {
  const file = configPath ? path.resolve(configPath) : path.join(root, stackFileName(stack));
  if (!fs.existsSync(file)) {
    throw new StackFileError(
      `no stack file ${file}; expected ${stackFileName(stack)} in ${root} (or pass --config <path>)`,
    );
  }
  const projectText = fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8");
  const relative = path.relative(root, file);
  const origin = relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
  return assembleStackSource(stack, projectText, fs.readFileSync(file, "utf8"), origin);
}

/**
 * The stack config as deployed now: `base` is a stack file path, or a git revision whose
 * Pulumi.yaml and stack file are read.
 */
export function readBaseSource(root: string, stack: string, base: string): StackSource {
  if (fs.existsSync(base) && fs.statSync(base).isFile()) return readStackSource(root, stack, base);
  assertGitRevision(root, base);
  const projectText = gitShow(root, base, "Pulumi.yaml");
  const stackText = gitShow(root, base, stackFileName(stack));
  return assembleStackSource(stack, projectText, stackText, `${base}:${stackFileName(stack)}`);
}

/** Placeholders for the secret keys (encrypted in real stacks): never real values, always secret. */
export function secretPlaceholders(project: string): Record<string, string> {
  return Object.fromEntries(SECRET_KEYS.map((key) => [`${project}:${key}`, `placeholder-${key}`]));
}

/** The same stack with some `aitb:` keys replaced (tests, the rollback command's dry runs). */
export function withConfigValues(
  source: StackSource,
  changes: Record<string, unknown>,
): StackSource {
  const values = { ...source.values };
  const flat = { ...source.flat };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) {
      delete values[key];
      delete flat[`${NAMESPACE}:${key}`];
    } else {
      values[key] = value;
      flat[`${NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { ...source, values, flat };
}

/**
 * What a plan is judged against when no base is named: the committed stack file (`HEAD`), so an
 * unchanged stack judges as no change at any hour. Undefined outside git or for an uncommitted file.
 */
export function committedBase(root: string, stack: string): string | undefined {
  try {
    execFileSync("git", ["cat-file", "-e", `HEAD:${stackFileName(stack)}`], {
      cwd: root,
      stdio: ["ignore", "ignore", "ignore"],
    });
    return "HEAD";
  } catch {
    return undefined;
  }
}
