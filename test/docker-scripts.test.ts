/**
 * The Docker target's shell steps run for real: the dump and restore steps against a private
 * PostgreSQL 15 (as the restore drill runs them), with the manifest each dump carries and the
 * restore's comparison with it; the proxy step with stand-ins for docker and nginx that record
 * what they are asked.
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
import { shellQuote } from "../domain/quote";
import { parseRestoreVerification, type ComparedRestore } from "../domain/restoreManifest";
import { Cleanup } from "../drills/cleanup";
import { CommandError, runShell } from "../drills/processes";
import { startPostgres, type PostgresCluster } from "../drills/restore/postgres";
import { postgresBinDir } from "../drills/tools";

const USER = "aitb";
const RELEASE = "2026.11.4";
const SNAPSHOT = "pre-switch-20261124T100000Z.dump";

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
    expect(fs.readdirSync(releaseDir).sort()).toEqual([SNAPSHOT, `${SNAPSHOT}.manifest`]);
    expect(fs.statSync(path.join(releaseDir, SNAPSHOT)).size).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(releaseDir, `${SNAPSHOT}.manifest`), "utf8")).toMatch(
      /^"public\.orders"\t500\t-?\d+\n$/,
    );
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
    expect(fs.readdirSync(releaseDir).sort()).toEqual([SNAPSHOT, `${SNAPSHOT}.manifest`]);
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
    expect(fs.readdirSync(releaseDir).sort()).toEqual([SNAPSHOT, `${SNAPSHOT}.manifest`]);
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
    expect(restore.stdout).toContain(`restored ${releaseDir}/${SNAPSHOT}`);
    expect(parseRestoreVerification(restore.stdout)).toMatchObject({
      snapshot: SNAPSHOT,
      ok: true,
    });
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

  test("a restore whose data is not what the manifest promised fails, naming the table", async () => {
    const manifest = path.join(releaseDir, `${SNAPSHOT}.manifest`);
    const promised = fs.readFileSync(manifest, "utf8");
    // The manifest says one order more than the dump holds.
    fs.writeFileSync(
      manifest,
      promised.replace('"public.orders"\t500\t', '"public.orders"\t501\t'),
    );
    // The step's stdout, kept in a file: a failed step's error carries only its stderr.
    const stdout = path.join(backupDir, "tampered.out");
    try {
      const error = await failure(
        cluster.step(
          `( ${pgRestoreStep({ user: USER, target: "aitb_tampered", backupDir, release: RELEASE })} ) > ${shellQuote(stdout)}`,
        ),
      );
      expect(error.code).toBe(1);
      expect(error.stderr).toContain(
        `the restored database is not what the snapshot holds: 1 of 1 tables differs from the manifest of ${SNAPSHOT}: public.orders (500 rows, expected 501)`,
      );
      const verification = parseRestoreVerification(
        fs.readFileSync(stdout, "utf8"),
      ) as ComparedRestore;
      expect(verification.ok).toBe(false);
      expect(verification.tables).toEqual([
        expect.objectContaining({
          table: "public.orders",
          expectedRows: 501,
          rows: 500,
          ok: false,
        }),
      ]);
    } finally {
      fs.writeFileSync(manifest, promised);
    }
  });

  test("a snapshot without a manifest restores as before and says it cannot be verified", async () => {
    const manifest = path.join(releaseDir, `${SNAPSHOT}.manifest`);
    fs.renameSync(manifest, `${manifest}.aside`);
    try {
      const restore = await cluster.step(
        pgRestoreStep({ user: USER, target: "aitb_unverified", backupDir, release: RELEASE }),
      );
      expect(parseRestoreVerification(restore.stdout)).toEqual({
        snapshot: SNAPSHOT,
        ok: null,
        tables: [],
        detail: `not verifiable: ${SNAPSHOT} has no manifest (taken before manifests were written)`,
      });
      expect(
        await cluster.query(cluster.url("aitb_unverified"), "select count(*) from orders"),
      ).toBe("500");
    } finally {
      fs.renameSync(`${manifest}.aside`, manifest);
    }
  });
});

describe("a dump taken while a bot writes", () => {
  const cleanup = new Cleanup();
  const release = "2026.11.5";
  const preload = 100_000;
  let cluster: PostgresCluster;
  let backupDir: string;

  beforeAll(async () => {
    const folder = cleanup.folder("aitb-busy-dump-");
    backupDir = path.join(folder, "backups");
    cluster = await startPostgres(cleanup, {
      folder,
      host: "127.0.0.1",
      user: USER,
      bin: postgresBinDir(),
    });
    await cluster.run("createdb", ["busy"]);
    // Each fill has its order: the two counts move together, one transaction at a time. The
    // table names need quoting, as any name pg_tables may hold.
    await cluster.query(
      cluster.url("busy"),
      `create table orders (id bigint primary key, placed_at timestamptz not null, price float8, note text);
       create table "order ""fills"" 2026" (id bigint primary key, order_id bigint not null, qty numeric(18, 8));
       create table writer_stop (at timestamptz);
       insert into orders select i, timestamptz '2026-11-24 14:30:00+00' + i * interval '1 ms', i / 7.0, 'n' || i from generate_series(1, ${preload}) as i;
       insert into "order ""fills"" 2026" select i, i, i * 0.001 from generate_series(1, ${preload}) as i`,
    );
  }, 120_000);

  afterAll(() => cleanup.run(), 60_000);

  /** Commits one order and its fill at a time until writer_stop has a row. */
  function startWriter(): Promise<unknown> {
    return cluster.query(
      cluster.url("busy"),
      `do $$
       declare next bigint := ${preload};
       begin
         loop
           exit when exists (select from writer_stop) or next > ${preload} + 1000000;
           next := next + 1;
           insert into orders values (next, clock_timestamp(), next / 7.0, 'live');
           insert into "order ""fills"" 2026" values (next, next, 1);
           commit;
         end loop;
       end $$`,
    );
  }

  const count = async (table: string) =>
    Number(await cluster.query(cluster.url("busy"), `select count(*) from ${table}`));

  test("has a manifest of exactly the rows in the dump, which the restore then finds", async () => {
    const writer = startWriter();
    let before = preload;
    while (before < preload + 50) before = await count("orders");
    const dump = await cluster.step(
      pgDumpStep({
        user: USER,
        database: "busy",
        folder: path.join(backupDir, release),
        file: "pre-switch-20261124T140000Z.dump",
      }),
    );
    const after = await count("orders");
    await cluster.query(cluster.url("busy"), "insert into writer_stop values (now())");
    await writer;
    expect(dump.stderr).toBe("");

    const manifest = fs
      .readFileSync(
        path.join(backupDir, release, "pre-switch-20261124T140000Z.dump.manifest"),
        "utf8",
      )
      .trim()
      .split("\n")
      .map((line) => line.split("\t"));
    const rows = Object.fromEntries(manifest.map(([table, n]) => [JSON.parse(table), Number(n)]));
    expect(Object.keys(rows).sort()).toEqual([
      'public."order ""fills"" 2026"',
      "public.orders",
      "public.writer_stop",
    ]);
    // Rows were committed on both sides of the snapshot, and the manifest is one snapshot.
    expect(rows["public.orders"]).toBeGreaterThan(before);
    expect(rows["public.orders"]).toBeLessThan(after);
    expect(rows['public."order ""fills"" 2026"']).toBe(rows["public.orders"]);

    const restore = await cluster.step(
      pgRestoreStep({ user: USER, target: "busy_restored", backupDir, release }),
    );
    const verification = parseRestoreVerification(restore.stdout) as ComparedRestore;
    expect(verification.ok).toBe(true);
    expect(verification.detail).toBe(
      "3 tables match the manifest of pre-switch-20261124T140000Z.dump (row counts and checksums)",
    );
    expect(verification.tables.map((table) => [table.table, table.rows, table.ok])).toEqual(
      manifest.map(([table, n]) => [JSON.parse(table), Number(n), true]),
    );
    // The drill's own checksum of the restored table (drills/restore/data.ts) says the same.
    const [restoredRows, restoredSum] = (
      await cluster.query(
        cluster.url("busy_restored"),
        "select count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) from orders t",
      )
    ).split(":");
    const orders = verification.tables.find((table) => table.table === "public.orders");
    expect([Number(restoredRows), restoredSum]).toEqual([
      orders?.expectedRows,
      orders?.expectedChecksum,
    ]);
  }, 120_000);
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
