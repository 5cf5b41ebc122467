#!/usr/bin/env bash
# The README's first command: install dependencies, build, and serve the example project.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release hearth
exec build/release/src/app/hearth serve examples/starter "$@"
