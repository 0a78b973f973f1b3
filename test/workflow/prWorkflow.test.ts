/**
 * The pull-request workflows, run: each step's `run:` body is taken from the YAML and executed with
 * bash as Actions runs it, in a git repository with a base and a head commit, with the variables
 * Actions sets, the compiled command line (dist/, built by `npm test` first), a fake GitHub API on
 * a local port and fakes on PATH for what reaches GitHub or Pulumi otherwise.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { REPO } from "./support";

interface Step {
  id?: string;
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
}
interface Job {
  steps: Step[];
  if?: string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { pull_request?: { paths?: string[] } | null; push?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const REVIEW_FILE = path.join(REPO, ".github/workflows/stack-config-review.yml");
const TEST_FILE = path.join(REPO, ".github/workflows/test.yml");
const review = parse(fs.readFileSync(REVIEW_FILE, "utf8")) as Workflow;
const tests = parse(fs.readFileSync(TEST_FILE, "utf8")) as Workflow;
const STACKS = ["dev", "loopback", "prod", "staging"];
const TOKEN = "test-token";
const REPOSITORY = "acme/aitb";
const PR = 7;
const BOT = "github-actions[bot]";

function step(job: string, id: string): Step {
  const found = review.jobs[job].steps.find((s) => s.id === id);
  if (!found?.run) throw new Error(`no step ${id} with a run body in job ${job}`);
  return found;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

/**
 * A checkout of a pull request: the repository's stack files committed as the base, `change`
 * applied and committed as the head. The compiled command line and the workflow scripts are the
 * repository's own.
 */
function pullRequest(change: (dir: string) => void): { dir: string; base: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-pr-"));
  git(dir, "init", "-q");
  for (const file of ["Pulumi.yaml", ...STACKS.map((s) => `Pulumi.${s}.yaml`)]) {
    fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, "README.md"), "x\n");
  fs.writeFileSync(path.join(dir, ".gitignore"), "dist\n");
  fs.symlinkSync(path.join(REPO, "dist"), path.join(dir, "dist"));
  fs.cpSync(path.join(REPO, ".github/scripts"), path.join(dir, ".github/scripts"), {
    recursive: true,
  });
  git(dir, "add", ".");
  git(dir, "commit", "-qm", "base");
  const base = git(dir, "rev-parse", "HEAD");
  change(dir);
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "head", "--allow-empty");
  return { dir, base };
}

function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const target = path.join(dir, file);
  const text = fs.readFileSync(target, "utf8");
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: nothing to replace`);
  fs.writeFileSync(target, next);
}

const flipDev = (dir: string) =>
  edit(dir, "Pulumi.dev.yaml", "aitb:activeColor: blue", "aitb:activeColor: green");
const breakProd = (dir: string) =>
  edit(dir, "Pulumi.prod.yaml", /aitb:activeColor: green$/m, "aitb:activeColor: purple");
const touchDevComment = (dir: string) =>
  fs.appendFileSync(path.join(dir, "Pulumi.dev.yaml"), "# reviewed\n");

/** Commands that reach GitHub or Pulumi other than through the API URL: they record and fail. */
function fakeBin(scratch: string): string {
  const bin = path.join(scratch, "bin");
  fs.mkdirSync(bin);
  for (const name of ["gh", "curl", "pulumi"]) {
    fs.writeFileSync(
      path.join(bin, name),
      `#!/usr/bin/env bash\nprintf '%s\\n' "${name} $*" >> "$FAKE_CALLS"\nexit "\${FAKE_EXIT_${name.toUpperCase()}:-1}"\n`,
      { mode: 0o755 },
    );
  }
  return bin;
}

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}
interface ApiRequest {
  method: string;
  path: string;
  body?: { body?: string };
}

/** Issue comments of one pull request, as GitHub's REST API serves them. */
async function fakeGitHub(seed: Comment[] = [], failWith?: number) {
  const comments = seed.map((c) => ({ ...c }));
  const requests: ApiRequest[] = [];
  let nextId = 9000;
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const body = data ? (JSON.parse(data) as { body?: string }) : undefined;
      requests.push({ method: req.method ?? "", path: url.pathname + url.search, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: "no" });
      if (failWith) return send(failWith, { message: "unavailable" });
      const list = `/repos/${REPOSITORY}/issues/${PR}/comments`;
      if (req.method === "GET" && url.pathname === list) {
        const per = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        return send(200, comments.slice((page - 1) * per, page * per));
      }
      if (req.method === "POST" && url.pathname === list) {
        const created = { id: nextId++, body: body?.body ?? "", user: { login: BOT } };
        comments.push(created);
        return send(201, created);
      }
      const one = new RegExp(`^/repos/${REPOSITORY}/issues/comments/(\\d+)$`).exec(url.pathname);
      const target = one ? comments.find((c) => c.id === Number(one[1])) : undefined;
      if (req.method === "PATCH" && target) {
        target.body = body?.body ?? "";
        return send(200, target);
      }
      send(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    writes: () => requests.filter((r) => r.method !== "GET"),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The values of the expressions the steps' env uses. */
function expand(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in context)) throw new Error(`no value for \${{ ${expression} }}`);
    return context[expression];
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
  summary: string;
  calls: string[];
}

