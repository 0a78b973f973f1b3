import * as fs from "node:fs";
import * as path from "node:path";

/** The folder holding Pulumi.yaml, whether this code runs from source or from dist/. */
export function projectRoot(start: string = __dirname): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}
