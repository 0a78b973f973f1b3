import * as fs from "node:fs";
import * as path from "node:path";
import { runDiff, type DiffFlags } from "../../cli/commands/diff";
import { StackFileEditor } from "../../cli/commands/rollback/stackEdit";
import { captureIo, removeProject, stackFile, tempProject } from "./support";

const WEEKEND = new Date("2026-11-28T15:00:00Z");

let dir: string;
beforeAll(() => {
  dir = tempProject();
});
afterAll(() => removeProject(dir));

/** The record a pull request writes for its change, just before it runs (fresh-change-record). */
const FRESH_RECORD = {
  class: "planned",
  reason: "Weekend maintenance",
  incident: "CHG-2320",
  requestedBy: "alice",
  at: "2026-11-28T14:55:00Z",
};

/**
 * A copy of a stack file with some `aitb:` keys set, as the proposed config of a pull request,
 * with a change record of its own unless the edits set one.
 */
function proposed(
  stack: string,
  name: string,
  edits: [string, (string | number)[], unknown][],
): string {
  const editor = new StackFileEditor(fs.readFileSync(stackFile(dir, stack), "utf8"), name);
  if (!edits.some(([key]) => key === "change")) editor.set("change", [], FRESH_RECORD);
  for (const [key, at, value] of edits) editor.set(key, at, value);
  const file = path.join(dir, name);
  fs.writeFileSync(file, editor.text());
  return file;
}

interface DiffJson {
  changes: {
    urn: string;
    type: string;
    name: string;
    op: string;
    keys: string[];
    forcedBy?: { property: string; by: string }[];
    deleteBeforeReplace?: boolean;
  }[];
  summary: { create: number; update: number; replace: number; delete: number; same: number };
  blastRadius: {
    services: Record<string, string[]>;
    routing: boolean;
    switchRecord: string[];
    proxy: string[];
    database: { changes: boolean };
    replacements: { name: string; forcedBy: string[]; deleteFirst: boolean }[];
    unknown: { name: string; type: string }[];
    observedBeforeSwitch: { color: string; checks: number; gate: boolean } | null;
  };
  policies: { violations: unknown[]; mandatory: number };
}

async function diff(flags: Partial<DiffFlags> & { stack: string; base: string }) {
  const io = captureIo(dir);
  const code = await runDiff({ format: "json", now: WEEKEND, ...flags }, io);
  const json = flags.format === undefined ? (JSON.parse(io.stdout()) as DiffJson) : undefined;
  return { code, io, json };
}

/** How many resources the dev stack has: a config compared with itself leaves them all unchanged. */
let devResources: Promise<number> | undefined;
function devResourceCount(): Promise<number> {
  devResources ??= diff({ stack: "dev", base: stackFile(dir, "dev") }).then(
    ({ json }) => json?.summary.same ?? 0,
  );
  return devResources;
}

/** The switch changes the record, the pre-switch snapshot, both analyses and the change record. */
const SWITCH_SET = [
  "aitb-change-entry",
  "aitb-health-checks",
  "aitb-pre-promotion-checks",
  "pre-switch-snapshot",
  "switch-record",
];

