import { isIP } from "node:net";
import { COLORS } from "../domain/colors";
import { SERVICE_NAMES } from "../domain/services";
import { serviceAlias } from "../domain/routing";
import { SITE_HEADER, NginxSiteError, proxySite, renderNginxSite } from "../domain/nginxSite";
import { checkSite } from "../drills/switch/nginx";
import { nginxBinary } from "../drills/tools";
import { configFailureOf, flipped, planOf, stackSource, STACKS } from "./support/stacks";
import type { Plan } from "../cli/engine/plan";
import { deploymentSpec } from "../domain/deployment";
import { validateStackConfig } from "../config/validate";
import { NOW } from "./support/stacks";

/*
 * The router's site exactly as the program plans it, for every stack file and both colors,
 * checked with the real `nginx -t`. Two things are mapped for the check only, because this
 * machine is not the proxy's: the upstream host names (container aliases / Container Apps
 * names such as `webapp-blue`, which nginx resolves when it loads the site) become 127.0.0.1,
 * and `listen <port>` becomes a loopback address, since `nginx -t` binds the port it checks.
 * No /etc/hosts change is needed; every other line is tested as generated.
 */

const ALIASES = new Set(
  COLORS.flatMap((color) => SERVICE_NAMES.map((s) => serviceAlias(s, color))),
);

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

function plannedSites(plan: Plan): string[] {
  return plan.resources
    .flatMap((r) => stringsIn(r.inputs))
    .filter((s) => s.startsWith(SITE_HEADER));
}

/** The site with its upstream hosts on loopback; throws on a host this test does not know. */
function forLocalCheck(site: string): { site: string; mapped: string[] } {
  const mapped: string[] = [];
  const toLoopback = (prefix: string, host: string, port: string): string => {
    if (isIP(host)) return `${prefix}${host}${port}`;
    if (!ALIASES.has(host)) throw new Error(`unexpected upstream host "${host}" in the site`);
    mapped.push(host);
    return `${prefix}127.0.0.1${port}`;
  };
  const local = site
    .replace(/^( +server )([A-Za-z0-9.-]+)(:\d+)/gm, (_, p: string, h: string, port: string) =>
      toLoopback(p, h, port),
    )
    .replace(
      /(proxy_pass http:\/\/)([A-Za-z0-9.-]+)(:\d+)/g,
      (_, p: string, h: string, port: string) => toLoopback(p, h, port),
    )
    .replace(/^( {4}listen )(\d+);$/m, "$1127.0.0.1:$2;");
  return { site: local, mapped };
}

function changedLines(a: string, b: string): string[] {
  const left = a.split("\n");
  return b.split("\n").filter((line, i) => line !== left[i]);
}

let nginx: string;
beforeAll(() => {
  // Fails (does not skip) with the install command when nginx is missing.
  nginx = nginxBinary();
});

