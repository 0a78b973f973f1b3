#!/usr/bin/env bash
# The stacks a pull request changes, for the review jobs: those whose Pulumi.<stack>.yaml changed,
# or every stack when a file they all share changed (Pulumi.yaml's release catalog, the program,
# the policy pack, the aitb command line, the dependencies, this review itself).
#
#   changed-stacks.sh <base revision>
#
# Writes `stacks=<JSON array>` and `list=<names separated by spaces>` to $GITHUB_OUTPUT.
set -euo pipefail
base=$1

# Keep in step with on.pull_request.paths of .github/workflows/stack-config-review.yml.
shared='^(Pulumi\.yaml|index\.ts|package(-lock)?\.json|tsconfig[^/]*\.json|(components|config|domain|contract|policies|cli|reference-service|\.github/scripts)/.+|\.github/workflows/stack-config-review\.yml)$'

changed=$(git diff --name-only "$base" HEAD --)
if printf '%s\n' "$changed" | grep -Eq "$shared"; then
  candidates=$(find . -maxdepth 1 -name 'Pulumi.*.yaml' | sed -n 's|^\./Pulumi\.\(.*\)\.yaml$|\1|p')
else
  candidates=$(printf '%s\n' "$changed" | sed -n 's|^Pulumi\.\([^/]*\)\.yaml$|\1|p')
fi

# A stack whose file the pull request deletes has nothing to review.
stacks=$(for stack in $candidates; do
  if [[ $stack =~ ^[A-Za-z0-9_.-]+$ ]] && [ -f "Pulumi.$stack.yaml" ]; then echo "$stack"; fi
done | sort -u)

list=$(printf '%s\n' "$stacks" | paste -sd ' ' -)
json=$(printf '%s\n' "$stacks" | sed '/^$/d; s/.*/"&"/' | paste -sd ',' -)
echo "stacks=[$json]" >>"$GITHUB_OUTPUT"
echo "list=$list" >>"$GITHUB_OUTPUT"
echo "Stacks to review: ${list:-none}"
