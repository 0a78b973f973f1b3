import { spawn } from "node:child_process";
import * as path from "node:path";
import { drillCommand } from "../cli/commands/drill";
import { leftovers, type Started } from "../drills/cleanup";
import { assertLoopback, assertLoopbackUrl, LoopbackError } from "../drills/loopback";
import { DrillOptionError } from "../drills/options";
import { runRestoreDrill, RESTORE_DEFAULTS } from "../drills/restore/drill";
import { runSwitchDrill, SWITCH_DEFAULTS } from "../drills/switch/drill";
import { INSTALL_HINT, MissingToolError, nginxBinary, postgresBinDir } from "../drills/tools";
import { typescriptHook } from "../drills/worker";

const empty = (): Started => ({ groups: [], folders: [] });

async function withEnv<T>(name: string, value: string, body: () => Promise<T>): Promise<T> {
  const saved = process.env[name];
  process.env[name] = value;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

describe("loopback only", () => {
  test.each(["127.0.0.1", "127.0.0.2", "127.255.0.9"])("accepts %s", (address) => {
    expect(assertLoopback(address, "--host")).toBe(address);
  });

  test.each([
    "10.0.0.1",
    "192.168.1.20",
    "0.0.0.0",
    "8.8.8.8",
    "localhost",
    "::1",
    "127.0.0.1.nip.io",
    "",
  ])("refuses %j, naming the value and what to use", (address) => {
    expect(() => assertLoopback(address, "--host")).toThrow(LoopbackError);
    expect(() => assertLoopback(address, "--host")).toThrow(
      `--host is "${address}"; the drills run only on loopback: use an IPv4 loopback address such as 127.0.0.1`,
    );
  });

  test("a database URL must point at loopback too", () => {
    expect(assertLoopbackUrl("postgres://aitb@127.0.0.1:5432/aitb", "url").port).toBe("5432");
    expect(() => assertLoopbackUrl("postgres://aitb@db.example.com:5432/aitb", "url")).toThrow(
      'url host is "db.example.com"',
    );
    expect(() => assertLoopbackUrl("not a url", "url")).toThrow(LoopbackError);
  });

  test("the switch drill refuses an address off loopback before starting anything", async () => {
    const started = empty();
    await expect(runSwitchDrill({ ...SWITCH_DEFAULTS, host: "10.1.2.3", started })).rejects.toThrow(
      LoopbackError,
    );
    expect(started).toEqual(empty());
  });

  test("the restore drill refuses an address off loopback before starting anything", async () => {
    const started = empty();
    await expect(
      runRestoreDrill({ ...RESTORE_DEFAULTS, host: "192.168.0.10", started }),
    ).rejects.toThrow(LoopbackError);
    expect(started).toEqual(empty());
  });
});

describe("the command line", () => {
  let stderr: string;
  beforeEach(() => {
    stderr = "";
    jest.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.exitCode = undefined;
  });

  test("exits 2 with the reason when pointed off loopback", async () => {
    await drillCommand().parseAsync(["switch", "--host", "10.0.0.1"], { from: "user" });
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain('--host is "10.0.0.1"; the drills run only on loopback');
  });

  test("exits 2 naming an option out of range and what it expects", async () => {
    await drillCommand().parseAsync(["switch", "--switches", "40", "--duration", "5"], {
      from: "user",
    });
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain("--duration 5 s for --switches 40 leaves less than 0.25 s per switch");
    await drillCommand().parseAsync(["restore", "--rows", "0"], { from: "user" });
    expect(stderr).toContain("--rows is 0; expected a whole number from 10 to 50000000");
  });

  test("exits 2 naming a keep-alive timeout the site may not have", async () => {
    await drillCommand().parseAsync(["switch", "--keepalive", "0"], { from: "user" });
    expect(process.exitCode).toBe(2);
    expect(stderr).toContain("--keepalive is 0; expected a whole number from 1 to 10");
  });
});

describe("option checks", () => {
  test("a switch needs at least 0.25 s of load to itself", async () => {
    await expect(
      runSwitchDrill({ ...SWITCH_DEFAULTS, switches: 10, durationS: 2 }),
    ).rejects.toThrow(DrillOptionError);
    await expect(runSwitchDrill({ ...SWITCH_DEFAULTS, switches: 0 })).rejects.toThrow(
      "--switches is 0; expected a whole number from 1 to 1000",
    );
  });
});

describe("missing servers fail with the install command", () => {
  test("nginx", async () => {
    await withEnv("AITB_NGINX", "/nonexistent/nginx", async () => {
      expect(() => nginxBinary()).toThrow(MissingToolError);
      expect(() => nginxBinary()).toThrow(INSTALL_HINT);
      expect(INSTALL_HINT).toContain("bash scripts/install-test-deps.sh");
      const started = empty();
      await expect(runSwitchDrill({ ...SWITCH_DEFAULTS, started })).rejects.toThrow(
        MissingToolError,
      );
      expect(started).toEqual(empty());
    });
  });

  test("PostgreSQL", async () => {
    await withEnv("AITB_PG_BIN", "/nonexistent/bin", async () => {
      expect(() => postgresBinDir()).toThrow(
        /PostgreSQL 15 is not installed: initdb, .* missing in AITB_PG_BIN \(\/nonexistent\/bin\); run `bash scripts\/install-test-deps.sh`/,
      );
      const started = empty();
      await expect(runRestoreDrill({ ...RESTORE_DEFAULTS, rows: 100, started })).rejects.toThrow(
        MissingToolError,
      );
      expect(started).toEqual(empty());
    });
  });
});

/** Runs `aitb drill <args>` from the sources in a child process and signals it once `line` shows. */
function interrupt(args: string[], line: RegExp, signal: NodeJS.Signals) {
  const command = require.resolve("../cli/commands/drill");
  const source = `${typescriptHook()}
require(${JSON.stringify(command)}).drillCommand().parseAsync(${JSON.stringify(args)}, { from: "user" });`;
  return new Promise<{ started: Started; exit: NodeJS.Signals | number | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ["-e", source], {
        cwd: path.resolve(__dirname, ".."),
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      let signalled = false;
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`no "${line}" within 60 s:\n${stderr}`));
      }, 60_000);
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        if (!signalled && line.test(stderr)) {
          signalled = true;
          child.kill(signal);
        }
      });
      child.on("exit", (code, killedBy) => {
        clearTimeout(timer);
        const started: Started = {
          groups: [...stderr.matchAll(/\(process group (\d+)\)/g)].map((m) => Number(m[1])),
          folders: [...stderr.matchAll(/created folder (\S+)/g)].map((m) => m[1]),
        };
        resolve({ started, exit: killedBy ?? code, stderr });
      });
    },
  );
}

