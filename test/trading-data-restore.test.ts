import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runDataArchive, runDataRestore, type DataRestoreFlags } from "../cli/commands/data";
import { writeArchive } from "../cli/commands/data/archiveWrite";
import { withDuck } from "../cli/commands/data/duck";
import { sha256File } from "../cli/commands/data/files";
import { withClient } from "../cli/commands/data/pg";
import {
  LIVE_TRADING_SCHEMA,
  TRADING_DATA_TYPES,
  archiveFile,
  checksumSql,
  manifestFile,
  type ArchiveManifest,
} from "../contract/tradingData";
import { NYSE_REGULAR } from "../domain/calendar";
import { tradingDayFrame } from "../domain/tradingData/session";
import { Cleanup, leftovers, type Started } from "../drills/cleanup";
import { startPostgres, type PostgresCluster } from "../drills/restore/postgres";
import { corruptSql, dayShape, liveTablesSql, loadDaySql } from "../drills/tradingData/data";
import { postgresBinDir } from "../drills/tools";
import { exitCodeOfError } from "../cli/exitCodes";
import { runCli, type CliRun } from "./support/cli";
import { captureIo, removeProject, stackFile, tempProject } from "./workflow/support";

// The day after Thanksgiving: a half day (13:00 close), 210 candles per symbol.
const DAY = "2026-11-27";
const PASSWORD = "pw-never-shown-4711";

let started: Started;
let cleanup: Cleanup;
let cluster: PostgresCluster;
let root: string;
let url: string;
let archives: string;
let manifest: ArchiveManifest;
let manifestSha: string;

beforeAll(async () => {
  const bin = postgresBinDir();
  started = { groups: [], folders: [] };
  cleanup = new Cleanup(started);
  const folder = cleanup.folder("aitb-test-trading-data-");
  cluster = await startPostgres(cleanup, { folder, host: "127.0.0.1", user: "aitb", bin });
  await cluster.run("createdb", ["aitb"]);
  // Trust authentication ignores the password: it is there to show that it is never printed.
  url = cluster.url("aitb").replace("aitb@", `aitb:${PASSWORD}@`);
  const frame = tradingDayFrame(NYSE_REGULAR, DAY);
  await cluster.query(cluster.url("aitb"), liveTablesSql(LIVE_TRADING_SCHEMA));
  await cluster.query(
    cluster.url("aitb"),
    loadDaySql(LIVE_TRADING_SCHEMA, frame, dayShape(frame, 6_000)),
  );
  root = tempProject();
  archives = path.join(root, ".aitb", "backups", "archives");
  manifest = await writeArchive({
    url,
    schema: LIVE_TRADING_SCHEMA,
    frame,
    types: TRADING_DATA_TYPES,
    archives,
    now: new Date(),
  });
  manifestSha = await sha256File(path.join(archives, manifestFile(DAY)));
  await cluster.query(cluster.url("aitb"), corruptSql(LIVE_TRADING_SCHEMA));
}, 120_000);

afterAll(async () => {
  await cleanup.run();
  removeProject(root);
  expect(leftovers(started)).toEqual({ groups: [], folders: [] });
});

function flags(extra: Partial<DataRestoreFlags> = {}): DataRestoreFlags {
  return {
    stack: "dev",
    date: DAY,
    types: [...TRADING_DATA_TYPES],
    class: "planned",
    reason: "trades of the half day lost in INC-7",
    incident: "INC-7",
    databaseUrl: url,
    ...extra,
  };
}

async function schemas(): Promise<string[]> {
  return withClient(url, async (client) =>
    (
      await client.query<{ nspname: string }>(
        "select nspname from pg_namespace where nspname like 'trading%' order by 1",
      )
    ).rows.map((row) => row.nspname),
  );
}

async function sums(schema: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const found: string[] = [];
    for (const type of TRADING_DATA_TYPES) {
      const result = await client.query<{ rows: string; checksum: string }>(
        checksumSql(`${schema}.${type}`, type),
      );
      found.push(`${result.rows[0].rows}:${result.rows[0].checksum}`);
    }
    return found;
  });
}

