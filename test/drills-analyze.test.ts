import { analyzeSwitchRun, failureOf } from "../drills/switch/analyze";
import { scheduled, type KindRecords, type Target } from "../drills/switch/load";
import { percentile } from "../drills/stats";

const TARGETS: Target[] = [
  { path: "/drill", service: "webapp" },
  { path: "/api/drill", service: "inference" },
];

interface Row {
  sent: number;
  done: number;
  outcome: number | string;
  color?: string;
  service?: string;
  target?: number;
}

function records(rows: Row[], kind: KindRecords["kind"] = "keepalive"): KindRecords {
  return {
    kind,
    sentAt: rows.map((r) => r.sent),
    doneAt: rows.map((r) => r.done),
    target: rows.map((r) => r.target ?? 0),
    outcome: rows.map((r) => r.outcome),
    service: rows.map((r) => r.service ?? (typeof r.outcome === "number" ? "webapp" : "")),
    color: rows.map((r) => r.color ?? (typeof r.outcome === "number" ? "blue" : "")),
    retries: 0,
    notSent: 0,
  };
}

describe("what counts as a failed request", () => {
  const r = records([
    { sent: 0, done: 1, outcome: 200 },
    { sent: 0, done: 1, outcome: 404 },
    { sent: 0, done: 1, outcome: 502 },
    { sent: 0, done: 1, outcome: "ECONNRESET" },
    { sent: 0, done: 0, outcome: "" },
    { sent: 0, done: 1, outcome: 200, service: "webapp", target: 1 },
  ]);

  test("an answer below 500 from the route's service is not a failure", () => {
    expect(failureOf(r, 0, TARGETS)).toBeUndefined();
    expect(failureOf(r, 1, TARGETS)).toBeUndefined();
  });

  test("5xx, socket errors, no answer and an answer from the wrong service are", () => {
    expect(failureOf(r, 2, TARGETS)).toBe("HTTP 502");
    expect(failureOf(r, 3, TARGETS)).toBe("ECONNRESET");
    expect(failureOf(r, 4, TARGETS)).toBe("no answer");
    expect(failureOf(r, 5, TARGETS)).toBe("misrouted");
  });

  test("failures are counted per cause and kept out of the latencies", () => {
    const analysis = analyzeSwitchRun({
      records: [r],
      targets: TARGETS,
      switches: [],
      window: { loadStart: 0, baselineStart: 0, baselineEnd: 10, loadEnd: 10 },
    });
    const [kind] = analysis.kinds;
    expect(kind.failed).toBe(4);
    expect(kind.failures).toEqual({ "HTTP 502": 1, ECONNRESET: 1, "no answer": 1, misrouted: 1 });
    expect(kind.before.count).toBe(2);
  });
});

describe("switch timing", () => {
  const window = { loadStart: 0, baselineStart: 0, baselineEnd: 1_000, loadEnd: 3_000 };
  const switches = [
    { to: "green" as const, startedAt: 1_000, endedAt: 1_040 },
    { to: "blue" as const, startedAt: 2_000, endedAt: 2_030 },
  ];

  test("measures from the start of the reload step to the first and the last color change", () => {
    const r = records([
      { sent: 990, done: 1_005, outcome: 200, color: "blue" }, // old color, after the reload began
      { sent: 1_050, done: 1_060, outcome: 200, color: "green" }, // first from the new color
      { sent: 1_100, done: 1_150, outcome: 200, color: "blue" }, // an old worker still answering
      { sent: 1_200, done: 1_210, outcome: 200, color: "green" },
      { sent: 2_010, done: 2_020, outcome: 200, color: "green" },
      { sent: 2_100, done: 2_110, outcome: 200, color: "blue" },
    ]);
    const analysis = analyzeSwitchRun({ records: [r], targets: TARGETS, switches, window });
    expect(analysis.switches).toEqual([
      { to: "green", reloadStepMs: 40, firstNewMs: 60, allNewMs: 150 },
      { to: "blue", reloadStepMs: 30, firstNewMs: 110, allNewMs: 110 },
    ]);
  });

  test("responses before the reload and failed requests do not count", () => {
    const r = records([
      { sent: 900, done: 950, outcome: 200, color: "green" },
      { sent: 1_010, done: 1_020, outcome: 502, color: "green" },
      { sent: 1_030, done: 1_040, outcome: 200, color: "green" },
    ]);
    const analysis = analyzeSwitchRun({
      records: [r],
      targets: TARGETS,
      switches: [switches[0]],
      window,
    });
    expect(analysis.switches[0]).toMatchObject({ firstNewMs: 40, allNewMs: 40 });
  });

  test("a switch that never shows the new color has no times", () => {
    const r = records([{ sent: 1_010, done: 1_020, outcome: 200, color: "blue" }]);
    const analysis = analyzeSwitchRun({
      records: [r],
      targets: TARGETS,
      switches: [switches[0]],
      window,
    });
    expect(analysis.switches[0].firstNewMs).toBeUndefined();
    expect(analysis.switches[0].allNewMs).toBeUndefined();
  });

  test("latencies before and during switches come from their own windows", () => {
    const r = records([
      { sent: 100, done: 102, outcome: 200 },
      { sent: 200, done: 204, outcome: 200 },
      { sent: 1_500, done: 1_530, outcome: 200 },
      { sent: 2_500, done: 2_510, outcome: 200 },
    ]);
    const analysis = analyzeSwitchRun({ records: [r], targets: TARGETS, switches, window });
    expect(analysis.kinds[0].before).toEqual({ count: 2, p50Ms: 2, p99Ms: 4 });
    expect(analysis.kinds[0].during).toEqual({ count: 2, p50Ms: 10, p99Ms: 30 });
    // The rate while switching: 2 requests in the 2 s from the first switch to the end.
    expect(analysis.kinds[0].rps).toBe(1);
  });
});

test("percentiles are nearest-rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(percentile(values, 50)).toBe(50);
  expect(percentile(values, 99)).toBe(99);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBeUndefined();
});

test("the load ramps up over the warm-up, then holds its rate", () => {
  const payload = { rps: 1_000, rampMs: 2_000 };
  expect(scheduled(payload, 0)).toBe(0);
  expect(scheduled(payload, 1_000)).toBe(250);
  expect(scheduled(payload, 2_000)).toBe(1_000);
  expect(scheduled(payload, 3_000)).toBe(2_000);
  expect(scheduled({ rps: 1_000, rampMs: 0 }, 0)).toBe(0);
  expect(scheduled({ rps: 1_000, rampMs: 0 }, 1_500)).toBe(1_500);
});
