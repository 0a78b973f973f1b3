import { leftovers, type Started } from "../drills/cleanup";
import { CommandError } from "../drills/processes";
import { runSwitchDrill, SWITCH_DEFAULTS, type SwitchDrillOptions } from "../drills/switch/drill";
import { CLIENT_KINDS } from "../drills/switch/load";
import { nginxBinary, postgresBinDir } from "../drills/tools";

/**
 * A short form of `aitb drill switch`: a few switches per client kind by the switch record, one
 * drained site change, both bots sampled every 10 ms. Rates and latencies are the full drill's
 * (docs/drills.md); this asserts what must hold on any machine: nothing fails, every request
 * that starts after a switch gets the new color, and never are two bots live.
 */
const SHORT: SwitchDrillOptions = {
  ...SWITCH_DEFAULTS,
  switches: 4,
  rounds: 2,
  durationS: 2,
  baselineS: 1,
  warmupS: 0.5,
  connections: 8,
  mechanisms: ["switch-record"],
  siteChanges: 1,
  keepaliveSeconds: 2,
  wrk: false,
};

beforeAll(() => {
  // Fails (does not skip) with the install command when nginx or PostgreSQL is missing.
  nginxBinary();
  postgresBinDir();
});

describe("switch drill on real nginx and PostgreSQL", () => {
  let started: Started;
  let report: Awaited<ReturnType<typeof runSwitchDrill>>;

  beforeAll(async () => {
    started = { groups: [], folders: [] };
    report = await runSwitchDrill({ ...SHORT, started });
  }, 120_000);

  test("no request of any client kind fails across the switches or the site change", () => {
    const [record] = report.mechanisms;
    expect(record.mechanism).toBe("switch-record");
    expect(record.keepaliveSeconds).toBe(2);
    expect(record.phases.map((p) => p.kind)).toEqual([...CLIENT_KINDS]);
    for (const phase of record.phases) {
      expect({ kind: phase.kind, failed: phase.failed, failures: phase.failures }).toEqual({
        kind: phase.kind,
        failed: 0,
        failures: {},
      });
      expect(phase.switches).toBe(SHORT.switches);
      expect(phase.during.count).toBeGreaterThan(0);
      expect(phase.before.count).toBeGreaterThan(0);
    }
    expect(report.siteChanges).toMatchObject({ changes: 1, failed: 0, failures: {} });
    expect(report.siteChanges?.sent).toBeGreaterThan(0);
  });

  test("every request that starts after a switch returns is answered by the new color", () => {
    for (const phase of report.mechanisms[0].phases) expect(phase.worstLagMs).toBe(0);
  });

  test("at no sample are two bots live, and no order was placed outside its bot's lease", () => {
    const { bots } = report;
    expect(bots.samples).toBeGreaterThan(50);
    expect(bots.twoLive).toBe(0);
    expect(bots.overlapMs).toBe(0);
    expect(bots.orders).toBeGreaterThan(0);
    expect(bots.ordersOutsideLease).toBe(0);
    // Each switch handed the lease to the new color's bot: one new epoch per switch.
    expect(bots.handoverMs.count).toBe(CLIENT_KINDS.length * SHORT.switches);
    expect(bots.epochs).toBeGreaterThanOrEqual(1 + CLIENT_KINDS.length * SHORT.switches);
    expect(report.targets.oneLiveBot).toBe(true);
  });

  test("nginx logged nothing at warn level or worse", () => {
    expect(report.nginxProblems).toEqual([]);
  });

  test("stops every process and removes every folder it started", () => {
    // PostgreSQL, two colors' services, the bots, nginx, and one load generator per phase.
    expect(started.groups).toHaveLength(5 + CLIENT_KINDS.length + 1);
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
  // PostgreSQL, the services and the bots existed when nginx failed.
  expect(started.groups).toHaveLength(4);
  expect(started.folders).toHaveLength(1);
  expect(leftovers(started)).toEqual({ groups: [], folders: [] });
}, 60_000);