describe("aitb diff", () => {
  test("a config compared with itself changes nothing", async () => {
    const { code, json } = await diff({ stack: "dev", base: stackFile(dir, "dev") });
    expect(code).toBe(0);
    expect(json?.changes).toEqual([]);
    expect(json?.summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
    expect(json?.summary.same).toBeGreaterThan(20);
    expect(json?.blastRadius.routing).toBe(false);
    expect(json?.blastRadius.database.changes).toBe(false);
  });

  test("a color flip changes exactly the switch record (with the snapshot, health gate and change record); no container changes", async () => {
    const config = proposed("dev", "flip.yaml", [["activeColor", [], "green"]]);
    const { code, json } = await diff({ stack: "dev", base: stackFile(dir, "dev"), config });
    expect(code).toBe(0);
    expect(json?.changes.map((c) => c.name).sort()).toEqual(SWITCH_SET);
    expect(json?.summary).toEqual({
      create: 0,
      update: 1,
      replace: 4,
      delete: 0,
      same: (await devResourceCount()) - 5,
    });
    // The record is the command's environment, not a trigger: an update in place, one rename.
    expect(json?.changes.find((c) => c.name === "switch-record")).toMatchObject({
      op: "update",
      keys: ["environment"],
    });
    expect(json?.blastRadius.replacements.map((r) => r.name)).not.toContain("bot-blue");
    expect(json?.blastRadius.unknown).toEqual([]);
    expect(json?.blastRadius.services).toEqual({ blue: [], green: [] });
    expect(json?.blastRadius.routing).toBe(true);
    expect(json?.blastRadius.switchRecord).toEqual(["switch-record"]);
    expect(json?.blastRadius.proxy).toEqual([]);
    expect(json?.blastRadius.database.changes).toBe(false);
  });

  test("on prod (Azure) a color flip changes exactly the switch-record blob, the pre-switch backup, health gate and record; no Container App", async () => {
    const config = proposed("prod", "prod-flip.yaml", [["activeColor", [], "blue"]]);
    const { json } = await diff({ stack: "prod", base: stackFile(dir, "prod"), config });
    expect(json?.changes.map((c) => c.name).sort()).toEqual([
      "aitb-change-entry",
      "aitb-health-checks",
      "aitb-pre-promotion-checks",
      "pre-switch-backup",
      "switch-record",
    ]);
    // Without aitb:azure.healthCheckSources nothing of blue can be called before the switch, and
    // the review says so rather than letting an analysis of nothing look like a pass.
    expect(json?.blastRadius.observedBeforeSwitch).toEqual({
      color: "blue",
      checks: 0,
      gate: true,
    });
    // Blob metadata is updated in place (cli/engine/replacements.json): no revision, no replacement.
    expect(json?.changes.find((c) => c.name === "switch-record")).toMatchObject({
      op: "update",
      keys: ["metadata"],
    });
    expect(json?.blastRadius.services).toEqual({ blue: [], green: [] });
    expect(json?.blastRadius.routing).toBe(true);
    expect(json?.blastRadius.database.changes).toBe(false);
  });

  test("a release re-pin reports the services of that color, and no routing", async () => {
    const config = proposed("dev", "repin.yaml", [["slots", ["green", "release"], "2026.11.4"]]);
    const { code, json } = await diff({ stack: "dev", base: stackFile(dir, "dev"), config });
    expect(code).toBe(0);
    expect(json?.blastRadius.services).toEqual({
      blue: [],
      green: ["inference", "bot", "webapp", "dashboard", "notifier"],
    });
    expect(json?.blastRadius.routing).toBe(false);
    // The site names both colors' releases: it changes, a drained reload (fresh upstream addresses).
    expect(json?.blastRadius.proxy).toEqual(["proxy-site"]);
    // A new image forces a new container (terraform-provider-docker: image is ForceNew).
    const updated = json?.changes.filter((c) => c.op === "replace").map((c) => c.name) ?? [];
    for (const service of ["inference", "bot", "webapp", "dashboard", "notifier"]) {
      expect(updated).toContain(`${service}-green`);
      expect(updated).not.toContain(`${service}-blue`);
    }
    expect(json?.changes.find((c) => c.name === "webapp-green")?.keys).toEqual([
      "envs",
      "image",
      "labels",
    ]);
  });

  test("text shows old and new values, masks secrets, and sums up", async () => {
    const config = proposed("dev", "flip-text.yaml", [["activeColor", [], "green"]]);
    const { code, io } = await diff({
      stack: "dev",
      base: stackFile(dir, "dev"),
      config,
      format: "text",
    });
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toContain("~ update switch-record  command:Command");
    expect(out).toContain("pre-promotion: green is checked before the switch (9 checks)");
    expect(out).toMatch(/- +"activeColor": "blue"/);
    expect(out).toMatch(/\+ +"activeColor": "green"/);
    expect(out).not.toContain("bot-green  docker");
    expect(out).not.toContain("update proxy-site");
    expect(out).toContain(
      `Summary: 0 to create, 1 to update, 4 to replace, 0 to delete, ${(await devResourceCount()) - 5} unchanged`,
    );
    expect(out).not.toContain("delete then create (absent in between)");
    expect(out).toContain(
      "routing: the switch record changes (switch-record): public traffic moves from blue to green, and the live trading lease with it; the proxy and the bots read it at run time, so nothing reloads or restarts",
    );
    expect(out).toContain("database: no change");
    expect(out).not.toContain("placeholder-dbPassword");
  });

  test("a declared restore shows the repointed services and the database, secrets masked", async () => {
    const config = proposed("dev", "restore.yaml", [
      [
        "database",
        ["restore"],
        { color: "green", reason: "Corrupt trades", incident: "INC-1", fromRelease: "2026.11.3" },
      ],
    ]);
    const { io } = await diff({
      stack: "dev",
      base: stackFile(dir, "dev"),
      config,
      format: "text",
    });
    const out = io.stdout();
    expect(out).toContain("+ create forensic-copy");
    expect(out).toContain(
      'secret inputs (database connection): "aitb-dev-postgres/aitb" → "aitb-dev-postgres/aitb_restore_release_2026_11_3"',
    );
    expect(out).toContain("green: bot, webapp, dashboard");
    // A new DATABASE_URL is a new env list, which replaces a Docker container.
    expect(out).toMatch(/replace webapp-green .*\n(.*\n)*?.*forced by.*envs/);
    expect(out).not.toMatch(/update webapp-green /);
    expect(out).toContain("database: CHANGES");
    expect(out).not.toContain("placeholder-dbPassword");
  });

  test("a declared InfluxDB restore shows the restoring color's services repointed to the new database", async () => {
    const base = proposed("dev", "influx-base.yaml", [["influxdb", [], {}]]);
    const config = proposed("dev", "influx-restore.yaml", [
      [
        "influxdb",
        [],
        {
          restore: {
            color: "green",
            reason: "Candles overwritten",
            incident: "INC-2",
            fromRelease: "2026.11.3",
          },
        },
      ],
    ]);
    const { io } = await diff({ stack: "dev", base, config, format: "text" });
    const out = io.stdout();
    expect(out).toContain("+ create influxdb-restore");
    expect(out).toContain(
      'secret inputs (database connection): "aitb-dev-postgres/aitb" → "aitb-dev-postgres/aitb; influxdb aitb-dev-influxdb/aitb_trading_restore_release_2026_11_3"',
    );
    expect(out).toMatch(/replace bot-green .*\n(.*\n)*?.*forced by.*envs/);
    expect(out).not.toMatch(/(update|replace) \w+-blue /);
    expect(out).not.toContain("placeholder-dbPassword");
  });

  test("markdown is a pull-request comment: verdict, switch and blast radius, the diff folded", async () => {
    const config = proposed("dev", "flip-md.yaml", [["activeColor", [], "green"]]);
    const { code, io } = await diff({
      stack: "dev",
      base: stackFile(dir, "dev"),
      config,
      format: "markdown",
    });
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^### ✅ `dev`: allowed\n/);
    expect(out).toContain("- **Switch:** blue → green, live release 2026.11.4 → 2026.11.3");
    expect(out).toContain(
      `**Blast radius** (1 update, 4 replace; ${(await devResourceCount()) - 5} unchanged):`,
    );
    expect(out).toContain("<details><summary>5 resources change</summary>");
    expect(out).toContain("```diff");
    expect(out).not.toContain("placeholder-dbPassword");
  });

  test("markdown renders a config error as a comment and exits 2", async () => {
    const config = proposed("dev", "bad-md.yaml", [["activeColor", [], "purple"]]);
    const { code, io } = await diff({
      stack: "dev",
      base: stackFile(dir, "dev"),
      config,
      format: "markdown",
    });
    expect(code).toBe(2);
    expect(io.stdout()).toMatch(/^### ❌ `dev`: config error, do not merge\n/);
    expect(io.stdout()).toContain("- `aitb:activeColor`: ");
  });

  test("text and JSON print nothing on a config error", async () => {
    const config = proposed("dev", "bad-text.yaml", [["activeColor", [], "purple"]]);
    const { code, io } = await diff({
      stack: "dev",
      base: stackFile(dir, "dev"),
      config,
      format: "text",
    });
    expect(code).toBe(2);
    expect(io.stdout()).toBe("");
  });

  test("a mandatory violation exits 1 and names the policy", async () => {
    const config = proposed("prod", "prod-planned-flip.yaml", [
      ["activeColor", [], "blue"],
      [
        "change",
        [],
        {
          class: "planned",
          reason: "Heatmap feedback",
          incident: "CHG-2310",
          requestedBy: "alice",
          at: "2026-11-25T14:55:00Z",
        },
      ],
    ]);
    const { code, json } = await diff({
      stack: "prod",
      base: stackFile(dir, "prod"),
      config,
      now: new Date("2026-11-25T15:00:00Z"),
    });
    expect(code).toBe(1);
    expect(JSON.stringify(json?.policies)).toContain("market-hours-change-window");
  });

  test("a base that is neither a file nor a git revision exits 2 naming it", async () => {
    const io = captureIo(dir);
    const code = await runDiff({ stack: "dev", base: "no-such-rev", format: "text" }, io);
    expect(code).toBe(2);
    expect(io.stderr()).toContain('"no-such-rev"');
  });
});