/** A step's run body under `bash --noprofile --norc -eo pipefail`, as `shell: bash` runs it. */
async function runStep(
  body: string,
  options: {
    cwd: string;
    stepEnv?: Record<string, string>;
    context?: Record<string, string>;
    env?: Record<string, string>;
  },
): Promise<Run> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "aitb-gh-"));
  const files = {
    output: path.join(scratch, "output"),
    summary: path.join(scratch, "summary"),
    calls: path.join(scratch, "calls"),
    event: path.join(scratch, "event.json"),
  };
  for (const file of [files.output, files.summary, files.calls]) fs.writeFileSync(file, "");
  fs.writeFileSync(
    files.event,
    JSON.stringify({
      number: PR,
      pull_request: { number: PR, head: { repo: { full_name: REPOSITORY } } },
    }),
  );
  const stepEnv = Object.fromEntries(
    Object.entries(options.stepEnv ?? {}).map(([key, value]) => [
      key,
      expand(String(value), options.context ?? {}),
    ]),
  );
  const env = {
    ...process.env,
    PATH: `${fakeBin(scratch)}:${process.env.PATH}`,
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: scratch,
    FAKE_CALLS: files.calls,
    ...stepEnv,
    ...options.env,
  };
  const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", body], {
    cwd: options.cwd,
    env,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const read = (file: string) => fs.readFileSync(file, "utf8");
  const run = {
    code,
    stdout,
    stderr,
    output: read(files.output),
    summary: read(files.summary),
    calls: read(files.calls).split("\n").filter(Boolean),
  };
  fs.rmSync(scratch, { recursive: true, force: true });
  return run;
}

