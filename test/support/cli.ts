import { buildCli } from "../../cli/main";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the `aitb` command line in-process, capturing its output and exit code. */
export async function runCli(args: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const out = jest
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
  const err = jest
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: string | Uint8Array) => {
      stderr += chunk.toString();
      return true;
    });
  process.exitCode = undefined;
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(["node", "aitb", ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout, stderr };
}
