/**
 * Changes that try to move the guard rails from inside the file they judge, each driven through
 * the path `aitb plan --stack prod --config <file> --base Pulumi.prod.yaml --now <time>` takes
 * (cli/commands/plan/index.ts): the stack files as read from the project, planStack against the base,
 * then judgePlan with the pack's committed rules. Every one of these passed before the rules
 * moved out of the stack config; each must now be refused, for the reason it attempts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import { parseDocument } from "yaml";
import { assembleStackSource, type StackSource } from "../../cli/engine/stackFiles";
import { planStack } from "../../cli/engine/plan";
import { judgePlan, type PolicyViolation } from "../../cli/engine/policies";
import { judgeStackChange } from "../../cli/engine/stackChange";
import { guardRailLines, rulesAtBase } from "../../cli/engine/rulesChange";
import { ConfigError } from "../../config/errors";
import { packRules } from "../../policies/rules";
import committedRules from "../../policies/config.json";
import { ROOT } from "../support/stacks";

/** Tuesday 2026-12-01, 13:00 in New York: the NYSE is in session. */
const NOW = new Date("2026-12-01T18:00:00Z");
/** A record written for the change being judged, ten minutes before it runs. */
const WRITTEN = "2026-12-01T17:50:00Z";

const PROJECT = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
const PROD = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");

/** The prod stack file with some `aitb:` keys set (undefined removes one), comments kept. */
function prodWith(changes: Record<string, unknown>, text = PROD): string {
  const document = parseDocument(text);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) document.deleteIn(["config", `aitb:${key}`]);
    else document.setIn(["config", `aitb:${key}`], value);
  }
  return document.toString();
}

function source(stackText: string, projectText = PROJECT, origin = "proposed.yaml"): StackSource {
  return assembleStackSource("prod", projectText, stackText, origin);
}

interface Outcome {
  violations: PolicyViolation[];
  configError?: ConfigError;
}

/** What `aitb plan --base` answers: a config error (exit 2) or the verdicts (exit 1 if mandatory). */
async function plan(
  proposed: StackSource,
  base: StackSource = source(PROD, PROJECT, "Pulumi.prod.yaml"),
): Promise<Outcome> {
  try {
    const planned = await planStack({ source: proposed, base, now: NOW });
    return { violations: (await judgePlan(planned, { now: NOW })).violations };
  } catch (error) {
    if (error instanceof ConfigError) return { violations: [], configError: error };
    throw error;
  }
}

const policiesOf = (outcome: Outcome) => outcome.violations.map((v) => v.policy).sort();

/** A fresh record for a planned change written just now. */
const plannedNow = (reason: string) => ({
  class: "planned",
  reason,
  incident: "CHG-2400",
  requestedBy: "platform",
  at: WRITTEN,
});

const flip = { activeColor: "blue" };

