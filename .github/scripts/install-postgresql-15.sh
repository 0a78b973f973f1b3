#!/usr/bin/env bash
# PostgreSQL 15, which the tests and drills run (drills/tools.ts: /usr/lib/postgresql/15/bin), on an
# Ubuntu runner: its own packages carry another major version, so this adds PostgreSQL's apt
# repository (the runner image removes it after installing its default version). Needs root.
set -euo pipefail
[ -x /usr/lib/postgresql/15/bin/initdb ] && exit 0
# The repository's signing key, checked against its published fingerprint before apt trusts it.
FINGERPRINT=B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8
keyring=/usr/share/keyrings/postgresql-pgdg.gpg
key=$(mktemp)
curl -fsSL https://www.postgresql.org/media/keys/ACCC4CF8.asc -o "$key"
gpg --show-keys --with-colons "$key" | grep -q "^fpr:::::::::$FINGERPRINT:$" || {
  echo "install-postgresql-15: the PostgreSQL apt key does not have fingerprint $FINGERPRINT" >&2
  exit 1
}
gpg --dearmor <"$key" >"$keyring"
. /etc/os-release
echo "deb [signed-by=$keyring] https://apt.postgresql.org/pub/repos/apt $VERSION_CODENAME-pgdg main" \
  >/etc/apt/sources.list.d/pgdg.list
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15
# The package starts a cluster of its own; the tests start private ones on free ports.
service postgresql stop >/dev/null 2>&1 || true
