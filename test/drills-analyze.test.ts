import { analyzePhase, failureOf, lagsMs } from "../drills/switch/analyze";
import { overlapMs } from "../drills/switch/bots";
import type { KindRecords, Target } from "../drills/switch/load";
import { parseWrk } from "../drills/switch/wrk";
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
    const phase = analyzePhase({
      records: r,
      targets: TARGETS,
      switches: [],
      window: { quiet: [[0, 10]], switching: [] },
    });
    expect(phase.failed).toBe(4);
    expect(phase.failures).toEqual({ "HTTP 502": 1, ECONNRESET: 1, "no answer": 1, misrouted: 1 });
    expect(phase.before.count).toBe(2);
  });
});

describe("switch timing", () => {
  const window = {
    quiet: [[0, 1_000] as const],
    switching: [[1_000, 3_000] as const],
  };
  const switches = [
    { to: "green" as const, startedAt: 1_000, endedAt: 1_004 },
    { to: "blue" as const, startedAt: 2_000, endedAt: 2_003 },
  ];
  const ok = (r: KindRecords) => r.sentAt.map((_, i) => failureOf(r, i, TARGETS) === undefined);

  test("the lag is the latest start after a step returned that the old color still answered", () => {
    const r = records([
      { sent: 1_002, done: 1_006, outcome: 200, color: "blue" }, // started during the step: no lag
      { sent: 1_010, done: 1_012, outcome: 200, color: "blue" }, // 6 ms after the step: lag 6
      { sent: 1_500, done: 1_510, outcome: 200, color: "green" },
      { sent: 2_010, done: 2_020, outcome: 200, color: "blue" },
    ]);
    expect(lagsMs(r, ok(r), switches)).toEqual([6, 0]);
  });

  test("a request still unanswered when the next switch starts is not counted against either", () => {
    const r = records([
      // Sent under green, answered by blue after the next switch began: the next switch's color.
      { sent: 1_999, done: 2_001, outcome: 200, color: "blue" },
      { sent: 1_200, done: 1_201, outcome: 502, color: "blue" }, // failed: counted as failed only
    ]);
    expect(lagsMs(r, ok(r), switches)).toEqual([0, 0]);
  });

  test("latencies before and during switches come from their own windows", () => {
    const r = records([
      { sent: 100, done: 102, outcome: 200 },
      { sent: 200, done: 204, outcome: 200 },
      { sent: 1_500, done: 1_530, outcome: 200, color: "green" },
      { sent: 2_500, done: 2_510, outcome: 200 },
    ]);
    const phase = analyzePhase({ records: r, targets: TARGETS, switches, window });
    expect(phase.before).toEqual({ count: 2, p50Ms: 2, p99Ms: 4 });
    expect(phase.during).toEqual({ count: 2, p50Ms: 10, p99Ms: 30 });
    // The rate while switching: 2 requests in the 2 s from the first switch to the end.
    expect(phase.rps).toBe(1);
    expect(phase.stepMs).toEqual({ p50: 3, max: 4 });
    expect(phase.worstLagMs).toBe(0);
  });
});

describe("the bots' live intervals", () => {
  test("overlap is the time both were live by their own records", () => {
    expect(
      overlapMs(
        { blue: [{ epoch: 1, from: 0, to: 100 }], green: [{ epoch: 2, from: 101, to: 200 }] },
        300,
      ),
    ).toBe(0);
    expect(
      overlapMs({ blue: [{ epoch: 1, from: 0, to: 100 }], green: [{ epoch: 2, from: 90 }] }, 300),
    ).toBe(10);
  });
});

test("wrk's summary is read with its errors and latency distribution", () => {
  const figures = parseWrk(`Running 10s test @ http://127.0.0.1:8080/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.02ms  512.00us  20.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    1.10ms
     90%    1.60ms
     99%    3.20ms
  350000 requests in 10.00s, 90.00MB read
  Socket errors: connect 0, read 12, write 1, timeout 0
  Non-2xx or 3xx responses: 3
Requests/sec:  35000.12
Transfer/sec:      9.00MB
`);
  expect(figures).toEqual({
    requests: 350_000,
    seconds: 10,
    rps: 35_000,
    errors: { connect: 0, read: 12, write: 1, timeout: 0, status: 3 },
    p50Ms: 0.85,
    p99Ms: 3.2,
  });
  expect(() => parseWrk("unable to connect to 127.0.0.1:1 Connection refused")).toThrow(
    /no summary/,
  );
});

test("percentiles are nearest-rank", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(percentile(values, 50)).toBe(50);
  expect(percentile(values, 99)).toBe(99);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBeUndefined();
});
