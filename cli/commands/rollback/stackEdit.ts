import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { NAMESPACE } from "../../../config/validate";
import { StackFileError } from "../../engine/stackFiles";

export type KeyPath = readonly (string | number)[];

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The stack file's `config` key of an `aitb:` setting. */
export function configKey(key: string): string {
  return key.includes(":") ? key : `${NAMESPACE}:${key}`;
}

/**
 * Edits a stack file through the yaml Document API, so that comments, key order, quoting and
 * flow/block styles of everything not edited survive. Only `config` entries are touched; scalars
 * are changed in place (keeping their quoting), mappings key by key (keeping the order of the
 * keys that stay), and new instants are double-quoted like the rest of the stack files.
 */
export class StackFileEditor {
  private readonly doc: Document;

  constructor(
    readonly original: string,
    readonly origin: string,
  ) {
    this.doc = parseDocument(original, { keepSourceTokens: false });
    if (this.doc.errors.length > 0) {
      throw new StackFileError(`${origin} is not valid YAML: ${this.doc.errors[0].message}`);
    }
    if (!isMap(this.doc.contents)) {
      throw new StackFileError(`${origin}: expected a mapping with a "config" key at the top`);
    }
    const config = this.doc.get("config", true);
    if (config === undefined || config === null || (isScalar(config) && config.value === null)) {
      this.doc.set("config", this.doc.createNode({}));
    } else if (!isMap(config)) {
      throw new StackFileError(`${origin}: "config" must be a mapping of keys to values`);
    }
  }

  private fullPath(key: string, path: KeyPath): unknown[] {
    return ["config", configKey(key), ...path];
  }

  /** The current value at `aitb:<key>` and `path` below it, as plain data. */
  get(key: string, path: KeyPath = []): unknown {
    const node: unknown = this.doc.getIn(this.fullPath(key, path), true);
    if (node === undefined) return undefined;
    return isScalar(node) ? node.value : (node as YAMLMap | YAMLSeq).toJSON();
  }

  /** Set `aitb:<key>` (at `path` below it) to a scalar, mapping or list. */
  set(key: string, path: KeyPath, value: unknown): void {
    this.setAt(this.fullPath(key, path), value);
  }

  delete(key: string, path: KeyPath = []): void {
    this.doc.deleteIn(this.fullPath(key, path));
  }

  /** Append one item to the list at `aitb:<key>`, creating the list when absent. */
  append(key: string, item: unknown): void {
    const full = this.fullPath(key, []);
    const node: unknown = this.doc.getIn(full, true);
    if (node === undefined) {
      this.doc.setIn(full, this.newNode([item]));
      return;
    }
    if (!isSeq(node)) {
      throw new StackFileError(`${this.origin}: ${configKey(key)} must be a list to append to`);
    }
    node.items.push(this.newNode(item));
  }

  private setAt(path: unknown[], value: unknown): void {
    const node: unknown = this.doc.getIn(path, true);
    if (isScalar(node) && (value === null || typeof value !== "object")) {
      if (node.value !== value) {
        node.value = value;
        if (typeof value === "string" && ISO_INSTANT.test(value)) node.type = Scalar.QUOTE_DOUBLE;
      }
      return;
    }
    if (isMap(node) && isPlainObject(value)) {
      for (const pair of [...node.items]) {
        const name = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof name === "string" && !(name in value)) node.delete(name);
      }
      for (const [name, item] of Object.entries(value)) {
        if (item === undefined) node.delete(name);
        else this.setAt([...path, name], item);
      }
      return;
    }
    this.doc.setIn(path, this.newNode(value));
  }

  private newNode(value: unknown): unknown {
    const node = this.doc.createNode(value);
    const quoteInstants = (item: unknown): void => {
      if (isScalar(item)) {
        if (typeof item.value === "string" && ISO_INSTANT.test(item.value)) {
          item.type = Scalar.QUOTE_DOUBLE;
        }
      } else if (isMap(item)) {
        for (const pair of item.items) quoteInstants(pair.value);
      } else if (isSeq(item)) {
        item.items.forEach(quoteInstants);
      }
    };
    quoteInstants(node);
    return node;
  }

  text(): string {
    return this.doc.toString({ lineWidth: 0 });
  }

  /** Whether the file reads back unchanged when nothing is edited (a file yaml would reformat). */
  roundTrips(): boolean {
    return parseDocument(this.original).toString({ lineWidth: 0 }) === this.original;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `config` keys whose values differ between two versions of a stack file. */
export function changedConfigKeys(before: string, after: string): string[] {
  const read = (text: string): Record<string, unknown> => {
    const parsed = parseDocument(text).toJSON() as { config?: Record<string, unknown> } | null;
    return parsed?.config ?? {};
  };
  const a = read(before);
  const b = read(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]),
  );
}