describe("hostile changes to the prod stack, judged as aitb plan --base Pulumi.prod.yaml does", () => {
  describe("the rules live outside the file they judge", () => {
    test("a flip whose file also empties aitb:marketCalendar.sessions is refused: the calendar is the pack's", async () => {
      const calendar = { name: "none", timeZone: "America/New_York", sessions: {} };
      const outcome = await plan(source(prodWith({ ...flip, marketCalendar: calendar })));
      expect(outcome.configError?.issues).toEqual([
        {
          key: "aitb:marketCalendar",
          message: expect.stringContaining("it lives in policies/config.json"),
        },
      ]);
    });

    test("a flip whose file sets aitb:environment: staging is refused: the map says prod", async () => {
      const outcome = await plan(source(prodWith({ ...flip, environment: "staging" })));
      expect(outcome.configError?.issues).toEqual([
        {
          key: "aitb:environment",
          message: expect.stringMatching(
            /"staging" is not the environment of stack "prod".*policies\/config\.json \(stack-environment\.stackEnvironments\) and says "prod"/,
          ),
        },
      ]);
    });

    test("a flip whose file misspells freezeWindows in a calendar is refused", async () => {
      const calendar = {
        name: "NYSE",
        timeZone: "America/New_York",
        sessions: { tue: [{ open: "09:30", close: "16:00" }] },
        freezWindows: [],
      };
      const outcome = await plan(source(prodWith({ ...flip, marketCalendar: calendar })));
      expect(outcome.configError?.issues.map((issue) => issue.key)).toEqual([
        "aitb:marketCalendar",
      ]);
      expect(outcome.configError?.message).toContain("policies/config.json");
    });

    test("the same flip without those keys is judged by the pack's NYSE calendar and denied as planned", async () => {
      const outcome = await plan(source(prodWith({ ...flip, change: plannedNow("Try blue") })));
      expect(policiesOf(outcome)).toEqual(["market-hours-change-window"]);
      expect(outcome.violations[0].message).toContain(
        "a planned change to routing (green -> blue)",
      );
    });
  });

  describe("a release that has been live never changes under its pin", () => {
    test("the live release's bot env edited in the catalog (Pulumi.yaml) is denied at any hour", async () => {
      expect(PROJECT.match(/MAX_POSITION_USD: "300000"/g)).toHaveLength(1);
      const edited = PROJECT.replace('MAX_POSITION_USD: "300000"', 'MAX_POSITION_USD: "50000000"');
      const change = { change: plannedNow("Raise the position limit") };
      // As `aitb plan --base Pulumi.prod.yaml` reads it: both sides see the working tree's catalog.
      const base = source(PROD, edited, "Pulumi.prod.yaml");
      const outcome = await plan(source(prodWith(change), edited), base);
      expect(policiesOf(outcome)).toEqual(["immutable-releases"]);
      expect(outcome.violations[0].message).toMatch(
        /release 2026\.11\.4 was live with content sha256:48c0a231a219 \(aitb:releaseHistory\), but the catalog now gives sha256:\w{12} for the green pin; a release that has been live never changes: put the new content under a new pin/,
      );
      const weekend = new Date("2026-12-05T15:00:00Z");
      const planned = await planStack({
        source: source(
          prodWith({ change: { ...change.change, at: "2026-12-05T14:55:00Z" } }),
          edited,
        ),
        base,
        now: weekend,
      });
      const verdict = await judgePlan(planned, { now: weekend });
      expect(verdict.violations.map((v) => v.policy)).toEqual(["immutable-releases"]);
    });

    test("the same edit as an aitb:releases override in the stack file is denied, and the bot change is judged too", async () => {
      const catalog = source(PROD).values.releases as Record<
        string,
        { services: { bot: { env: Record<string, string> } } }
      >;
      const releases = structuredClone(catalog);
      releases["2026.11.4"].services.bot.env.MAX_POSITION_USD = "50000000";
      const outcome = await plan(
        source(prodWith({ releases, change: plannedNow("Raise the position limit") })),
      );
      expect(policiesOf(outcome)).toEqual(["immutable-releases", "market-hours-change-window"]);
      const immutable = outcome.violations.find((v) => v.policy === "immutable-releases");
      expect(immutable?.message).toContain(
        "release 2026.11.4 runs on green with content sha256:48c0a231a219, and this update changes its content under the same pin",
      );
      const window = outcome.violations.find((v) => v.policy === "market-hours-change-window");
      expect(window?.message).toContain(
        "a planned change to the green bot during a trading session",
      );
    });
  });

  test("aitb diff shows a content change under an unchanged pin as a release change", async () => {
    const releases = structuredClone(source(PROD).values.releases) as Record<
      string,
      { services: { bot: { env: Record<string, string> } } }
    >;
    releases["2026.11.4"].services.bot.env.MAX_POSITION_USD = "50000000";
    const change = await judgeStackChange({
      base: source(PROD, PROJECT, "Pulumi.prod.yaml"),
      source: source(prodWith({ releases, change: plannedNow("Raise the position limit") })),
      now: NOW,
    });
    expect(guardRailLines(change.guardRails)).toEqual([
      expect.stringMatching(
        /^release: green keeps 2026\.11\.4 but its content changes \(sha256:48c0a231a219 → sha256:\w{12}\); a live release never changes: cut a new pin$/,
      ),
    ]);
  });

  describe("the market-hours rule judges content, not key names", () => {
    const database = source(PROD).values.database as Record<string, unknown>;

    test.each([
      [
        "a database SKU downgrade",
        { database: { ...database, sku: "Standard_D2ds_v5" } },
        "the database sku (Standard_D4ds_v5 -> Standard_D2ds_v5)",
      ],
      [
        "a cut of backup retention",
        { database: { ...database, backupRetentionDays: 7 } },
        "the database backupRetentionDays (35 -> 7)",
      ],
      [
        "a new proxy image",
        {
          proxy: {
            ...(source(PROD).values.proxy as Record<string, unknown>),
            image: `nginx:1.27.3@sha256:${"c".repeat(64)}`,
          },
        },
        "the proxy image (nginx:1.27.2@sha256:28402db69fec",
      ],
    ])("%s during the session (planned) is denied", async (_what, changes, expected) => {
      const outcome = await plan(source(prodWith({ ...changes, change: plannedNow("Tune prod") })));
      expect(policiesOf(outcome)).toEqual(["market-hours-change-window"]);
      expect(outcome.violations[0].message).toContain(`a planned change to ${expected}`);
    });

    test.each([
      [
        "a webapp replica count",
        { services: { inference: { replicas: 2 }, webapp: { replicas: 3 } } },
      ],
      [
        "a release's notes text",
        (() => {
          const releases = structuredClone(source(PROD).values.releases) as Record<
            string,
            { notes?: string }
          >;
          releases["2026.11.4"].notes = "Model m-43, order-book heatmap, position limit 300k.";
          return { releases };
        })(),
      ],
    ])("an unrelated change (%s) during the session passes", async (_what, changes) => {
      const outcome = await plan(source(prodWith({ ...changes, change: plannedNow("Unrelated") })));
      expect(outcome).toEqual({ violations: [] });
    });
  });

  describe("change records are fresh and coherent", () => {
    const emergency = (expires: string) => ({
      ...flip,
      change: {
        class: "emergency",
        trigger: "exchange-connectivity-loss",
        reason: "Green lost its exchange session",
        incident: "INC-4711",
        requestedBy: "on-call",
        at: WRITTEN,
        expires,
      },
    });

    test("an emergency whose expiry is ten years away is denied: emergencies are time-boxed", async () => {
      const outcome = await plan(source(prodWith(emergency("2036-12-01T18:00:00Z"))));
      expect(policiesOf(outcome)).toEqual(["fresh-change-record"]);
      expect(outcome.violations[0].message).toContain("is more than 8 h after aitb:change.at");
    });

    test("an emergency expiring within the cap passes", async () => {
      const outcome = await plan(source(prodWith(emergency("2026-12-01T21:00:00Z"))));
      expect(outcome).toEqual({ violations: [] });
    });

    test("an emergency whose expiry is earlier than its own at is refused", async () => {
      const outcome = await plan(source(prodWith(emergency("2026-12-01T17:00:00Z"))));
      expect(outcome.configError?.issues).toEqual([
        {
          key: "aitb:change.expires",
          message: expect.stringContaining(
            "expected an expiry after the record's time (at 2026-12-01T17:50:00Z)",
          ),
        },
      ]);
    });

    test("an immediate change whose trigger is from the planned column of the decision matrix is refused", async () => {
      const change = {
        class: "immediate",
        trigger: "feature-feedback",
        reason: "Users dislike the heatmap",
        incident: "INC-4712",
        requestedBy: "on-call",
        at: WRITTEN,
      };
      const outcome = await plan(source(prodWith({ ...flip, change })));
      expect(outcome.configError?.issues).toEqual([
        {
          key: "aitb:change.trigger",
          message: expect.stringContaining(
            '"feature-feedback" (Feature rollback after user feedback) is a planned trigger',
          ),
        },
      ]);
    });

    test("yesterday's change record reused unchanged for today's switch is denied", async () => {
      const yesterday = {
        class: "immediate",
        trigger: "bot-execution-errors",
        reason: "Bot rejects orders on live positions",
        incident: "INC-4700",
        requestedBy: "on-call",
        at: "2026-11-30T19:30:00Z",
      };
      // Deployed yesterday: blue live under that record; today the same record switches to green.
      const deployed = prodWith({ activeColor: "blue", change: yesterday });
      const base = source(deployed, PROJECT, "deployed.yaml");
      const outcome = await plan(source(prodWith({ activeColor: "green" }, deployed)), base);
      expect(policiesOf(outcome)).toEqual(["fresh-change-record"]);
      expect(outcome.violations[0].message).toContain(
        "aitb:change is the record the stack was last deployed with (at 2026-11-30T19:30:00Z",
      );
      const rewritten = prodWith(
        { activeColor: "green", change: { ...yesterday, at: WRITTEN } },
        deployed,
      );
      expect(await plan(source(rewritten), base)).toEqual({ violations: [] });
    });

    test("free text with a line break or a bidirectional override is refused", async () => {
      for (const reason of ["Roll back\nincident: none", "Roll back \u202Eyllaunam"]) {
        const outcome = await plan(source(prodWith({ change: { ...plannedNow(reason) } })));
        expect(outcome.configError?.issues.map((issue) => issue.key)).toEqual([
          "aitb:change.reason",
        ]);
      }
    });
  });

  describe("a change of the rules themselves", () => {
    test("shows in aitb diff as a rules change and is judged like a routing change during a session", async () => {
      const base = source(PROD, PROJECT, "Pulumi.prod.yaml");
      const older = structuredClone(committedRules) as Record<string, Record<string, unknown>>;
      older["fresh-change-record"].maxAgeHours = 12;
      const change = await judgeStackChange({
        base,
        source: source(prodWith({ change: plannedNow("Loosen the record age") })),
        now: NOW,
        baseRules: packRules(older),
      });
      expect(guardRailLines(change.guardRails)).toEqual([
        expect.stringMatching(
          /^rules: CHANGE policies\/config\.json \(sha256:\w{12} → sha256:\w{12}\): fresh-change-record; judged like a routing change during a session$/,
        ),
      ]);
      expect(change.verdict.violations.map((v) => v.policy)).toEqual([
        "market-hours-change-window",
      ]);
      expect(change.verdict.violations[0].message).toContain(
        "a planned change to the policy pack's rules (policies/config.json) during a trading session",
      );
    });

    test("the rules at a git revision are that revision's policies/config.json", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-rules-"));
      try {
        const older = structuredClone(committedRules) as Record<string, Record<string, unknown>>;
        older["market-hours-change-window"].freezeWindows = [];
        older["fresh-change-record"].maxAgeHours = 48;
        fs.mkdirSync(path.join(dir, "policies"));
        fs.writeFileSync(path.join(dir, "policies/config.json"), JSON.stringify(older));
        const git = (...args: string[]) =>
          execFileSync("git", args, {
            cwd: dir,
            stdio: "ignore",
            env: {
              ...process.env,
              GIT_AUTHOR_NAME: "t",
              GIT_AUTHOR_EMAIL: "t@t",
              GIT_COMMITTER_NAME: "t",
              GIT_COMMITTER_EMAIL: "t@t",
            },
          });
        git("init", "-q");
        git("add", "policies/config.json");
        git("commit", "-q", "-m", "rules");
        expect(rulesAtBase(dir, "HEAD").digest).toBe(packRules(older).digest);
        expect(rulesAtBase(dir, "HEAD").digest).not.toBe(packRules().digest);
        expect(rulesAtBase(dir, path.join(ROOT, "Pulumi.prod.yaml")).digest).toBe(
          packRules().digest,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
