#!/usr/bin/env bash
# Installs the servers the tests and drills run for real: nginx, PostgreSQL 15, wrk and InfluxDB 1.6, from
# Debian's packages. Needs root (or sudo). Safe to run again.
set -euo pipefail
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
command -v influx >/dev/null 2>&1 || missing+=(influxdb-client)
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies present: nginx, PostgreSQL 15, wrk, InfluxDB"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian package starts a cluster of its own; the tests start private ones on free ports.
if command -v pg_lsclusters >/dev/null 2>&1; then
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi
$SUDO service nginx stop >/dev/null 2>&1 || true
# So does the influxdb package (its service on 8086/8088); the drill starts a private influxd.
$SUDO service influxdb stop >/dev/null 2>&1 || true
