import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const created: string[] = [];

/** Write a file into a new temporary folder; `removeTempFiles` deletes every such folder. */
export function tempFile(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-test-"));
  created.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

export function removeTempFiles(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