/** A copy of the archive changed by `change`, in its own folder. */
function changedCopy(name: string, change: (dir: string) => void): string {
  const dir = path.join(root, name);
  fs.cpSync(archives, dir, { recursive: true });
  change(dir);
  return dir;
}

describe("aitb data restore refuses a damaged archive and changes nothing", () => {
  test("one flipped byte in one file: refused with the file's name, no schema, stack file as it was", async () => {
    const copy = changedCopy("flipped", (dir) => {
      const file = path.join(dir, archiveFile("trades", DAY));
      const bytes = fs.readFileSync(file);
      bytes[Math.floor(bytes.length / 3)] ^= 0x10;
      fs.writeFileSync(file, bytes);
    });
    const before = fs.readFileSync(stackFile(root, "dev"), "utf8");
    const schemasBefore = await schemas();
    const io = captureIo(root);
    const code = await runDataRestore(flags({ archives: copy }), io);
    expect(code).toBe(1);
    expect(io.stderr()).toContain(`${path.join(copy, archiveFile("trades", DAY))}: sha256 `);
    expect(io.stderr()).toMatch(/refused, nothing was changed: no schema was created/);
    expect(await schemas()).toEqual(schemasBefore);
    expect(fs.readFileSync(stackFile(root, "dev"), "utf8")).toBe(before);
  });

  test("a missing file: refused naming it, nothing created", async () => {
    const copy = changedCopy("missing", (dir) =>
      fs.rmSync(path.join(dir, archiveFile("orderbook", DAY))),
    );
    const schemasBefore = await schemas();
    const io = captureIo(root);
    expect(await runDataRestore(flags({ archives: copy }), io)).toBe(1);
    expect(io.stderr()).toContain(`${path.join(copy, archiveFile("orderbook", DAY))}: missing`);
    expect(await schemas()).toEqual(schemasBefore);
  });

  test("a file the manifest does not describe (same size, other rows) is refused by its sha256", async () => {
    const copy = changedCopy("swapped", (dir) => {
      const trades = path.join(dir, archiveFile("trades", DAY));
      fs.writeFileSync(trades, Buffer.alloc(fs.statSync(trades).size, 1));
    });
    const io = captureIo(root);
    expect(await runDataRestore(flags({ archives: copy, dryRun: true }), io)).toBe(1);
    expect(io.stderr()).toMatch(
      /trades\/2026-11-27\.parquet: sha256 [0-9a-f]{64}, the manifest says/,
    );
  });
});

