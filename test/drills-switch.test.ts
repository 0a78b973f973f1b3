import { leftovers, type Started } from "../drills/cleanup";
import { CommandError } from "../drills/processes";
import { runSwitchDrill, SWITCH_DEFAULTS, type SwitchDrillOptions } from "../drills/switch/drill";
import { CLIENT_KINDS } from "../drills/switch/load";
import { nginxBinary } from "../drills/tools";

/** A short form of `aitb drill switch`: a few switches, a few seconds of load. */
const SHORT: SwitchDrillOptions = {
  ...SWITCH_DEFAULTS,
  switches: 4,
  durationS: 4,
  baselineS: 1,
  warmupS: 0.5,
  rps: 200,
  clients: 8,
};

beforeAll(() => {
  // Fails (does not skip) with the install command when nginx is missing.
  nginxBinary();
});

describe("switch drill on real nginx", () => {
  let started: Started;
  let report: Awaited<ReturnType<typeof runSwitchDrill>>;

  beforeAll(async () => {
    started = { groups: [], folders: [] };
    report = await runSwitchDrill({ ...SHORT, started });
  }, 60_000);

  test("no request of any client kind fails across the switches", () => {
    expect(report.analysis.kinds.map((k) => k.kind)).toEqual([...CLIENT_KINDS]);
    for (const kind of report.analysis.kinds) {
      expect({ kind: kind.kind, failed: kind.failed, failures: kind.failures }).toEqual({
        kind: kind.kind,
        failed: 0,
        failures: {},
      });
      expect(kind.notSent).toBe(0);
      // Open-loop load: every scheduled request left (the warm-up ramps the rate up from 0).
      expect(kind.sent).toBe(SHORT.rps * (SHORT.warmupS / 2 + SHORT.baselineS + SHORT.durationS));
      expect(kind.during.count).toBeGreaterThan(0);
      expect(kind.before.count).toBeGreaterThan(0);
    }
  });

  test("every switch moves all traffic to the new color within 1 s of the reload", () => {
    expect(report.analysis.switches.map((s) => s.to)).toEqual(["green", "blue", "green", "blue"]);
    for (const s of report.analysis.switches) {
      expect(s.firstNewMs).toBeDefined();
      expect(s.allNewMs).toBeLessThanOrEqual(1_000);
      expect(s.allNewMs).toBeGreaterThanOrEqual(s.firstNewMs as number);
    }
    expect(report.targets.newColorWithin1s).toBe(true);
  });

  test("nginx logged nothing at warn level or worse", () => {
    expect(report.nginxProblems).toEqual([]);
  });

  test("stops every process and removes every folder it started", () => {
    // The services, nginx (with its workers) and the load generator; one temporary prefix.
    expect(started.groups).toHaveLength(3);
    expect(started.folders).toHaveLength(1);
    expect(leftovers(started)).toEqual({ groups: [], folders: [] });
  });
});

test("a drill that fails half-way still stops what it started", async () => {
  const started: Started = { groups: [], folders: [] };
  const saved = process.env.AITB_NGINX;
  process.env.AITB_NGINX = "/bin/false"; // an nginx whose config test always fails
  try {
    await expect(runSwitchDrill({ ...SHORT, started })).rejects.toBeInstanceOf(CommandError);
  } finally {
    if (saved === undefined) delete process.env.AITB_NGINX;
    else process.env.AITB_NGINX = saved;
  }
  // The services and the prefix existed when nginx failed.
  expect(started.groups).toHaveLength(1);
  expect(started.folders).toHaveLength(1);
  expect(leftovers(started)).toEqual({ groups: [], folders: [] });
}, 30_000);
