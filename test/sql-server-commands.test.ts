import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import {
  sqlServerForensicStep,
  sqlServerRestoreStep,
  sqlServerSnapshotStep,
} from "../components/platform/docker/sqlServerScripts";
import {
  forensicBackupSql,
  fullBackupSql,
  logBackupSql,
  restoreFullSql,
  restoreLogSql,
  stopAtOf,
} from "../domain/sqlServerBackup";

/**
 * SQL Server does not run on the machines this is built on, so its steps run here against a
 * stand-in sqlcmd that records each statement and its variables: the order of the restore
 * sequence, the backups it picks and what it refuses are the product's shell, run for real.
 */
let dir: string;
let log: string;
let sqlcmd: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-sqlserver-"));
  log = path.join(dir, "statements.log");
  sqlcmd = path.join(dir, "sqlcmd");
  fs.writeFileSync(
    sqlcmd,
    [
      "#!/bin/sh",
      'q=""; vars=""',
      'while [ $# -gt 0 ]; do case "$1" in -Q) q="$2"; shift 2;; -v) vars="$vars $2"; shift 2;; *) shift;; esac; done',
      'printf "%s |%s | password %s\\n" "$q" "$vars" "${SQLCMDPASSWORD:+set}" | tr "\\n" " " >> "$FAKE_LOG"; echo >> "$FAKE_LOG"',
      'case "$q" in *sys.databases*) echo "${FAKE_EXISTS:-0}";; esac',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const files = {
    "2026.11.3": ["full-20261124T151000Z.bak", "log-20261124T151000Z.trn"],
    "2026.11.4": [
      "log-20261125T090000Z.trn",
      "log-20261125T130000Z.trn",
      "full-20261125T150000Z.bak",
      "log-20261125T150000Z.trn",
      "log-20261125T170000Z.trn",
    ],
  };
  for (const [release, names] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, "backups", release), { recursive: true });
    for (const name of names) fs.writeFileSync(path.join(dir, "backups", release, name), "");
  }
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(script: string, env: Record<string, string> = {}) {
  const result = spawnSync("sh", ["-c", script], {
    env: { PATH: process.env.PATH, FAKE_LOG: log, MSSQL_SA_PASSWORD: "S3cret!pass", ...env },
    encoding: "utf8",
  });
  const statements = fs.existsSync(log)
    ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean)
    : [];
  return { status: result.status, stderr: result.stderr, statements };
}

const host = () => ({ sqlcmd, backups: path.join(dir, "backups") });
const TARGET = "aitb_restore_pitr_20261125t1200";

