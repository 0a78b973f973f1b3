import { execFileSync } from "node:child_process";
import {
  CONTAINER_INFLUX,
  influxForensicScript,
  influxRestoreScript,
  influxRestoreStep,
  influxSnapshotScript,
  influxSnapshotStep,
} from "../components/platform/docker/influxScripts";
import { influxBackupArgs, influxdLine, influxRestoreArgs } from "../domain/influxBackup";

describe("the InfluxDB commands (influxd 1.6 portable backup and restore)", () => {
  test("backup: -portable, the RPC address, one database, a folder", () => {
    expect(
      influxBackupArgs({ rpc: "127.0.0.1:8088", database: "aitb_trading", dir: "/b/x" }),
    ).toEqual(["backup", "-portable", "-host", "127.0.0.1:8088", "-db", "aitb_trading", "/b/x"]);
  });

  test("restore: into -newdb, and never into the database it was taken from", () => {
    const args = { rpc: "127.0.0.1:8088", database: "aitb_trading", dir: "/b/x" };
    expect(influxRestoreArgs({ ...args, newDatabase: "aitb_trading_r" })).toEqual([
      "restore",
      "-portable",
      "-host",
      "127.0.0.1:8088",
      "-db",
      "aitb_trading",
      "-newdb",
      "aitb_trading_r",
      "/b/x",
    ]);
    expect(() => influxRestoreArgs({ ...args, newDatabase: "aitb_trading" })).toThrow(
      /into itself refused: a restore goes into a new database/,
    );
  });

  test("a command line quotes every argument but a folder the step computes", () => {
    expect(influxdLine("/usr/bin/influxd", ["backup", "-db", "a b", '"$part"'])).toBe(
      `/usr/bin/influxd backup -db 'a b' "$part"`,
    );
  });

  test("the Docker steps are the drill's steps inside the container, with the container's addresses", () => {
    const step = influxRestoreStep({
      server: CONTAINER_INFLUX,
      database: "aitb_trading",
      target: "aitb_trading_r",
      backupDir: "/backups",
      release: "2026.11.3",
    });
    const script = influxRestoreScript({
      container: "aitb-dev-influxdb",
      database: "aitb_trading",
      target: "aitb_trading_r",
      release: "2026.11.3",
    });
    expect(script).toBe(`docker exec aitb-dev-influxdb sh -c '${step.replace(/'/g, `'\\''`)}'`);
    expect(step).toContain(
      'influxd restore -portable -host 127.0.0.1:8088 -db aitb_trading -newdb aitb_trading_r "$dir"',
    );
    expect(step).toContain(
      "influx -host 127.0.0.1 -port 8086 -format csv -execute 'SHOW DATABASES'",
    );
    const snapshot = influxSnapshotScript({ container: "c", database: "aitb_trading" });
    expect(snapshot).toContain("AITB_LIVE_RELEASE:-");
    expect(snapshot).toContain("influxdb-pre-switch-$stamp");
  });

  test("a restore point picks backups taken at or before it", () => {
    const step = influxRestoreStep({
      server: CONTAINER_INFLUX,
      database: "aitb_trading",
      target: "t_new",
      backupDir: "/backups",
      notAfter: "2026-11-24T15:10:00Z",
    });
    expect(step).toContain("-v lim=influxdb-pre-switch-20261124T151000Z");
    expect(step).toContain("/backups/*/influxdb-pre-switch-*");
  });

  test("every step parses as a POSIX shell script", () => {
    const scripts = [
      influxSnapshotStep({ server: CONTAINER_INFLUX, database: "d", backupDir: "/b" }),
      influxForensicScript({ container: "c", database: "d", label: "t" }),
      influxRestoreScript({ container: "c", database: "d", target: "t_new" }),
    ];
    for (const script of scripts) {
      expect(() => execFileSync("sh", ["-n", "-c", script])).not.toThrow();
    }
  });
});
