#!/usr/bin/env node
// The pull request's review comments, one per stack, each found by a hidden marker on its first
// line (`<!-- aitb-review:<stack> -->`):
//
//   review-comment.mjs post <stack> <file>   create the stack's comment, or update it, from <file>
//   review-comment.mjs retire <stack>...     mark the comments of all other stacks out of date
//
// Environment as GitHub Actions sets it: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_EVENT_PATH (the
// pull_request event) and GITHUB_TOKEN. Only comments by REVIEW_BOT_LOGIN (the workflow token's
// user, github-actions[bot]) count: a marker someone else pastes into a comment changes nothing.
import * as fs from "node:fs";
import process from "node:process";

/** GitHub refuses comment bodies over 65,536 characters; the rest of a review is in the summary. */
const MAX_BODY = 65_000;
const LEGACY_MARKER = "<!-- aitb-diff -->";
const STACK_NAME = /^[A-Za-z0-9_.-]+$/;

const marker = (stack) => `<!-- aitb-review:${stack} -->`;
const say = (text) => process.stdout.write(`${text}\n`);

function settings(env) {
  const event = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, "utf8"));
  const number = event.pull_request?.number ?? event.number;
  if (!Number.isInteger(number)) throw new Error("the event names no pull request");
  if (!env.GITHUB_TOKEN) throw new Error("GITHUB_TOKEN is not set");
  return {
    api: (env.GITHUB_API_URL ?? "https://api.github.com").replace(/\/$/, ""),
    repo: env.GITHUB_REPOSITORY,
    number,
    token: env.GITHUB_TOKEN,
    bot: env.REVIEW_BOT_LOGIN ?? "github-actions[bot]",
  };
}

async function request(ctx, method, path, body) {
  const response = await globalThis.fetch(`${ctx.api}${path}`, {
    method,
    headers: {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${ctx.token}`,
      "content-type": "application/json",
      "user-agent": "aitb-review",
      "x-github-api-version": "2022-11-28",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

async function botComments(ctx) {
  const all = [];
  for (let page = 1; ; page++) {
    const batch = await request(
      ctx,
      "GET",
      `/repos/${ctx.repo}/issues/${ctx.number}/comments?per_page=100&page=${page}`,
    );
    all.push(...batch);
    if (batch.length < 100) break;
  }
  return all.filter((comment) => comment.user?.login === ctx.bot);
}

function markedWith(comment, mark) {
  return comment.body === mark || comment.body?.startsWith(`${mark}\n`);
}

/** Cut to GitHub's limit, closing what the cut leaves open (a code fence, folded sections). */
function fit(body) {
  if (body.length <= MAX_BODY) return body;
  const cut = body.slice(0, body.lastIndexOf("\n", MAX_BODY - 500));
  const fences = cut.split("\n").filter((line) => /^\s*```/.test(line)).length;
  const open = (cut.match(/<details>/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length;
  return [
    cut,
    ...(fences % 2 === 1 ? ["````"] : []),
    ...Array.from({ length: Math.max(open, 0) }, () => "\n</details>"),
    "",
    "_Cut to fit a comment: the whole review is in the job summary._",
    "",
  ].join("\n");
}

async function upsert(ctx, comments, mark, body, label) {
  const previous = comments.find((comment) => markedWith(comment, mark));
  if (!previous) {
    const created = await request(ctx, "POST", `/repos/${ctx.repo}/issues/${ctx.number}/comments`, {
      body,
    });
    say(`${label}: created comment ${created.id}`);
  } else if (previous.body !== body) {
    await request(ctx, "PATCH", `/repos/${ctx.repo}/issues/comments/${previous.id}`, { body });
    say(`${label}: updated comment ${previous.id}`);
  } else {
    say(`${label}: comment ${previous.id} is up to date`);
  }
}

async function post(ctx, stack, file) {
  const mark = marker(stack);
  const body = fit(`${mark}\n${fs.readFileSync(file, "utf8")}`);
  await upsert(ctx, await botComments(ctx), mark, body, stack);
}

async function retire(ctx, stacks) {
  const current = new Set(stacks);
  const reviewed = stacks.length > 0 ? stacks.map((s) => `\`${s}\``).join(", ") : "none";
  const comments = await botComments(ctx);
  for (const comment of comments) {
    const stack = /^<!-- aitb-review:([A-Za-z0-9_.-]+) -->(\n|$)/.exec(comment.body ?? "")?.[1];
    if (stack === undefined || current.has(stack)) continue;
    const body = `${marker(stack)}\n### \`${stack}\`: no longer changed by this pull request\n\nThe earlier review of this stack is out of date. Stacks reviewed now: ${reviewed}.\n`;
    await upsert(ctx, [comment], marker(stack), body, stack);
  }
  const legacy = comments.filter((comment) => markedWith(comment, LEGACY_MARKER));
  for (const comment of legacy) {
    const body = `${LEGACY_MARKER}\nThis review moved to one comment per stack.\n`;
    await upsert(ctx, [comment], LEGACY_MARKER, body, "earlier review");
  }
}

async function main([command, ...args]) {
  const bad = args.find(
    (arg, index) => !(command === "post" && index === 1) && !STACK_NAME.test(arg),
  );
  if (bad !== undefined) throw new Error(`not a stack name: ${JSON.stringify(bad)}`);
  const ctx = settings(process.env);
  if (command === "post" && args.length === 2) return post(ctx, args[0], args[1]);
  if (command === "retire") return retire(ctx, args);
  throw new Error("usage: review-comment.mjs post <stack> <file> | retire <stack>...");
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`review-comment: ${error.message}\n`);
  process.exitCode = 1;
});