describe("the SQL Server restore step", () => {
  test("newest full before the point, then the logs in time order up to the one past it, STOPAT, RECOVERY", () => {
    const { status, statements, stderr } = run(
      sqlServerRestoreStep(
        { live: "aitb", target: TARGET, notAfter: "2026-11-25T12:00:00Z" },
        host(),
      ),
    );
    expect({ status, stderr }).toEqual({ status: 0, stderr: "" });
    const backups = path.join(dir, "backups");
    const kinds = statements.map(
      (line) =>
        /^(SET NOCOUNT ON; SELECT COUNT|RESTORE DATABASE \[\w+\] FROM DISK|RESTORE LOG \[\w+\]|RESTORE DATABASE \[\w+\] WITH RECOVERY)/.exec(
          line,
        )?.[1],
    );
    expect(kinds).toEqual([
      "SET NOCOUNT ON; SELECT COUNT",
      `RESTORE DATABASE [${TARGET}] FROM DISK`,
      `RESTORE LOG [${TARGET}]`,
      `RESTORE LOG [${TARGET}]`,
      `RESTORE LOG [${TARGET}]`,
      `RESTORE DATABASE [${TARGET}] WITH RECOVERY`,
    ]);
    expect(statements[1]).toContain(`file=${backups}/2026.11.3/full-20261124T151000Z.bak`);
    expect(statements[1]).toContain(`MOVE N'aitb' TO N'/var/opt/mssql/data/${TARGET}.mdf'`);
    expect(statements[1]).toContain("NORECOVERY");
    expect(statements.slice(2, 5).map((line) => /log-(\w+)\.trn/.exec(line)?.[1])).toEqual([
      "20261124T151000Z",
      "20261125T090000Z",
      "20261125T130000Z",
    ]);
    for (const line of statements.slice(2, 5)) {
      expect(line).toContain("stopAt=2026-11-25T12:00:00");
      expect(line).toContain("WITH STOPAT = N'$(stopAt)', NORECOVERY;");
    }
    // The password reaches sqlcmd in its environment only.
    for (const line of statements) {
      expect(line).toContain("password set");
      expect(line).not.toContain("S3cret!pass");
    }
  });

  test("a release's snapshot without a point: its full backup and the log taken with it", () => {
    const { status, statements } = run(
      sqlServerRestoreStep(
        { live: "aitb", target: "aitb_restore_release_2026_11_3", release: "2026.11.3" },
        host(),
      ),
    );
    expect(status).toBe(0);
    expect(statements).toHaveLength(4);
    expect(statements[1]).toContain("full-20261124T151000Z.bak");
    expect(statements[2]).toContain("log-20261124T151000Z.trn");
    expect(statements[2]).not.toContain("STOPAT");
  });

  test("an existing target is refused before any RESTORE", () => {
    const { status, statements, stderr } = run(
      sqlServerRestoreStep(
        { live: "aitb", target: TARGET, notAfter: "2026-11-25T12:00:00Z" },
        host(),
      ),
      { FAKE_EXISTS: "1" },
    );
    expect(status).toBe(1);
    expect(stderr).toContain(
      `database ${TARGET} exists; a restore never writes over an existing database`,
    );
    expect(statements.filter((line) => line.startsWith("RESTORE"))).toEqual([]);
  });

  test("a point after the newest log backup is refused before any RESTORE", () => {
    const { status, statements, stderr } = run(
      sqlServerRestoreStep(
        { live: "aitb", target: TARGET, notAfter: "2026-11-25T18:00:00Z" },
        host(),
      ),
    );
    expect(status).toBe(1);
    expect(stderr).toContain("no log backup taken at or after 2026-11-25T18:00:00Z");
    expect(statements.filter((line) => line.startsWith("RESTORE"))).toEqual([]);
  });

  test("no full backup at or before the point is an error naming it", () => {
    const { status, stderr } = run(
      sqlServerRestoreStep(
        { live: "aitb", target: TARGET, notAfter: "2026-11-20T00:00:00Z" },
        host(),
      ),
    );
    expect(status).toBe(1);
    expect(stderr).toContain("no SQL Server full backup in");
    expect(stderr).toContain("taken at or before 2026-11-20T00:00:00Z");
  });
});

describe("the SQL Server backup steps", () => {
  test("before a switch: the database in FULL recovery, a full backup, then a log backup, under the release", () => {
    const { status, statements } = run(sqlServerSnapshotStep("aitb", host()), {
      release: "2026.11.4",
      stamp: "20261126T100000Z",
    });
    expect(status).toBe(0);
    expect(statements[0]).toContain("ALTER DATABASE [aitb] SET RECOVERY FULL;");
    expect(statements[1]).toContain(fullBackupSql("aitb"));
    expect(statements[1]).toContain("2026.11.4/full-20261126T100000Z.bak");
    expect(statements[2]).toContain(logBackupSql("aitb"));
    expect(statements[2]).toContain("2026.11.4/log-20261126T100000Z.trn");
  });

  test("the forensic copy is copy-only, so the log chain the restore replays stays whole", () => {
    const { status, statements } = run(sqlServerForensicStep("aitb", TARGET, host()));
    expect(status).toBe(0);
    expect(statements[0]).toContain(forensicBackupSql("aitb"));
    expect(statements[0]).toMatch(new RegExp(`forensics/${TARGET}-\\d{8}T\\d{6}Z\\.bak`));
  });
});

describe("the T-SQL", () => {
  test("names are bracketed identifiers; anything else is refused", () => {
    expect(restoreFullSql("aitb", "aitb_new")).toContain("RESTORE DATABASE [aitb_new]");
    expect(() => restoreLogSql("x]; DROP DATABASE aitb; --", true)).toThrow(/not a database name/);
    expect(stopAtOf(new Date("2026-11-25T12:00:00.123Z"))).toBe("2026-11-25T12:00:00");
  });

  test("the shell steps parse", () => {
    for (const script of [
      sqlServerRestoreStep({ live: "aitb", target: TARGET, notAfter: "2026-11-25T12:00:00Z" }),
      sqlServerSnapshotStep("aitb"),
      sqlServerForensicStep("aitb", TARGET),
    ]) {
      expect(() => execFileSync("sh", ["-n", "-c", script])).not.toThrow();
    }
  });
});