describe.each(STACKS)("the %s stack's proxy site", (stack) => {
  let before: Plan;
  let after: Plan;
  beforeAll(async () => {
    before = await planOf(stack);
    after = await planOf(stack, flipped(stackSource(stack)));
  }, 60_000);

  test("is the same text whichever color is active: a switch does not touch it", () => {
    const sites = plannedSites(before);
    expect(sites.length).toBeGreaterThanOrEqual(1);
    expect(plannedSites(after)).toEqual(sites);
    expect(before.activeColor).not.toBe(after.activeColor);
  });

  test("routes by the switch record to upstreams of both colors, with client keep-alive on", () => {
    const [site] = plannedSites(before);
    expect(site).not.toMatch(/aitb:active-color|X-AITB-Color (blue|green)/);
    expect(site).toMatch(/^ {4}keepalive_timeout 10s 10;$/m);
    // Off only in the drain twins, which close a connection after its one request.
    expect(site).not.toMatch(/^ {4}keepalive_timeout 0;$/m);
    // One file test decides the color: a request racing a rename sees one record or the other.
    expect(site.match(/^ {4}if \(-f \S+\/current\/(blue|green)\) \{$/gm)).toEqual([
      expect.stringContaining("/current/green)"),
    ]);
    expect(site).toMatch(/^ {4}if \(!-f \S+\/current\/record\.json\) \{\n {8}return 503;$/m);
    const passes = [...site.matchAll(/proxy_pass http:\/\/aitb_(\w+)_\$aitb_color;/g)].map(
      (m) => m[1],
    );
    expect(passes.length).toBeGreaterThanOrEqual(3);
    for (const service of passes) {
      for (const color of COLORS) expect(site).toContain(`upstream aitb_${service}_${color} {`);
    }
  });

  test("passes nginx -t", async () => {
    const sites = plannedSites(before);
    for (const planned of sites) {
      const { site, mapped } = forLocalCheck(planned);
      expect(mapped.length).toBeGreaterThanOrEqual(3);
      // Only upstream addresses and the listen address differ from the planned site.
      for (const line of changedLines(planned, site)) {
        expect(line).toMatch(
          /^ +(server 127\.0\.0\.1:\d+ |proxy_pass http:\/\/127\.0\.0\.1:\d+\/|listen 127\.0\.0\.1:\d+;)/,
        );
      }
      const result = await checkSite(nginx, site);
      expect(result.output).toContain("test is successful");
      expect(result.ok).toBe(true);
    }
  }, 60_000);
});

describe("the client keep-alive setting", () => {
  test("0 is refused, naming the key and the benchmark", async () => {
    const error = await configFailureOf("dev", { proxy: { clientKeepaliveSeconds: 0 } });
    expect(error.message).toContain("aitb:proxy.clientKeepaliveSeconds");
    expect(error.message).toContain("0 turns client keep-alive off (CIS NGINX Benchmark 2.4.3");
  });

  test("more than 10 s is refused, and a valid value reaches the site", async () => {
    const error = await configFailureOf("dev", { proxy: { clientKeepaliveSeconds: 30 } });
    expect(error.message).toContain("aitb:proxy.clientKeepaliveSeconds");
    const plan = await planOf("dev", {
      proxy: { ...(stackSource("dev").values.proxy as object), clientKeepaliveSeconds: 4 },
    });
    expect(plannedSites(plan)[0]).toMatch(/^ {4}keepalive_timeout 4s 4;$/m);
  }, 60_000);
});

describe("the site model", () => {
  const spec = deploymentSpec(validateStackConfig(stackSource("dev").values, NOW));
  const base = proxySite({
    spec,
    listen: { host: "127.0.0.1", port: 8080 },
    upstreamOf: ({ port }, color) => ({
      host: "127.0.0.1",
      port: port + (color === "blue" ? 0 : 100),
    }),
    switchRecordDir: "/run/aitb/switch",
    drainFlag: "/etc/nginx/conf.d/aitb.drain",
    clientKeepaliveSeconds: 10,
  });

  test("renders what nginx accepts, draining through a twin location that closes connections", async () => {
    const site = renderNginxSite(base);
    expect(site).toContain("error_page 418 = @aitb_drain_webapp;");
    expect(site).toMatch(/location @aitb_drain_webapp \{\n {8}keepalive_timeout 0;/);
    expect(site).toContain("rewrite ^/dashboard/(.*)$ /$1 break;");
    const result = await checkSite(nginx, site);
    expect(result.ok).toBe(true);
  });

  test("refuses a value nginx could misread rather than rendering it", () => {
    const route = base.servers[0].locations[0];
    const broken = (change: object) => ({
      ...base,
      servers: [{ ...base.servers[0], locations: [{ ...route, ...change }] }],
    });
    expect(() => renderNginxSite(broken({ path: "/a b/" }))).toThrow(NginxSiteError);
    expect(() => renderNginxSite(broken({ headers: [["Host", "a;b"]] }))).toThrow(
      /cannot be written unquoted/,
    );
    expect(() =>
      renderNginxSite(
        broken({
          upstreams: {
            blue: (route as { upstreams: { blue: string } }).upstreams.blue,
            green: "somewhere_else",
          },
        }),
      ),
    ).toThrow(/the green upstream must be aitb_\w+_green/);
  });
});

describe("the check itself", () => {
  test("nginx -t rejects a broken site, naming the line", async () => {
    const plan = await planOf("dev");
    const { site } = forLocalCheck(plannedSites(plan)[0]);
    const broken = site.replace("proxy_connect_timeout 2s;", "proxy_connect_timeout 2s");
    const result = await checkSite(nginx, broken);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/\[emerg\].*aitb\.conf:\d+/);
  }, 60_000);

  test("a host name the test does not know is not mapped silently", () => {
    expect(() => forLocalCheck(`${SITE_HEADER}\n    server db.example.com:5432;\n`)).toThrow(
      'unexpected upstream host "db.example.com"',
    );
  });
});