/** The stacks step, in a pull request whose head changed `files` (or deleted them). */
async function changedStacks(files: string[], remove: string[] = []): Promise<string> {
  const { dir, base } = pullRequest((d) => {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(d, file)), { recursive: true });
      fs.appendFileSync(path.join(d, file), "# changed\n");
    }
    for (const file of remove) fs.rmSync(path.join(d, file));
  });
  try {
    const stacks = step("stacks", "stacks");
    const run = await runStep(stacks.run as string, {
      cwd: dir,
      stepEnv: stacks.env,
      context: { "github.event.pull_request.base.sha": base },
    });
    expect(run.code).toBe(0);
    const list = /^list=(.*)$/m.exec(run.output)?.[1] ?? "";
    const json = JSON.parse(/^stacks=(.*)$/m.exec(run.output)?.[1] ?? "null") as string[];
    expect(json.join(" ")).toBe(list);
    return list;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The review step of a pull request, against the fake API. */
async function reviewStep(
  dir: string,
  base: string,
  stacks: string,
  api: { url: string },
  postComment = "true",
) {
  const body = step("review", "review");
  return runStep(body.run as string, {
    cwd: dir,
    stepEnv: body.env,
    context: {
      "github.event.pull_request.base.sha": base,
      "needs.stacks.outputs.list": stacks,
      "github.event.pull_request.head.repo.full_name == github.repository": postComment,
      "github.token": TOKEN,
    },
    env: { GITHUB_API_URL: api.url },
  });
}

const marker = (stack: string) => `<!-- aitb-review:${stack} -->`;
const botComment = (id: number, body: string): Comment => ({ id, body, user: { login: BOT } });
const STALE_DEV = botComment(
  101,
  `${marker("dev")}\n### ✅ \`dev\`: allowed\n\n**Policies**: ✅ no violations\n`,
);
const HUMAN = {
  id: 102,
  body: `${marker("dev")}\nlooks good to me`,
  user: { login: "alice" },
};

beforeAll(() => {
  if (!fs.existsSync(path.join(REPO, "dist/cli/main.js"))) {
    throw new Error("dist/cli/main.js is missing: build first (npm run build)");
  }
});

describe("the review workflow runs", () => {
  test("for every file the program, the pack or the review reads", () => {
    expect(review.on.pull_request?.paths).toEqual([
      "Pulumi*.yaml",
      "index.ts",
      "components/**",
      "config/**",
      "domain/**",
      "contract/**",
      "policies/**",
      "cli/**",
      "reference-service/**",
      "package*.json",
      "tsconfig*.json",
      ".github/scripts/**",
      ".github/workflows/stack-config-review.yml",
    ]);
  });

  test("reviews the stacks whose file changed; a change any stack reads reviews them all", async () => {
    const all = STACKS.join(" ");
    expect(await changedStacks(["Pulumi.prod.yaml"])).toBe("prod");
    expect(await changedStacks(["Pulumi.dev.yaml", "Pulumi.staging.yaml"])).toBe("dev staging");
    expect(await changedStacks(["README.md"])).toBe("");
    // A deleted stack has nothing left to review.
    expect(await changedStacks(["Pulumi.dev.yaml"], ["Pulumi.prod.yaml"])).toBe("dev");
    // One sample file for each path the workflow runs for, other than the stack files.
    const samples = (review.on.pull_request?.paths ?? []).map((pattern) =>
      pattern === "Pulumi*.yaml"
        ? "Pulumi.yaml"
        : pattern.replace("/**", "/sub/file.ts").replace("*", "-lock"),
    );
    for (const sample of samples)
      expect([sample, await changedStacks([sample])]).toEqual([sample, all]);
  }, 120_000);
});

describe("the review step", () => {
  test("a denied stack still updates its comment, and the step exits 1", async () => {
    const api = await fakeGitHub([STALE_DEV, HUMAN]);
    const { dir, base } = pullRequest(flipDev);
    try {
      const run = await reviewStep(dir, base, "dev", api);
      expect(run.code).toBe(1);
      // The stale "allowed" comment of an earlier push is the one updated; nothing is added.
      expect(api.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
        `PATCH /repos/${REPOSITORY}/issues/comments/101`,
      ]);
      const dev = api.comments.find((c) => c.id === 101)?.body ?? "";
      expect(dev.startsWith(`${marker("dev")}\n### ❌ \`dev\`: denied, do not merge\n`)).toBe(true);
      expect(dev).toContain("- ❌ `fresh-change-record`");
      expect(api.comments.find((c) => c.id === 102)?.body).toBe(HUMAN.body);
      expect(run.summary).toContain("### ❌ `dev`: denied, do not merge");
      expect(run.calls).toEqual([]);
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a config error is commented on too, and the worst code wins: exit 2", async () => {
    const api = await fakeGitHub();
    const { dir, base } = pullRequest((d) => {
      flipDev(d);
      breakProd(d);
    });
    try {
      const run = await reviewStep(dir, base, "dev prod", api);
      expect(run.code).toBe(2);
      expect(api.writes().map((r) => r.method)).toEqual(["POST", "POST"]);
      const [dev, prod] = api.comments.map((c) => c.body);
      expect(dev.startsWith(`${marker("dev")}\n### ❌ \`dev\`: denied`)).toBe(true);
      expect(
        prod.startsWith(`${marker("prod")}\n### ❌ \`prod\`: config error, do not merge\n`),
      ).toBe(true);
      expect(prod).toContain('- `aitb:activeColor`: "purple" is not valid');
      expect(prod).toContain("  - **Fix:** ");
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a clean diff exits 0 and replaces the previous comment rather than adding one", async () => {
    const earlier = botComment(201, `${marker("dev")}\n### ❌ \`dev\`: denied, do not merge\n`);
    const gone = botComment(202, `${marker("staging")}\n### ✅ \`staging\`: allowed\n`);
    const legacy = botComment(203, "<!-- aitb-diff -->\n### `aitb diff`: stack `dev`\n");
    const api = await fakeGitHub([earlier, gone, legacy, HUMAN]);
    const { dir, base } = pullRequest(touchDevComment);
    try {
      const run = await reviewStep(dir, base, "dev", api);
      expect(run.code).toBe(0);
      expect(api.requests.some((r) => r.method === "POST")).toBe(false);
      const ofDev = () =>
        api.comments.filter((c) => c.user.login === BOT && c.body.startsWith(marker("dev")));
      expect(ofDev().map((c) => c.id)).toEqual([201]);
      expect(ofDev()[0].body).toMatch(/^<!-- aitb-review:dev -->\n### ✅ `dev`: allowed\n/);
      expect(ofDev()[0].body).toContain("has nothing to change from the stack config");
      // A stack the pull request no longer changes, and the single comment of old: out of date.
      expect(api.comments.find((c) => c.id === 202)?.body).toContain(
        "### `staging`: no longer changed by this pull request",
      );
      expect(api.comments.find((c) => c.id === 203)?.body).toBe(
        "<!-- aitb-diff -->\nThis review moved to one comment per stack.\n",
      );
      expect(api.comments.find((c) => c.id === 102)?.body).toBe(HUMAN.body);
      // The next push updates the same comment again.
      expect((await reviewStep(dir, base, "dev", api)).code).toBe(0);
      expect(api.requests.some((r) => r.method === "POST")).toBe(false);
      expect(ofDev().map((c) => c.id)).toEqual([201]);
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a pull request from a fork gets the review in the summary and the exit code, no comment", async () => {
    const api = await fakeGitHub();
    const { dir, base } = pullRequest(flipDev);
    try {
      const run = await reviewStep(dir, base, "dev", api, "false");
      expect(run.code).toBe(1);
      expect(api.requests).toEqual([]);
      expect(run.summary).toContain("### ❌ `dev`: denied, do not merge");
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a comment that cannot be posted fails an allowed review (exit 3)", async () => {
    const api = await fakeGitHub([], 502);
    const { dir, base } = pullRequest(touchDevComment);
    try {
      const run = await reviewStep(dir, base, "dev", api);
      expect(run.code).toBe(3);
      expect(run.stdout).toContain("::error::the review comment of dev could not be posted");
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("a stack new in the pull request is planned as a new stack", async () => {
    const api = await fakeGitHub();
    const { dir, base } = pullRequest((d) =>
      fs.copyFileSync(path.join(d, "Pulumi.dev.yaml"), path.join(d, "Pulumi.qa.yaml")),
    );
    try {
      const run = await reviewStep(dir, base, "qa", api);
      const qa = api.comments[0]?.body ?? "";
      // No base, nothing deployed: the pack's rules have no environment for it yet.
      expect(run.code).toBe(2);
      expect(qa).toMatch(
        /^<!-- aitb-review:qa -->\n### ❌ `qa`: new stack, config error, do not merge\n/,
      );
      expect(qa).toContain('stack "qa" has no environment in policies/config.json');
    } finally {
      await api.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the comment script", () => {
  async function post(api: { url: string }, file: string) {
    const { dir } = pullRequest(() => undefined);
    try {
      return await runStep(`node .github/scripts/review-comment.mjs post dev ${file}`, {
        cwd: dir,
        env: { GITHUB_API_URL: api.url, GITHUB_TOKEN: TOKEN },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("finds its comment past the first page of comments", async () => {
    const others = Array.from({ length: 150 }, (_, i) => ({
      id: i + 1,
      body: `comment ${i}`,
      user: { login: "bob" },
    }));
    const api = await fakeGitHub([...others, botComment(500, `${marker("dev")}\nold`)]);
    const file = path.join(os.tmpdir(), `aitb-comment-${process.pid}.md`);
    fs.writeFileSync(file, "### ✅ `dev`: allowed\n");
    try {
      const run = await post(api, file);
      expect(run.code).toBe(0);
      expect(api.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
        `PATCH /repos/${REPOSITORY}/issues/comments/500`,
      ]);
    } finally {
      await api.close();
      fs.rmSync(file, { force: true });
    }
  });

  test("cuts a review longer than GitHub takes, closing the diff and the fold", async () => {
    const api = await fakeGitHub();
    const file = path.join(os.tmpdir(), `aitb-long-${process.pid}.md`);
    const diff = Array.from({ length: 5000 }, (_, i) => `+ line ${i} ${"x".repeat(20)}`);
    fs.writeFileSync(
      file,
      [
        "### ✅ `dev`: allowed",
        "",
        "<details><summary>1 resource change</summary>",
        "",
        "```diff",
        ...diff,
        "```",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
    try {
      expect((await post(api, file)).code).toBe(0);
      const body = api.comments[0].body;
      expect(body.length).toBeLessThanOrEqual(65_536);
      expect(body.startsWith(`${marker("dev")}\n### ✅ \`dev\`: allowed`)).toBe(true);
      expect(body.split("\n").filter((l) => l.startsWith("```")).length % 2).toBe(0);
      expect(body).toMatch(
        /<\/details>\n\n_Cut to fit a comment: the whole review is in the job summary._\n$/,
      );
    } finally {
      await api.close();
      fs.rmSync(file, { force: true });
    }
  });

  test("refuses a stack name that would break its marker", async () => {
    const api = await fakeGitHub();
    try {
      const { dir } = pullRequest(() => undefined);
      const run = await runStep("node .github/scripts/review-comment.mjs retire 'dev -->'", {
        cwd: dir,
        env: { GITHUB_API_URL: api.url, GITHUB_TOKEN: TOKEN },
      });
      fs.rmSync(dir, { recursive: true, force: true });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('not a stack name: "dev -->"');
      expect(api.requests).toEqual([]);
    } finally {
      await api.close();
    }
  });
});

describe("the preview step", () => {
  async function preview(exit: string) {
    const { dir } = pullRequest(flipDev);
    const body = step("preview", "preview");
    try {
      return await runStep(body.run as string, {
        cwd: dir,
        stepEnv: body.env,
        context: {
          "matrix.stack": "prod",
          "secrets.PULUMI_ACCESS_TOKEN": "pul-token",
          "secrets.ARM_CLIENT_ID": "client",
          "secrets.ARM_TENANT_ID": "tenant",
          "secrets.ARM_SUBSCRIPTION_ID": "subscription",
        },
        env: { FAKE_EXIT_PULUMI: exit },
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("previews the stack with the pack and its committed rules, and exits as pulumi does", async () => {
    const denied = await preview("255");
    expect(denied.calls).toEqual([
      "pulumi preview --stack prod --policy-pack policies --policy-pack-config policies/config.json --diff --non-interactive",
    ]);
    expect(denied.code).toBe(255);
    expect(denied.summary).toContain("### `pulumi preview --stack prod`: exit 255");
    expect((await preview("0")).code).toBe(0);
  });
});

describe("the workflows' permissions and credentials", () => {
  const all = { review, tests };

  test("nothing by default; each job asks for what it uses", () => {
    for (const workflow of Object.values(all)) expect(workflow.permissions).toEqual({});
    expect(review.jobs.stacks.permissions).toEqual({ contents: "read" });
    expect(review.jobs.review.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(review.jobs.preview.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(tests.jobs.test.permissions).toEqual({ contents: "read" });
  });

  test("secrets reach only the preview step; the job sees whether they exist", () => {
    const uses: string[] = [];
    for (const [name, workflow] of Object.entries(all)) {
      for (const [jobName, job] of Object.entries(workflow.jobs)) {
        for (const [key, value] of Object.entries(job.env ?? {})) {
          if (value.includes("secrets.")) uses.push(`${name}.${jobName}.env.${key}: ${value}`);
        }
        for (const s of job.steps) {
          for (const [key, value] of Object.entries(s.env ?? {})) {
            if (value.includes("secrets."))
              uses.push(`${name}.${jobName}.${s.id ?? s.name}.${key}`);
          }
          expect(
            `${s.run ?? ""}${JSON.stringify((s as { with?: unknown }).with ?? {})}`,
          ).not.toContain("secrets.");
        }
      }
    }
    expect(uses).toEqual([
      "review.preview.env.PULUMI_CONFIGURED: ${{ secrets.PULUMI_ACCESS_TOKEN != '' }}",
      "review.preview.preview.PULUMI_ACCESS_TOKEN",
      "review.preview.preview.ARM_CLIENT_ID",
      "review.preview.preview.ARM_TENANT_ID",
      "review.preview.preview.ARM_SUBSCRIPTION_ID",
    ]);
  });

  test("npm ci runs without credentials; the pack loads from the project's node_modules", () => {
    for (const workflow of Object.values(all)) {
      for (const job of Object.values(workflow.jobs)) {
        for (const s of job.steps.filter((x) => x.run?.includes("npm "))) {
          expect(s.env).toBeUndefined();
          expect(s.run).not.toContain("--prefix policies");
        }
      }
    }
  });

  test("actions are pinned by full commit, with the tag beside", () => {
    for (const file of [REVIEW_FILE, TEST_FILE]) {
      const lines = fs.readFileSync(file, "utf8").split("\n");
      const uses = lines.filter((line) => /^\s*-?\s*uses:/.test(line));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) {
        expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  test("the tests job runs the project's checks with their servers and engine", () => {
    expect(tests.on.pull_request).toBeNull();
    const runs = tests.jobs.test.steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(["sudo bash .github/scripts/install-postgresql-15.sh", "bash .ci/run"]);
    const ci = fs.readFileSync(path.join(REPO, ".ci/run"), "utf8");
    for (const command of [
      "bash scripts/install-test-deps.sh",
      "npm ci",
      "bash scripts/pulumi-from-source.sh",
      "npm test",
    ]) {
      expect(ci).toContain(command);
    }
  });
});
