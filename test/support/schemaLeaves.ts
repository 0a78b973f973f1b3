/**
 * Every string a stack config can hold, found by walking the zod schema itself (zod 4's `_zod.def`):
 * so a key added later is covered by the injection test without anyone listing it.
 */
import type { z } from "zod";

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

export interface StringLeaf {
  /** `releases.*.services.bot.env.<key>`: `*` any key's value, `<key>` the key itself, `[]` an item. */
  path: string;
  schema: z.ZodType;
}

const WRAPPERS = new Set(["optional", "default", "nullable", "prefault", "readonly", "catch"]);

export function stringLeaves(schema: z.ZodType, path = ""): StringLeaf[] {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const at = (part: string) => (path ? `${path}.${part}` : part);
  if (def.type === "string") return [{ path, schema }];
  if (def.type === "object") {
    return Object.entries(def.shape ?? {}).flatMap(([key, value]) => stringLeaves(value, at(key)));
  }
  if (WRAPPERS.has(def.type) && def.innerType) return stringLeaves(def.innerType, path);
  if (def.type === "record" && def.keyType && def.valueType) {
    return [...stringLeaves(def.keyType, at("<key>")), ...stringLeaves(def.valueType, at("*"))];
  }
  if (def.type === "array" && def.element) return stringLeaves(def.element, `${path}[]`);
  if (def.type === "union") {
    return (def.options ?? []).flatMap((option, index) => stringLeaves(option, `${path}|${index}`));
  }
  if (def.type === "pipe" && def.in) return stringLeaves(def.in, path);
  return [];
}
