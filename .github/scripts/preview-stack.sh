#!/usr/bin/env bash
# `pulumi preview` of one stack with the policy pack and its committed rules, as `pulumi up` runs
# it; the output goes to the log and the job summary, pulumi's exit code to the check.
#
#   preview-stack.sh <stack>
set -uo pipefail
stack=$1
log=$(mktemp)
pulumi preview --stack "$stack" --policy-pack policies --policy-pack-config policies/config.json \
  --diff --non-interactive 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
{
  printf '### `pulumi preview --stack %s`: exit %s\n\n' "$stack" "$code"
  printf '<details><summary>output</summary>\n\n````text\n'
  cat "$log"
  printf '````\n\n</details>\n'
} >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
exit "$code"
