/**
 * The Docker target's shell steps run for real: the dump and restore steps against a private
 * PostgreSQL 15 (as the restore drill runs them), the proxy step with stand-ins for docker and
 * nginx that record what they are asked.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  pgDumpStep,
  pgRestoreStep,
  preSwitchDumpStep,
  proxyReloadScript,
  stagedSiteDir,
} from "../components/platform/docker/scripts";
import { Cleanup } from "../drills/cleanup";
import { CommandError, runShell } from "../drills/processes";
import { startPostgres, type PostgresCluster } from "../drills/restore/postgres";
import { postgresBinDir } from "../drills/tools";

const USER = "aitb";
const RELEASE = "2026.11.4";

async function failure(run: Promise<unknown>): Promise<CommandError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommandError);
  return error as CommandError;
}

describe("the dump and restore steps on a real PostgreSQL", () => {
  const cleanup = new Cleanup();
  let cluster: PostgresCluster;
  let backupDir: string;
  let releaseDir: string;

  beforeAll(async () => {
    const folder = cleanup.folder("aitb-dump-steps-");
    backupDir = path.join(folder, "backups");
    releaseDir = path.join(backupDir, RELEASE);
    cluster = await startPostgres(cleanup, {
      folder,
      host: "127.0.0.1",
      user: USER,
      bin: postgresBinDir(),
    });
    await cluster.run("createdb", ["aitb"]);
    await cluster.query(
      cluster.url("aitb"),
      "create table orders (id int primary key); insert into orders select generate_series(1, 500)",
    );
  }, 120_000);

  afterAll(() => cleanup.run(), 60_000);

  test("a snapshot appears under its name only complete and readable, with no partial file", async () => {
    await cluster.step(
      `release=${RELEASE} stamp=20261124T100000Z\n${preSwitchDumpStep({ user: USER, database: "aitb", backupDir })}`,
    );
    expect(fs.readdirSync(releaseDir)).toEqual(["pre-switch-20261124T100000Z.dump"]);
    expect(
      fs.statSync(path.join(releaseDir, "pre-switch-20261124T100000Z.dump")).size,
    ).toBeGreaterThan(0);
  });

  test("a failed pg_dump leaves no dump behind and says so", async () => {
    const error = await failure(
      cluster.step(
        pgDumpStep({
          user: USER,
          database: "no_such_database",
          folder: releaseDir,
          file: "pre-switch-20261124T110000Z.dump",
        }),
      ),
    );
    expect(error.stderr).toContain("pg_dump of no_such_database failed");
    expect(error.stderr).toContain("no dump was kept");
    expect(fs.readdirSync(releaseDir)).toEqual(["pre-switch-20261124T100000Z.dump"]);
  });

  test.each([
    ["dies half-way", 'printf PGDMP-partial > "$out"; exit 1'],
    ["exits 0 but writes nothing", ': > "$out"; exit 0'],
  ])("a pg_dump that %s leaves no dump behind either", async (_, body) => {
    // A pg_dump in front of the real one on PATH, writing to its -f argument.
    const bin = cleanup.folder("aitb-fake-pg-dump-");
    fs.writeFileSync(
      path.join(bin, "pg_dump"),
      `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -f ] && out=$2; shift; done\n${body}\n`,
      { mode: 0o755 },
    );
    const env = { ...cluster.env, PATH: `${bin}:${cluster.env.PATH ?? ""}` };
    const error = await failure(
      runShell(
        pgDumpStep({
          user: USER,
          database: "aitb",
          folder: releaseDir,
          file: "pre-switch-20261124T113000Z.dump",
        }),
        { env },
      ),
    );
    expect(error.stderr).toContain("no dump was kept");
    expect(fs.readdirSync(releaseDir)).toEqual(["pre-switch-20261124T100000Z.dump"]);
  });

  test("a restore skips newer snapshots that are empty or unreadable and restores the good one", async () => {
    // What the previous steps could leave: a 0-byte dump, and a truncated or foreign file.
    fs.writeFileSync(path.join(releaseDir, "pre-switch-20261124T120000Z.dump"), "");
    fs.writeFileSync(
      path.join(releaseDir, "pre-switch-20261124T130000Z.dump"),
      "PGDMP but not really",
    );
    const restore = await cluster.step(
      pgRestoreStep({ user: USER, target: "aitb_restored", backupDir, release: RELEASE }),
    );
    expect(restore.stdout).toContain(`restored ${releaseDir}/pre-switch-20261124T100000Z.dump`);
    expect(restore.stderr).toContain(`skipping ${releaseDir}/pre-switch-20261124T130000Z.dump`);
    expect(restore.stderr).toContain(`skipping ${releaseDir}/pre-switch-20261124T120000Z.dump`);
    expect(await cluster.query(cluster.url("aitb_restored"), "select count(*) from orders")).toBe(
      "500",
    );
  });

  test("with no readable snapshot at all the restore refuses and creates nothing", async () => {
    const empty = path.join(backupDir, "2026.11.3");
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, "pre-switch-20261118T150000Z.dump"), "");
    const error = await failure(
      cluster.step(
        pgRestoreStep({ user: USER, target: "aitb_nothing", backupDir, release: "2026.11.3" }),
      ),
    );
    expect(error.stderr).toContain(`no readable snapshot in ${empty}`);
    expect(
      await cluster.query(
        cluster.url("postgres"),
        "select count(*) from pg_database where datname = 'aitb_nothing'",
      ),
    ).toBe("0");
  });
});

describe("the proxy step", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A proxy folder, a log of what the stand-ins were asked, and the step's script. */
  function proxy(options: { running: boolean }) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-proxy-step-"));
    dirs.push(root);
    const dir = path.join(root, "proxy");
    const log = path.join(root, "calls.log");
    // The live nginx: records its arguments and what the site in place says at that moment.
    const nginx = path.join(root, "nginx");
    fs.writeFileSync(nginx, `#!/bin/sh\necho "nginx $* $(cat '${dir}/aitb.conf')" >> '${log}'\n`, {
      mode: 0o755,
    });
    const script = proxyReloadScript({
      dir,
      nginx,
      running: options.running ? "true" : "false",
      // The check of a staged site: accepts a site that says "good".
      validate: `{ echo "check $(cat "$staged/aitb.conf")" >> '${log}'; grep -q good "$staged/aitb.conf"; }`,
    });
    const site = () => fs.readFileSync(path.join(dir, "aitb.conf"), "utf8");
    const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);
    return { dir, script, site, calls };
  }

  test("with no proxy running, a site is checked before it is put in place", async () => {
    const p = proxy({ running: false });
    await runShell(p.script, { input: "good 1" });
    expect(p.site()).toBe("good 1");
    const error = await failure(runShell(p.script, { input: "bad 2" }));
    expect(error.stderr).toContain("nginx -t rejected the new site; the site in place stays");
    expect(p.site()).toBe("good 1");
    expect(p.calls()).toEqual(["check good 1", "check bad 2"]);
    expect(fs.existsSync(stagedSiteDir(p.dir))).toBe(false);
  });

  test("with the proxy running, the checked site is placed, tested in place, then reloaded", async () => {
    const p = proxy({ running: true });
    await runShell(p.script, { input: "good 1" });
    await failure(runShell(p.script, { input: "bad 2" }));
    await runShell(p.script, { input: "good 3" });
    expect(p.site()).toBe("good 3");
    // The rejected site never reached the running nginx.
    expect(p.calls()).toEqual([
      "check good 1",
      "nginx -t -q good 1",
      "nginx -s reload good 1",
      "check bad 2",
      "check good 3",
      "nginx -t -q good 3",
      "nginx -s reload good 3",
    ]);
    expect(fs.readdirSync(p.dir).sort()).toEqual(["aitb.conf", "aitb.conf.previous"]);
  });
});
