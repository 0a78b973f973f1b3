#!/usr/bin/env bash
# Reviews the stacks a pull request changes: for each, `aitb diff` against the pull request's base
# as markdown, written to the job summary and posted as that stack's one comment (updated on every
# push, denials and config errors included); then the comments of stacks no longer changed are
# marked out of date. Exits with the worst stack's code, so the check says what the comments say:
# 0 allowed, 1 a mandatory policy denies, 2 a config error, 3 the review itself failed.
#
#   review-stacks.sh <stack>...
#
# Environment: BASE_SHA, the pull request's base; POST_COMMENT=true to comment (with GITHUB_TOKEN,
# GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_EVENT_PATH as Actions sets them).
set -uo pipefail # no -e: a denied stack is commented on like any other

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
summary=${GITHUB_STEP_SUMMARY:-/dev/null}

# The command line runs the pull request's code: it gets no token.
aitb() { env -u GITHUB_TOKEN node dist/cli/main.js "$@"; }

# new_stack_comment <stack> <code> <plan output>: a stack the base does not have yet.
new_stack_comment() {
  local stack=$1 code=$2 verdict
  case $code in
    0) verdict="✅ \`$stack\`: new stack, allowed: merge, then \`pulumi up --stack $stack\`" ;;
    1) verdict="❌ \`$stack\`: new stack, denied, do not merge" ;;
    2) verdict="❌ \`$stack\`: new stack, config error, do not merge" ;;
    *) verdict="❌ \`$stack\`: new stack, \`aitb plan\` failed (exit $code), do not merge" ;;
  esac
  printf '### %s\n\n' "$verdict"
  # A config error is short and is the point; a plan is long.
  [ "$code" -eq 2 ] || printf '<details><summary>aitb plan --stack %s --new-stack</summary>\n\n' "$stack"
  printf '````text\n'
  cat "$3"
  printf '````\n'
  [ "$code" -eq 2 ] || printf '\n</details>\n'
}

# failed_comment <stack> <code> <stderr>: aitb diff printed no comment of its own.
failed_comment() {
  printf '### ❌ `%s`: `aitb diff` failed (exit %s), do not merge\n\n' "$1" "$2"
  printf '<details><summary>what it printed</summary>\n\n````text\n'
  cat "$3"
  printf '````\n\n</details>\n'
}

# review <stack> <comment file>: writes the comment, returns aitb's exit code.
review() {
  local stack=$1 file=$2 err="$work/$1.err" code
  if git cat-file -e "$BASE_SHA:Pulumi.$stack.yaml" 2>/dev/null; then
    aitb diff --stack "$stack" --base "$BASE_SHA" --format markdown >"$file" 2>"$err"
    code=$?
    [ -s "$file" ] || failed_comment "$stack" "$code" "$err" >"$file"
  else
    aitb plan --stack "$stack" --new-stack --no-inputs >"$err" 2>&1
    code=$?
    new_stack_comment "$stack" "$code" "$err" >"$file"
  fi
  cat "$err" >&2
  return "$code"
}

worst=0
for stack in "$@"; do
  echo "::group::aitb diff --stack $stack"
  file="$work/$stack.md"
  review "$stack" "$file"
  code=$?
  cat "$file" >>"$summary"
  if [ "${POST_COMMENT:-false}" = true ] && ! node "$here/review-comment.mjs" post "$stack" "$file"; then
    echo "::error::the review comment of $stack could not be posted"
    [ "$code" -ne 0 ] || code=3
  fi
  echo "aitb diff --stack $stack: exit $code"
  echo "::endgroup::"
  [ "$code" -le "$worst" ] || worst=$code
done

if [ "${POST_COMMENT:-false}" = true ] && ! node "$here/review-comment.mjs" retire "$@"; then
  echo "::warning::the review comments of stacks no longer changed could not be marked out of date"
fi
echo "review: exit $worst (0 allowed, 1 denied, 2 config error, 3 the review failed)"
exit "$worst"
