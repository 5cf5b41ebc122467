#!/usr/bin/env bash
# The README's first command: install dependencies, build, and serve the example project,
# the blog of examples/blog (http://127.0.0.1:8080; see examples/blog/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release hearth
exec build/release/src/app/hearth serve examples/blog "$@"
