import * as fs from "node:fs";
import * as path from "node:path";
import { diffLines } from "diff";
import { planStack } from "../../cli/engine/plan";
import { readStackSource } from "../../cli/engine/stackFiles";
import { parseDatabases, runRollback, type RollbackFlags } from "../../cli/commands/rollback";
import {
  captureIo,
  configOf,
  REPO,
  removeProject,
  stackFile,
  tempProject,
  type CapturedIo,
} from "./support";

/** A Saturday: no trading session on any calendar, so only the change itself is judged. */
const WEEKEND = new Date("2026-11-28T15:00:00Z");
/** Wednesday 10:00 in New York: the NYSE regular session is open. */
const IN_SESSION = new Date("2026-11-25T15:00:00Z");

const STACKS = ["dev", "staging", "prod"] as const;

const originalPath = process.env.PATH;
let dir: string;
beforeEach(() => {
  dir = tempProject();
});
afterEach(() => removeProject(dir));

async function rollback(
  flags: Partial<RollbackFlags> & { stack: string },
): Promise<{ code: number; io: CapturedIo }> {
  // The clock reads the judged time unless a test says otherwise.
  const io = captureIo(dir, () => flags.now ?? WEEKEND);
  const code = await runRollback(
    {
      class: "immediate",
      reason: "Bot execution errors on live positions",
      incident: "INC-4411",
      requestedBy: "alice",
      now: WEEKEND,
      ...flags,
    },
    io,
  );
  return { code, io };
}

/** The top-level `aitb:` key whose block holds line `index`; undefined for comments between keys. */
function keyOfLine(lines: string[], index: number): string | undefined {
  for (let i = index; i >= 0; i--) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const indent = line.length - line.trimStart().length;
    if (indent > 2) continue;
    const key = /^ {2}([\w:]+):/.exec(line);
    return key ? key[1] : undefined;
  }
  return undefined;
}

/** The config keys of the lines that differ between two versions of a stack file. */
function keysOfChangedLines(before: string, after: string): Set<string | undefined> {
  const keys = new Set<string | undefined>();
  const oldLines = before.split("\n");
  const newLines = after.split("\n");
  let oldAt = 0;
  let newAt = 0;
  for (const part of diffLines(before, after)) {
    const count = part.count ?? 0;
    for (let i = 0; i < count; i++) {
      if (part.removed) keys.add(keyOfLine(oldLines, oldAt + i));
      if (part.added) keys.add(keyOfLine(newLines, newAt + i));
    }
    if (!part.added) oldAt += count;
    if (!part.removed) newAt += count;
  }
  return keys;
}

function comments(text: string): string[] {
  return text.split("\n").filter((line) => line.trimStart().startsWith("#") || line.includes(" #"));
}

function expectOnlyKeysChanged(before: string, after: string, intended: string[]): void {
  const a = configOf(before);
  const b = configOf(after);
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!intended.includes(key)) expect([key, b[key]]).toEqual([key, a[key]]);
  }
  for (const key of intended) expect([key, b[key]]).not.toEqual([key, a[key]]);
  expect([...keysOfChangedLines(before, after)].sort()).toEqual([...intended].sort());
  expect(comments(after)).toEqual(comments(before));
}

interface HistoryEntry {
  release: string;
  color: string;
  activatedAt: string;
  deactivatedAt?: string;
  change?: string;
  digest?: string;
}