describe("Ctrl-C, SIGTERM and a closed terminal (SIGHUP)", () => {
  beforeAll(() => {
    nginxBinary();
    postgresBinDir();
  });

  test("SIGINT during the restore drill stops PostgreSQL and removes its folder", async () => {
    const run = await interrupt(
      ["restore", "--rows", "300000", "--rounds", "1"],
      /started PostgreSQL/,
      "SIGINT",
    );
    expect(run.stderr).toContain("SIGINT: stopping everything the drill started");
    expect(run.exit).toBe("SIGINT");
    expect(run.started.groups).toHaveLength(1);
    expect(run.started.folders).toHaveLength(1);
    expect(leftovers(run.started)).toEqual(empty());
  }, 90_000);

  test("SIGHUP during the restore drill stops PostgreSQL and removes its folder", async () => {
    const run = await interrupt(
      ["restore", "--rows", "300000", "--rounds", "1"],
      /started PostgreSQL/,
      "SIGHUP",
    );
    expect(run.stderr).toContain("SIGHUP: stopping everything the drill started");
    expect(run.exit).toBe("SIGHUP");
    expect(leftovers(run.started)).toEqual(empty());
  }, 90_000);

  test("SIGTERM during the switch drill stops nginx, PostgreSQL, the services and the load", async () => {
    const run = await interrupt(["switch"], /started load generator/, "SIGTERM");
    expect(run.stderr).toContain("SIGTERM: stopping everything the drill started");
    expect(run.exit).toBe("SIGTERM");
    // PostgreSQL, each color's services, the bots, nginx, the first load generator.
    expect(run.started.groups).toHaveLength(6);
    expect(run.started.folders).toHaveLength(1);
    expect(leftovers(run.started)).toEqual(empty());
  }, 90_000);
});
