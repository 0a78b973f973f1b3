import { execFileSync } from "node:child_process";
import { commandLine, nginxQuote, shellQuote } from "../domain/quote";
import { proxySchema, serviceOverridesSchema } from "../config/schema";

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