describe("aitb rollback: a blue/green switch on each stack file", () => {
  test.each(STACKS)(
    "%s: flips the active color, writes the change record and the release history, nothing else",
    async (stack) => {
      const file = stackFile(dir, stack);
      const before = fs.readFileSync(file, "utf8");
      const old = configOf(before);
      const active = old["aitb:activeColor"] as string;
      const standby = active === "blue" ? "green" : "blue";
      const slots = old["aitb:slots"] as Record<string, { release: string }>;

      const { code, io } = await rollback({ stack });

      expect(io.stderr()).toBe("");
      expect(code).toBe(0);
      const after = fs.readFileSync(file, "utf8");
      expectOnlyKeysChanged(before, after, [
        "aitb:activeColor",
        "aitb:change",
        "aitb:releaseHistory",
      ]);
      const now = configOf(after);
      expect(now["aitb:activeColor"]).toBe(standby);
      expect(now["aitb:change"]).toEqual({
        class: "immediate",
        reason: "Bot execution errors on live positions",
        incident: "INC-4411",
        requestedBy: "alice",
        at: "2026-11-28T15:00:00Z",
      });
      const oldHistory = old["aitb:releaseHistory"] as HistoryEntry[];
      const history = now["aitb:releaseHistory"] as HistoryEntry[];
      expect(history.slice(0, -2)).toEqual(oldHistory.slice(0, -1));
      expect(history[history.length - 2]).toEqual({
        ...oldHistory[oldHistory.length - 1],
        deactivatedAt: "2026-11-28T15:00:00Z",
      });
      // The entry records the content going live: the same bytes as when it was live before.
      const wasLive = oldHistory.find((entry) => entry.release === slots[standby].release);
      expect(wasLive?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(history[history.length - 1]).toEqual({
        release: slots[standby].release,
        color: standby,
        activatedAt: "2026-11-28T15:00:00Z",
        change: "INC-4411",
        digest: wasLive?.digest,
      });
      expect(io.stdout()).toContain(`blue/green switch ${active} → ${standby}`);
      expect(io.stdout()).toContain(`pulumi preview --policy-pack policies --stack ${stack}`);
      expect(io.stdout()).toContain(`pulumi up --stack ${stack}`);
      expect(io.stdout()).toMatch(/git diff -- \S*Pulumi\.\w+\.yaml/);
    },
  );
});

describe("aitb rollback: a full rollback re-pins the target color", () => {
  test("an explicit --release re-pins the standby and switches to it", async () => {
    const file = stackFile(dir, "prod");
    const before = fs.readFileSync(file, "utf8");
    const { code, io } = await rollback({ stack: "prod", release: "2026.11.2" });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const after = fs.readFileSync(file, "utf8");
    expectOnlyKeysChanged(before, after, [
      "aitb:activeColor",
      "aitb:slots",
      "aitb:change",
      "aitb:releaseHistory",
    ]);
    expect(configOf(after)["aitb:slots"]).toEqual({
      blue: { release: "2026.11.2" },
      green: { release: "2026.11.4" },
    });
    expect(io.stdout()).toContain("re-pin blue 2026.11.3 → 2026.11.2");
    expect(io.stdout()).toContain("blue: inference, bot, webapp, dashboard, notifier");
  });

  test("--release without a pin takes the last known-good release from the history", async () => {
    // Both colors on 2026.11.4: the standby must go back to 2026.11.3, the release live before.
    const file = stackFile(dir, "dev");
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace(/green:\n {6}release: 2026\.11\.3/, "green:\n      release: 2026.11.4"),
    );
    const before = fs.readFileSync(file, "utf8");
    const { code, io } = await rollback({ stack: "dev", release: true });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const after = configOf(fs.readFileSync(file, "utf8"));
    expect(after["aitb:slots"]).toEqual({
      blue: { release: "2026.11.4" },
      green: { release: "2026.11.3" },
    });
    expect(after["aitb:activeColor"]).toBe("green");
    expectOnlyKeysChanged(before, fs.readFileSync(file, "utf8"), [
      "aitb:activeColor",
      "aitb:slots",
      "aitb:change",
      "aitb:releaseHistory",
    ]);
  });

  test("a release outside the catalog is refused with the catalog named, and nothing is written", async () => {
    const file = stackFile(dir, "prod");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({ stack: "prod", release: "2026.10.9" });
    expect(code).toBe(2);
    expect(io.stderr()).toContain('--release: "2026.10.9" is not in the release catalog');
    expect(io.stderr()).toContain("2026.11.2, 2026.11.3, 2026.11.4");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe("aitb rollback --restore: the database restore runs on the standby, the switch follows", () => {
  test("step one declares the restore for the standby color and leaves the active color", async () => {
    const file = stackFile(dir, "dev");
    const before = fs.readFileSync(file, "utf8");
    const { code, io } = await rollback({
      stack: "dev",
      class: "emergency",
      reason: "Trades table corrupted by 2026.11.4",
      incident: "INC-4412",
      restore: "2026.11.3",
      expires: "2h",
    });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const after = fs.readFileSync(file, "utf8");
    expectOnlyKeysChanged(before, after, ["aitb:change", "aitb:database"]);
    const config = configOf(after);
    expect(config["aitb:activeColor"]).toBe("blue");
    expect(config["aitb:database"]).toEqual({
      ...(configOf(before)["aitb:database"] as object),
      restore: {
        color: "green",
        reason: "Trades table corrupted by 2026.11.4",
        incident: "INC-4412",
        fromRelease: "2026.11.3",
      },
    });
    expect((config["aitb:change"] as { expires: string }).expires).toBe("2026-11-28T17:00:00Z");
    const out = io.stdout();
    expect(out).toContain("step 1 of 2");
    expect(out).toContain("create forensic-copy");
    expect(out).toContain("green: bot, webapp, dashboard");
    expect(out).toContain("database: CHANGES");
    expect(out).toContain(
      "aitb rollback --stack dev --class emergency --reason 'Trades table corrupted by 2026.11.4' --incident INC-4412 --to green",
    );
  });

  /** Step 1 of a restore on dev, written at WEEKEND. */
  async function restoreStep1(): Promise<string> {
    const first = await rollback({
      stack: "dev",
      class: "emergency",
      reason: "Trades table corrupted by 2026.11.4",
      incident: "INC-4412",
      restore: "2026-11-28T09:30:00Z",
      expires: "2h",
    });
    expect(first.code).toBe(0);
    return fs.readFileSync(stackFile(dir, "dev"), "utf8");
  }

  /** The outputs of the dev stack once the stack file as it is now is deployed, in a file. */
  async function deployedOutputsFile(): Promise<string> {
    const source = readStackSource(dir, "dev");
    const plan = await planStack({ source, base: source, now: WEEKEND });
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ deployed: plan.outputs.deployed }));
    return file;
  }

  const step2 = {
    stack: "dev",
    class: "emergency",
    reason: "Trades table corrupted by 2026.11.4",
    incident: "INC-4412",
    to: "green",
    expires: "2h",
    now: new Date(WEEKEND.getTime() + 20 * 60_000),
  } as const;

  test("step two, once the restore is deployed, switches to the restored color", async () => {
    const restored = await restoreStep1();
    const outputs = await deployedOutputsFile();
    const second = await rollback({ ...step2, outputs });
    expect(second.io.stderr()).toBe("");
    expect(second.io.stdout()).toContain("Policies: no violations");
    expect(second.code).toBe(0);
    const config = configOf(fs.readFileSync(stackFile(dir, "dev"), "utf8"));
    expect(config["aitb:activeColor"]).toBe("green");
    const before = configOf(restored)["aitb:database"] as { restore: object };
    // When the restore ran comes from the deployed outputs: the update recorded at step 1's time,
    // not when step 2 is written (15:20).
    expect(config["aitb:database"]).toEqual({
      ...before,
      restore: { ...before.restore, performedAt: "2026-11-28T15:00:00Z" },
    });
  });

  test("step two without deployed outputs is refused: pulumi up step 1 first", async () => {
    const restored = await restoreStep1();
    process.env.PATH = "/nonexistent";
    try {
      const second = await rollback(step2);
      expect(second.code).toBe(2);
      expect(second.io.stderr()).toContain(
        "--outputs: switching to green needs its database restore",
      );
      expect(second.io.stderr()).toContain("no Pulumi CLI on PATH");
      expect(second.io.stderr()).toContain("pulumi up step 1 first (pulumi up --stack dev)");
      expect(second.io.stderr()).toContain("or pass --outputs <file>");
    } finally {
      process.env.PATH = originalPath;
    }
    expect(fs.readFileSync(stackFile(dir, "dev"), "utf8")).toBe(restored);
  });

  test("step two is refused when the deployed outputs show no restore yet", async () => {
    const restored = await restoreStep1();
    const source = readStackSource(REPO, "dev");
    const plan = await planStack({ source, base: source, now: WEEKEND });
    const outputs = path.join(dir, "before-step-1.json");
    fs.writeFileSync(outputs, JSON.stringify({ deployed: plan.outputs.deployed }));
    const second = await rollback({ ...step2, outputs });
    expect(second.code).toBe(2);
    expect(second.io.stderr()).toContain('shows no restore, not "green:');
    expect(second.io.stderr()).toContain("pulumi up step 1 first");
    expect(fs.readFileSync(stackFile(dir, "dev"), "utf8")).toBe(restored);
  });

  test("a point in time restores to that instant", async () => {
    const { code } = await rollback({
      stack: "dev",
      restore: "2026-11-28T09:30:00Z",
    });
    expect(code).toBe(0);
    const database = configOf(fs.readFileSync(stackFile(dir, "dev"), "utf8"))["aitb:database"] as {
      restore: Record<string, string>;
    };
    expect(database.restore.pointInTime).toBe("2026-11-28T09:30:00Z");
    expect(database.restore.color).toBe("green");
  });

  test("restoring the live color is refused and nothing is written", async () => {
    const file = stackFile(dir, "dev");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({ stack: "dev", restore: "2026.11.3", to: "blue" });
    expect(code).toBe(2);
    expect(io.stderr()).toContain('--to: "blue" is the live color');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});

describe("aitb rollback --restore --databases: the optional engines restore with PostgreSQL or alone", () => {
  /** The dev stack file with InfluxDB declared (`aitb:influxdb: {}`). */
  function declareInflux(): void {
    const file = stackFile(dir, "dev");
    fs.writeFileSync(file, `${fs.readFileSync(file, "utf8").trimEnd()}\n  aitb:influxdb: {}\n`);
  }

  const step1 = {
    stack: "dev",
    class: "emergency",
    reason: "Candles overwritten by 2026.11.4",
    incident: "INC-4413",
    restore: "2026.11.3",
    expires: "2h",
  } as const;

  test("both databases restore for the standby from the same point; the active color stays", async () => {
    declareInflux();
    const before = fs.readFileSync(stackFile(dir, "dev"), "utf8");
    const { code, io } = await rollback({ ...step1, databases: ["postgresql", "influxdb"] });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const after = fs.readFileSync(stackFile(dir, "dev"), "utf8");
    expectOnlyKeysChanged(before, after, ["aitb:change", "aitb:database", "aitb:influxdb"]);
    const config = configOf(after);
    const declared = {
      color: "green",
      reason: "Candles overwritten by 2026.11.4",
      incident: "INC-4413",
      fromRelease: "2026.11.3",
    };
    expect(config["aitb:activeColor"]).toBe("blue");
    expect((config["aitb:database"] as { restore: object }).restore).toEqual(declared);
    expect(config["aitb:influxdb"]).toEqual({ restore: declared });
    const out = io.stdout();
    expect(out).toContain("restore green's PostgreSQL and InfluxDB databases to the snapshot");
    expect(out).toContain("create influxdb-forensic-copy");
    expect(out).toContain("create influxdb-restore");
  });

  test("InfluxDB alone leaves the PostgreSQL database as it is", async () => {
    declareInflux();
    const { code, io } = await rollback({ ...step1, databases: ["influxdb"] });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const config = configOf(fs.readFileSync(stackFile(dir, "dev"), "utf8"));
    expect((config["aitb:database"] as { restore?: object }).restore).toBeUndefined();
    expect((config["aitb:influxdb"] as { restore: { color: string } }).restore.color).toBe("green");
    expect(io.stdout()).toContain("restore green's InfluxDB database to the snapshot");
    expect(io.stdout()).not.toContain("create forensic-copy ");
  });

  test("an engine the stack does not declare is refused by name and nothing is written", async () => {
    const file = stackFile(dir, "dev");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({ ...step1, databases: ["postgresql", "sql-server"] });
    expect(code).toBe(2);
    expect(io.stderr()).toContain('--databases: "sql-server": the stack declares no SQL Server');
    expect(io.stderr()).toContain("declare aitb:sqlServer first");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  test("--databases without --restore is refused", async () => {
    declareInflux();
    const { code, io } = await rollback({ stack: "dev", databases: ["influxdb"] });
    expect(code).toBe(2);
    expect(io.stderr()).toContain("--databases: names the databases a restore restores");
  });

  test("the list parser names an unknown database and the accepted ones", () => {
    expect(parseDatabases("influxdb, postgresql,influxdb")).toEqual(["influxdb", "postgresql"]);
    expect(() => parseDatabases("postgresql,mongo")).toThrow(
      '"mongo" is not a database a rollback restores; expected a comma-separated list of postgresql, influxdb, sql-server',
    );
  });

  test("step two records when every restore of the restored color ran, from the deployed outputs", async () => {
    declareInflux();
    expect((await rollback({ ...step1, databases: ["postgresql", "influxdb"] })).code).toBe(0);
    const restored = fs.readFileSync(stackFile(dir, "dev"), "utf8");
    const source = readStackSource(dir, "dev");
    const plan = await planStack({ source, base: source, now: WEEKEND });
    const deployed = plan.outputs.deployed as { engineRestores?: Record<string, string> };
    expect(deployed.engineRestores?.influxdb).toBe(
      "green:aitb-dev-influxdb/aitb_trading_restore_release_2026_11_3",
    );
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ deployed }));
    const step2 = { ...step1, restore: undefined, to: "green", outputs } as const;

    const second = await rollback({ ...step2, now: new Date(WEEKEND.getTime() + 20 * 60_000) });
    expect(second.io.stderr()).toBe("");
    expect(second.code).toBe(0);
    const config = configOf(fs.readFileSync(stackFile(dir, "dev"), "utf8"));
    expect(config["aitb:activeColor"]).toBe("green");
    for (const key of ["aitb:database", "aitb:influxdb"]) {
      const before = (configOf(restored)[key] as { restore: object }).restore;
      expect((config[key] as { restore: object }).restore).toEqual({
        ...before,
        performedAt: "2026-11-28T15:00:00Z",
      });
    }
  });

  test("step two is refused while the deployed outputs show no InfluxDB restore", async () => {
    declareInflux();
    expect((await rollback({ ...step1, databases: ["influxdb"] })).code).toBe(0);
    const restored = fs.readFileSync(stackFile(dir, "dev"), "utf8");
    const source = readStackSource(dir, "dev");
    const plan = await planStack({ source, base: source, now: WEEKEND });
    const deployed = { ...(plan.outputs.deployed as object), engineRestores: {} };
    const outputs = path.join(dir, "outputs.json");
    fs.writeFileSync(outputs, JSON.stringify({ deployed }));
    const second = await rollback({ ...step1, restore: undefined, to: "green", outputs });
    expect(second.code).toBe(2);
    expect(second.io.stderr()).toContain('shows no aitb:influxdb restore, not "green:');
    expect(fs.readFileSync(stackFile(dir, "dev"), "utf8")).toBe(restored);
  });
});

describe("aitb rollback: what the policies deny is not written", () => {
  test("a planned switch during the NYSE session is refused; the file is byte-for-byte unchanged", async () => {
    const file = stackFile(dir, "prod");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({
      stack: "prod",
      class: "planned",
      reason: "Order-book heatmap feedback",
      incident: "CHG-2310",
      now: IN_SESSION,
    });
    expect(code).toBe(1);
    expect(io.stderr()).toContain("refused");
    expect(io.stderr()).toContain("market-hours-change-window");
    expect(io.stderr()).toContain("Nothing was written");
    expect(io.stdout()).toBe("");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  test("the same switch as an immediate rollback with an incident is written", async () => {
    const { code, io } = await rollback({ stack: "prod", now: IN_SESSION });
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    expect(configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"))["aitb:activeColor"]).toBe(
      "blue",
    );
  });

  test("--now only judges: the record carries the real time it was written", async () => {
    const io = captureIo(dir, () => new Date("2026-11-28T15:00:07.450Z"));
    const code = await runRollback(
      {
        stack: "prod",
        class: "immediate",
        reason: "Bot execution errors on live positions",
        incident: "INC-4411",
        requestedBy: "alice",
        now: new Date("2026-11-29T10:00:00Z"),
      },
      io,
    );
    expect(io.stderr()).toBe("");
    expect(code).toBe(0);
    const change = configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"))["aitb:change"] as {
      at: string;
    };
    expect(change.at).toBe("2026-11-28T15:00:07Z");
  });

  test("--force writes a denied change and says so", async () => {
    const { code, io } = await rollback({
      stack: "prod",
      class: "planned",
      reason: "Order-book heatmap feedback",
      incident: "CHG-2310",
      now: IN_SESSION,
      force: true,
    });
    expect(code).toBe(0);
    expect(io.stdout()).toContain("WARNING: written with --force");
    expect(configOf(fs.readFileSync(stackFile(dir, "prod"), "utf8"))["aitb:activeColor"]).toBe(
      "blue",
    );
  });

  test("--dry-run judges and shows the change without writing it", async () => {
    const file = stackFile(dir, "dev");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({ stack: "dev", dryRun: true });
    expect(code).toBe(0);
    expect(io.stdout()).toContain("Dry run");
    expect(io.stdout()).toContain("+  aitb:activeColor: green");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  test("--dry-run of a denied change shows the whole change and the verdicts, exits 1, writes nothing", async () => {
    const file = stackFile(dir, "prod");
    const before = fs.readFileSync(file);
    const { code, io } = await rollback({
      stack: "prod",
      class: "planned",
      reason: "Order-book heatmap feedback",
      incident: "CHG-2310",
      now: IN_SESSION,
      dryRun: true,
    });
    expect(code).toBe(1);
    expect(io.stdout()).toContain("it would be REFUSED");
    expect(io.stdout()).toContain("market-hours-change-window");
    expect(io.stdout()).toContain("update switch-record");
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  test("switching to the color that is already active is refused", async () => {
    const { code, io } = await rollback({ stack: "dev", to: "blue" });
    expect(code).toBe(2);
    expect(io.stderr()).toContain('"blue" is already the active color');
  });
});
