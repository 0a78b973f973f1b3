#!/usr/bin/env bash
# End-to-end check of the engine in .engine/bin, offline: a small Node.js program (a ComponentResource
# and a pulumi.dynamic.Resource) goes through stack init, preview, up, an update, a policy-pack preview
# that passes, one that a mandatory policy fails, and destroy, on a local file backend in a temp folder.
# Needs `npm ci` in the repository (it uses the repository's node_modules) and
# scripts/pulumi-from-source.sh to have run. Prints "N passed, N failed" at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=engine/env.sh
source "$ROOT/engine/env.sh"
[ -x "$(command -v pulumi)" ] || { echo "smoke-test: no pulumi on PATH; run scripts/pulumi-from-source.sh" >&2; exit 1; }
[ -d "$ROOT/node_modules/@pulumi/pulumi" ] || { echo "smoke-test: run npm ci in $ROOT first" >&2; exit 1; }
[ -d "$ROOT/node_modules/@pulumi/policy" ] || { echo "smoke-test: @pulumi/policy is not installed" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aitb-engine-smoke.XXXXXX")
KEEP=${KEEP:-0}
cleanup() { if [ "$KEEP" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

export PULUMI_HOME="$WORK/home"
export PULUMI_CONFIG_PASSPHRASE=smoke
mkdir -p "$WORK/state" "$WORK/prog" "$WORK/policy" "$PULUMI_HOME"

cat >"$WORK/prog/Pulumi.yaml" <<'EOF'
name: smoke
runtime: nodejs
description: engine smoke test
EOF
cat >"$WORK/prog/package.json" <<'EOF'
{ "name": "smoke", "version": "0.0.1", "main": "index.js", "dependencies": { "@pulumi/pulumi": "3.248.0" } }
EOF
ln -s "$ROOT/node_modules" "$WORK/prog/node_modules"
cat >"$WORK/prog/index.js" <<'EOF'
"use strict";
const pulumi = require("@pulumi/pulumi");

class Box extends pulumi.ComponentResource {
  constructor(name, opts) {
    super("smoke:index:Box", name, {}, opts);
    this.greeting = pulumi.output(new pulumi.Config().get("greeting") || "hello");
    this.registerOutputs({ greeting: this.greeting });
  }
}

const counterProvider = {
  async create(inputs) {
    return { id: `counter-${inputs.start}`, outs: { start: inputs.start, value: inputs.start + 1 } };
  },
  async diff(id, olds, news) {
    return { changes: olds.start !== news.start };
  },
  async update(id, olds, news) {
    return { outs: { start: news.start, value: news.start + 1 } };
  },
  async delete() {},
};

class Counter extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(counterProvider, name, { value: undefined, ...args }, opts);
  }
}

const cfg = new pulumi.Config();
const box = new Box("box");
const counter = new Counter("counter", { start: cfg.getNumber("start") ?? 41 }, { parent: box });
exports.greeting = box.greeting;
exports.value = counter.value;
exports.token = cfg.getSecret("token");
EOF

cat >"$WORK/policy/PulumiPolicy.yaml" <<'EOF'
runtime: nodejs
name: smoke-policy
version: 0.0.1
EOF
cat >"$WORK/policy/package.json" <<'EOF'
{ "name": "smoke-policy", "version": "0.0.1", "main": "index.js",
  "dependencies": { "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.248.0" } }
EOF
ln -s "$ROOT/node_modules" "$WORK/policy/node_modules"
cat >"$WORK/policy/index.js" <<'EOF'
"use strict";
const pulumi = require("@pulumi/pulumi");
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("smoke-policy", {
  policies: [
    {
      name: "counter-start-limit",
      description: "Counters start below SMOKE_LIMIT.",
      enforcementLevel: "mandatory",
      validateResource: (args, reportViolation) => {
        const limit = Number(process.env.SMOKE_LIMIT || "1000");
        if (args.type === "pulumi-nodejs:dynamic:Resource" && args.props.start >= limit) {
          reportViolation(`start ${args.props.start} is not below ${limit}`);
        }
      },
    },
    {
      name: "stack-seen",
      description: "Names the stack it checked.",
      enforcementLevel: "advisory",
      validateStack: (args, reportViolation) => {
        reportViolation(`policy saw ${pulumi.getProject()}/${pulumi.getStack()} ` +
          `greeting=${new pulumi.Config("smoke").get("greeting")}`);
      },
    },
  ],
});
EOF

passed=0
failed=0
LOG="$WORK/log"
# check NAME EXPECT(0|fail) GREP-PATTERN COMMAND...: runs COMMAND in the program folder; it passes when
# the exit status is as expected and the output matches GREP-PATTERN (if not empty).
check() {
  local name=$1 expect=$2 pattern=$3 rc t0
  shift 3
  t0=$(date +%s)
  set +e
  (cd "$WORK/prog" && "$@") >"$LOG" 2>&1
  rc=$?
  set -e
  local ok=1
  if [ "$expect" = 0 ] && [ "$rc" -ne 0 ]; then ok=0; fi
  if [ "$expect" = fail ] && [ "$rc" -eq 0 ]; then ok=0; fi
  if [ -n "$pattern" ] && ! grep -Eq "$pattern" "$LOG"; then ok=0; fi
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1))
    echo "ok   $name ($(($(date +%s) - t0))s)"
  else
    failed=$((failed + 1))
    echo "FAIL $name (exit $rc, expected $expect, pattern '$pattern'); output:"
    sed 's/^/     /' "$LOG" | tail -40
  fi
}

check "login to a file backend" 0 "" pulumi login "file://$WORK/state"
check "stack init" 0 "" pulumi stack init dev
check "config set" 0 "" pulumi config set greeting hi
check "config set --secret" 0 "" pulumi config set --secret token s3cret
check "preview" 0 "\+ 3 to create" pulumi preview
check "up" 0 "\+ 3 created" pulumi up --yes
check "outputs" 0 '"value": 42' pulumi stack output --json --show-secrets
check "secret output" 0 '"token": "s3cret"' pulumi stack output --json --show-secrets
check "config change" 0 "" pulumi config set greeting hey
check "up again: nothing replaced" 0 "3 unchanged" pulumi up --yes
check "dynamic update" 0 "" pulumi config set start 7
check "up: counter updated in place" 0 "~ 1 updated" pulumi up --yes
check "preview with a passing policy pack" 0 "policy saw smoke/dev greeting=hey" \
  pulumi preview --policy-pack "$WORK/policy"
check "preview with a mandatory violation fails" fail "start 7 is not below 5" \
  env SMOKE_LIMIT=5 pulumi preview --policy-pack "$WORK/policy"
check "up with a mandatory violation fails" fail "counter-start-limit" \
  env SMOKE_LIMIT=5 pulumi up --yes --policy-pack "$WORK/policy"
check "destroy" 0 "\- 3 deleted" pulumi destroy --yes
check "stack rm" 0 "" pulumi stack rm --yes dev

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
