#!/usr/bin/env bash
# Installs the browser tests' npm packages (tests/e2e: playwright-core, pinned by its
# package-lock.json) when they are missing. The browser is Debian's chromium, which
# scripts/install-deps.sh installs; Playwright's browser downloads are never used.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d tests/e2e/node_modules ]; then
  npm_config_nodedir=/usr npm ci --prefix tests/e2e --no-audit --no-fund
fi
