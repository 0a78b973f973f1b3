#!/usr/bin/env bash
# Builds the Pulumi engine from source, with modules from the Go module proxy only (no prebuilt binary,
# no git): the `pulumi` CLI at the version of the @pulumi/pulumi npm package, our own Node.js language
# host (engine/language-nodejs) and the shim that starts Node.js dynamic providers (engine/shims).
#
#   scripts/pulumi-from-source.sh            build what is missing or out of date into .engine/bin
#   scripts/pulumi-from-source.sh --force    rebuild everything
#
# Then: export PATH="$PWD/.engine/bin:$PATH" (or `source engine/env.sh`, which also sets the variables
# for running the engine offline). Environment: PULUMI_ENGINE_OUT (default <repo>/.engine),
# PULUMI_BUILD_JOBS (default: number of cores, at most 4); GOMODCACHE/GOCACHE/GOPROXY as usual.
# Safe to run again: each binary carries a stamp of its inputs and is skipped while they are unchanged.
set -euo pipefail

PULUMI_VERSION=v3.248.0 # must match @pulumi/pulumi in package-lock.json and engine/go.mod
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENGINE="$ROOT/engine"
OUT=${PULUMI_ENGINE_OUT:-$ROOT/.engine}
BIN="$OUT/bin"
FORCE=0

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help)
      sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "pulumi-from-source: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
START=$(now)

# step NAME COMMAND...: runs one step, prints its time, and stops the script with one line naming the
# step if it fails.
step() {
  local name=$1 t0 rc
  shift
  t0=$(now)
  echo "==> $name"
  set +e
  "$@"
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "pulumi-from-source: step '$name' failed (exit $rc) after $(since "$t0")s; see the output above" >&2
    exit 1
  fi
  echo "    $name: $(since "$t0")s"
}

fail() {
  echo "pulumi-from-source: $*" >&2
  exit 1
}

# --- the toolchain -------------------------------------------------------------------------------------
command -v go >/dev/null 2>&1 || fail "step 'check go' failed: go is not on PATH (Go >= 1.25.11 is needed)"
GO_VERSION=$(go env GOVERSION)
# Two cores: two compile jobs at a time use them fully and keep memory use low. On bigger machines at most 4.
cores=$(nproc 2>/dev/null || echo 2)
JOBS=${PULUMI_BUILD_JOBS:-$((cores < 4 ? cores : 4))}
export GOPROXY=${GOPROXY:-https://proxy.golang.org}
# Never touch go.mod/go.sum while building; a change to them is made by hand and committed.
export GOFLAGS="${GOFLAGS:-} -mod=readonly"
BUILD_FLAGS=(-p "$JOBS" -trimpath -ldflags "-s -w -X $VERSION_PKG.Version=$PULUMI_VERSION")
echo "pulumi-from-source: Pulumi $PULUMI_VERSION with $GO_VERSION, $JOBS jobs, output $BIN"
echo "    GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE)"

# The engine must be the version of the @pulumi/pulumi npm package the program runs with.
grep -q "^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION\b" "$ENGINE/go.mod" ||
  fail "step 'check versions' failed: engine/go.mod does not require github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION"
if [ -f "$ROOT/package-lock.json" ]; then
  npm_version=$(grep -A1 '"node_modules/@pulumi/pulumi": {' "$ROOT/package-lock.json" |
    sed -n 's/.*"version": "\(.*\)".*/\1/p')
  if [ -n "$npm_version" ] && [ "v$npm_version" != "$PULUMI_VERSION" ]; then
    echo "pulumi-from-source: warning: package-lock.json has @pulumi/pulumi $npm_version, the engine is $PULUMI_VERSION" >&2
  fi
fi

# --- what needs building -------------------------------------------------------------------------------
# A stamp is a hash of everything a binary is made from: the module's go.mod/go.sum, our own sources for
# it, the version, the flags and the Go toolchain.
stamp_of() { # stamp_of FILE_OR_DIR... (relative to engine/)
  {
    echo "$PULUMI_VERSION $GO_VERSION $(go env GOOS GOARCH CGO_ENABLED | tr '\n' ' ') ${BUILD_FLAGS[*]:2}"
    (cd "$ENGINE" && find "$@" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) |
      LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

up_to_date() { # up_to_date BINARY STAMP
  [ "$FORCE" -eq 0 ] && [ -x "$BIN/$1" ] && [ -f "$OUT/stamps/$1" ] && [ "$(cat "$OUT/stamps/$1")" = "$2" ]
}

mkdir -p "$BIN" "$OUT/stamps"

CLI_STAMP=$(stamp_of go.mod go.sum)
HOST_STAMP=$(stamp_of go.mod go.sum language-nodejs)
need_cli=1
need_host=1
up_to_date pulumi "$CLI_STAMP" && need_cli=0
up_to_date pulumi-language-nodejs "$HOST_STAMP" && need_host=0

# --- modules -------------------------------------------------------------------------------------------
if [ "$need_cli" -eq 1 ] || [ "$need_host" -eq 1 ]; then
  step "download modules (engine/go.mod)" bash -c 'cd "$1" && go mod download' _ "$ENGINE"
fi

# --- binaries ------------------------------------------------------------------------------------------
build() { # build PACKAGE BINARY STAMP
  local pkg=$1 name=$2 stamp=$3
  rm -f "$OUT/stamps/$name" &&
    (cd "$ENGINE" && go build "${BUILD_FLAGS[@]}" -o "$BIN/$name.new" "$pkg") &&
    mv -f "$BIN/$name.new" "$BIN/$name" &&
    echo "$stamp" >"$OUT/stamps/$name"
}

if [ "$need_cli" -eq 1 ]; then
  step "build pulumi (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION)" \
    build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi "$CLI_STAMP"
else
  echo "==> pulumi is up to date"
fi

if [ "$need_host" -eq 1 ]; then
  step "build pulumi-language-nodejs (engine/language-nodejs)" \
    build ./language-nodejs pulumi-language-nodejs "$HOST_STAMP"
else
  echo "==> pulumi-language-nodejs is up to date"
fi

install_shims() {
  local shim
  for shim in "$ENGINE"/shims/*; do
    install -m 0755 "$shim" "$BIN/$(basename "$shim")" || return 1
  done
}
step "install shims (engine/shims)" install_shims

# --- check ---------------------------------------------------------------------------------------------
check() {
  local v
  v=$(PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" version) || return 1
  [ "$v" = "$PULUMI_VERSION" ] || { echo "pulumi version says '$v', expected $PULUMI_VERSION" >&2; return 1; }
  v=$("$BIN/pulumi-language-nodejs" -version) || return 1
  [ "$v" = "$PULUMI_VERSION" ] || { echo "pulumi-language-nodejs says '$v', expected $PULUMI_VERSION" >&2; return 1; }
  command -v node >/dev/null 2>&1 || echo "    note: node is not on PATH; the engine needs it to run Node.js programs"
}
step "check versions" check

echo "pulumi:                 $(PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" version)  ($BIN/pulumi)"
echo "pulumi-language-nodejs: $("$BIN/pulumi-language-nodejs" -version)"
echo "node:                   $(node --version 2>/dev/null || echo 'not found')"
echo "pulumi-from-source: done in $(since "$START")s; use: export PATH=\"$BIN:\$PATH\" (or: source engine/env.sh)"