describe("aitb data restore refuses rows that break the integrity rules", () => {
  test("a duplicated trade in a file the manifest was rewritten for: the new schema is dropped again", async () => {
    const copy = changedCopy("duplicated", () => undefined);
    const trades = path.join(copy, archiveFile("trades", DAY));
    const source = path.join(archives, archiveFile("trades", DAY));
    await withDuck(async (duck) => {
      const from = `read_parquet('${source}')`;
      await duck.run(
        `COPY (SELECT * FROM (SELECT * FROM ${from} UNION ALL (SELECT * FROM ${from} LIMIT 1)) ORDER BY symbol, trade_id) TO '${trades}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    });
    const manifestPath = path.join(copy, manifestFile(DAY));
    const rewritten = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as ArchiveManifest;
    const entry = rewritten.types.trades as NonNullable<ArchiveManifest["types"]["trades"]>;
    entry.bytes = fs.statSync(trades).size;
    entry.sha256 = await sha256File(trades);
    fs.writeFileSync(manifestPath, JSON.stringify(rewritten));
    const before = fs.readFileSync(stackFile(root, "dev"), "utf8");
    const schemasBefore = await schemas();
    const io = captureIo(root);
    expect(await runDataRestore(flags({ archives: copy, incident: "INC-DUP" }), io)).toBe(1);
    expect(io.stderr()).toMatch(/trades: duplicate-key x1 \(e\.g\. [A-Z]+ trade 1\)/);
    expect(io.stderr()).toMatch(/trades: row-count x1/);
    expect(io.stderr()).toContain(
      "trading_restore_20261127_inc_dup was not created or dropped again",
    );
    expect(await schemas()).toEqual(schemasBefore);
    expect(fs.readFileSync(stackFile(root, "dev"), "utf8")).toBe(before);
  }, 60_000);
});

describe("aitb data archive", () => {
  test("never overwrites an archived day", async () => {
    const io = captureIo(root);
    const code = await runDataArchive(
      { stack: "dev", date: DAY, types: [...TRADING_DATA_TYPES], databaseUrl: url },
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr()).toContain(`--date: ${DAY} is already archived`);
    expect(await sha256File(path.join(archives, manifestFile(DAY)))).toBe(manifestSha);
  });
});

describe("aitb data on an Azure stack: the archive containers through the Azure CLI", () => {
  test("archive writes the day to the folder given and prints its uploads, none over a blob", async () => {
    const folder = path.join(root, "azure-day");
    const io = captureIo(root);
    const code = await runDataArchive(
      {
        stack: "staging",
        date: DAY,
        types: ["candles", "trades"],
        databaseUrl: url,
        archives: folder,
      },
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(fs.existsSync(path.join(folder, archiveFile("trades", DAY)))).toBe(true);
    const out = io.stdout();
    const shown = path.relative(process.cwd(), folder);
    for (const type of ["candles", "trades"]) {
      expect(out).toContain(
        `az storage blob upload --account-name aitbstagingdata --container-name ${type} --name ${DAY}.parquet --file ${shown}/${type}/${DAY}.parquet --overwrite false --auth-mode login`,
      );
      expect(out).toContain(
        `--container-name ${type} --name manifests/${DAY}.json --file ${shown}/manifests/${DAY}.json --overwrite false`,
      );
    }
    expect(out).not.toContain("--container-name orderbook");
    expect(out).not.toContain(PASSWORD);
  });

  test("restore without --archives prints the downloads that make the folder, and changes nothing", async () => {
    const before = fs.readFileSync(stackFile(root, "staging"), "utf8");
    const io = captureIo(root);
    const code = await runDataRestore(flags({ stack: "staging", types: ["orderbook"] }), io);
    expect(code).toBe(2);
    const err = io.stderr();
    expect(err).toContain("--archives: an Azure stack keeps its archives in blob containers");
    expect(err).toContain(
      `az storage blob download --account-name aitbstagingdata --container-name orderbook --name ${DAY}.parquet --file archives-${DAY}/orderbook/${DAY}.parquet --auth-mode login`,
    );
    expect(err).toContain(
      `--container-name orderbook --name manifests/${DAY}.json --file archives-${DAY}/manifests/${DAY}.json`,
    );
    expect(err).toContain(
      `aitb data restore --stack staging --date ${DAY} --types orderbook --archives archives-${DAY}`,
    );
    expect(fs.readFileSync(stackFile(root, "staging"), "utf8")).toBe(before);
  });
});

describe("aitb data restore --dry-run", () => {
  test("checks files and rows, says where it would restore and what it would write, touches nothing", async () => {
    const before = fs.readFileSync(stackFile(root, "dev"), "utf8");
    const schemasBefore = await schemas();
    const io = captureIo(root);
    const code = await runDataRestore(flags({ dryRun: true, reason: undefined }), io);
    expect({ code, err: io.stderr().replace(/^ {2}.*\n/gm, "") }).toEqual({ code: 0, err: "" });
    expect(io.stdout()).toContain(
      "would restore into the new schema trading_restore_20261127_inc_7",
    );
    expect(io.stdout()).toContain(
      "would set aitb:tradingData.schema trading -> trading_restore_20261127_inc_7",
    );
    expect(io.stdout()).toMatch(/candles 420, trades \d+, orderbook \d+/);
    expect(await schemas()).toEqual(schemasBefore);
    expect(fs.readFileSync(stackFile(root, "dev"), "utf8")).toBe(before);
  }, 60_000);
});

describe("aitb data restore", () => {
  test("restores into a new schema equal to the archive, leaves the live tables, and writes one reviewed repoint", async () => {
    const liveBefore = await sums(LIVE_TRADING_SCHEMA);
    const io = captureIo(root);
    const code = await runDataRestore(flags(), io);
    expect({ code, err: io.stderr().replace(/^ {2}.*\n/gm, "") }).toEqual({ code: 0, err: "" });
    const schema = "trading_restore_20261127_inc_7";
    expect(await schemas()).toContain(schema);
    const restored = await sums(schema);
    expect(restored).toEqual(
      TRADING_DATA_TYPES.map(
        (type) => `${manifest.types[type]?.rows}:${manifest.types[type]?.checksum}`,
      ),
    );
    expect(await sums(LIVE_TRADING_SCHEMA)).toEqual(liveBefore);
    expect(restored).not.toEqual(liveBefore);

    const config = (
      parse(fs.readFileSync(stackFile(root, "dev"), "utf8")) as {
        config: Record<string, Record<string, unknown>>;
      }
    ).config;
    expect(config["aitb:tradingData"]).toEqual({
      schema,
      restoredFrom: expect.objectContaining({
        day: DAY,
        types: ["candles", "trades", "orderbook"],
        manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    });
    expect(config["aitb:change"]).toMatchObject({
      class: "planned",
      reason: "trades of the half day lost in INC-7",
      incident: "INC-7",
    });
    expect(io.stdout()).toContain(`restored into the new schema ${schema}`);
    expect(io.stdout()).toContain("policies: 0 mandatory");
    expect(io.stdout() + io.stderr()).not.toContain(PASSWORD);
  }, 90_000);

  test("a second restore for the same incident is refused: never into an existing schema", async () => {
    const before = fs.readFileSync(stackFile(root, "dev"), "utf8");
    const sumsBefore = await sums("trading_restore_20261127_inc_7");
    const io = captureIo(root);
    expect(await runDataRestore(flags(), io)).toBe(1);
    expect(io.stderr()).toContain("trading_restore_20261127_inc_7 exists already");
    expect(await sums("trading_restore_20261127_inc_7")).toEqual(sumsBefore);
    expect(fs.readFileSync(stackFile(root, "dev"), "utf8")).toBe(before);
  }, 60_000);
});

/** The command line as a user runs it: a usage error ends in commander's error and exit code. */
async function cli(args: string[]): Promise<CliRun> {
  return runCli(args).catch((error: Error) => ({
    code: exitCodeOfError(error),
    stdout: "",
    stderr: error.message,
  }));
}

describe("bad input exits 2 naming the option and the fix", () => {
  test("no database URL", async () => {
    const io = captureIo(root);
    const saved = process.env.AITB_DATABASE_URL;
    delete process.env.AITB_DATABASE_URL;
    try {
      expect(await runDataRestore(flags({ databaseUrl: undefined }), io)).toBe(2);
    } finally {
      if (saved !== undefined) process.env.AITB_DATABASE_URL = saved;
    }
    expect(io.stderr()).toContain("--database-url: no database given");
    expect(io.stderr()).toContain("AITB_DATABASE_URL");
  });

  test("no reason for a restore that writes", async () => {
    const io = captureIo(root);
    expect(await runDataRestore(flags({ reason: undefined }), io)).toBe(2);
    expect(io.stderr()).toContain("--reason:");
  });

  test("an unknown data type or a malformed day, from the command line", async () => {
    const types = await cli([
      "data",
      "restore",
      "--stack",
      "dev",
      "--date",
      DAY,
      "--types",
      "candles,quotes",
    ]);
    expect(types.code).toBe(2);
    expect(types.stderr).toContain(
      "expected a comma-separated list of candles, trades, orderbook, got quotes",
    );
    const day = await cli(["data", "restore", "--stack", "dev", "--date", "27.11.2026"]);
    expect(day.code).toBe(2);
    expect(day.stderr).toContain('expected a trading day "YYYY-MM-DD"');
  });

  test("a holiday has no session to restore", async () => {
    const io = captureIo(root);
    expect(await runDataRestore(flags({ date: "2026-11-26" }), io)).toBe(2);
    expect(io.stderr()).toContain("--date: 2026-11-26 has no session by NYSE regular session");
  });
});
