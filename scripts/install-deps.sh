#!/usr/bin/env bash
# Installs everything Hearth needs to build, test and benchmark, from Debian 12 packages
# (chromium: the browser tests in tests/e2e; postgresql: the pg: tests run a throw-away
# cluster of their own, scripts/pg-cluster.sh, never the system one).
# Idempotent: does nothing when every package is already installed. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libsimdjson-dev libsqlite3-dev sqlite3 libssl-dev libsodium-dev
  libcurl4-openssl-dev libpq-dev libcli11-dev libspdlog-dev libfmt-dev
  postgresql postgresql-client
  libgtest-dev libgmock-dev libbenchmark-dev libre2-dev libbrotli-dev zlib1g-dev
  clang-14 libclang-rt-14-dev
  wrk curl
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js may come from another Debian-format package (its own npm included); only when
# there is none at all do we take Debian's.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
