import { execFileSync } from "node:child_process";
import { commandLine, nginxQuote, shellQuote } from "../domain/quote";
import { proxySchema, serviceOverridesSchema, stackConfigSchema } from "../config/schema";
import { stringLeaves } from "./support/schemaLeaves";

const PAYLOADS = [
  "/ { return 200 'x'; } location /x/",
  "/$host/",
  "/$(id)/",
  "/`id`/",
  "/a'b/",
  '/a"b/',
  "/a\nb/",
  "/a\rb/",
  "/a\0b/",
  "/../",
];

describe("config strings that reach nginx have a grammar", () => {
  it.each(PAYLOADS)("refuses route %j naming the key", (payload) => {
    const result = serviceOverridesSchema.safeParse({ webapp: { route: payload } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["webapp", "route"]);
  });
  it.each(PAYLOADS)("refuses healthPath %j", (payload) => {
    const result = serviceOverridesSchema.safeParse({ webapp: { healthPath: payload } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["webapp", "healthPath"]);
  });
  it.each(["aitb.example.com; return 200", "$host", "a b", "-a.example.com"])(
    "refuses hostname %j",
    (payload) => {
      const result = proxySchema.safeParse({ hostname: payload });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["hostname"]);
    },
  );
  it("accepts the usual values", () => {
    expect(
      serviceOverridesSchema.safeParse({ webapp: { route: "/dashboard/", healthPath: "/health" } })
        .success,
    ).toBe(true);
    expect(serviceOverridesSchema.safeParse({ webapp: { route: "/" } }).success).toBe(true);
    expect(proxySchema.safeParse({ hostname: "aitb.example.com" }).success).toBe(true);
  });
});

describe("shellQuote keeps any value one inert word", () => {
  const values = ["$(touch /tmp/x)", "`id`", "a'b", 'a"b', "a\nb", "a\rb", "x; rm -rf /", ""];
  it.each(values)("%j reaches sh unchanged", (value) => {
    const out = execFileSync("sh", ["-c", `printf %s ${shellQuote(value)}`]).toString();
    expect(out).toBe(value);
  });
  it("refuses NUL", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });
  it("quotes a command line", () => {
    expect(commandLine(["aitb", "--reason", "it's"])).toBe("aitb --reason 'it'\\''s'");
  });
});

describe("nginxQuote", () => {
  it("quotes syntax and refuses variables and control characters", () => {
    expect(nginxQuote("plain-token")).toBe("plain-token");
    expect(nginxQuote('a "b"; }')).toBe('"a \\"b\\"; }"');
    expect(() => nginxQuote("$host")).toThrow(/variable/);
    expect(() => nginxQuote("a\nb")).toThrow(/control/);
  });
});

describe("every string key of the stack config has a grammar, or is text that reaches nothing unquoted", () => {
  const leaves = stringLeaves(stackConfigSchema);
  /**
   * Free text: a change record's and a restore's words, release notes (one line each, bounded),
   * and a service's env values and config files, which reach a process's environment and a file's
   * content, never an nginx site or a shell line.
   */
  const FREE_TEXT = [
    /^change\.(reason|incident|requestedBy)$/,
    /^(database|influxdb|sqlServer)\.restore\.(reason|incident)$/,
    /^releases\.\*\.notes$/,
    /^releaseHistory\[\]\.(change|failedAnalysis\.reason)$/,
    /^(releases\.\*\.)?services\.\w+\.(env|files)\.\*$/,
  ];
  const ONE_LINE = FREE_TEXT.slice(0, 4);
  const INJECTIONS = [
    "x; } location / { return 200 'owned'; }",
    "$(touch /tmp/aitb-owned)",
    "`id`",
    "a\nb",
    "a'b\"c",
    "a\0b",
    "a\u202Eb",
  ];
  const free = (path: string) => FREE_TEXT.some((pattern) => pattern.test(path));

  test("the walk finds the keys (more than 60 string leaves)", () => {
    expect(leaves.length).toBeGreaterThan(60);
    expect(leaves.map((leaf) => leaf.path)).toEqual(
      expect.arrayContaining(["database.user", "docker.network", "services.bot.env.<key>"]),
    );
  });

  test.each(leaves.filter((leaf) => !free(leaf.path)).map((leaf) => [leaf.path, leaf]))(
    "%s refuses every injection payload",
    (_path, leaf) => {
      const accepted = INJECTIONS.filter((payload) => leaf.schema.safeParse(payload).success);
      expect(accepted).toEqual([]);
    },
  );

  test.each(leaves.filter((leaf) => free(leaf.path)).map((leaf) => [leaf.path, leaf]))(
    "%s (free text) refuses NUL and bidirectional overrides",
    (path, leaf) => {
      expect(leaf.schema.safeParse("a\0b").success).toBe(false);
      expect(leaf.schema.safeParse("a\u202Eb").success).toBe(false);
      const oneLine = ONE_LINE.some((pattern) => pattern.test(path));
      expect(leaf.schema.safeParse("a\nb").success).toBe(!oneLine);
    },
  );
});
