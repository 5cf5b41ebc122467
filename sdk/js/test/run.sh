#!/bin/sh
# Runs the JavaScript SDK's tests against a real Hearth server (what ctest calls).
#   HEARTH_BIN=/path/to/hearth sdk/js/test/run.sh
# HEARTH_BIN defaults to build/release/src/app/hearth. Needs Node.js 20 or later.
set -e
here=$(cd "$(dirname "$0")" && pwd)
: "${HEARTH_BIN:=$here/../../../build/release/src/app/hearth}"
export HEARTH_BIN
flag=
# Node 20 and 21 have WebSocket only behind a flag.
if ! node -e 'if (typeof WebSocket !== "function") process.exit(1)' 2>/dev/null; then
  flag=--experimental-websocket
fi
exec node $flag --test --test-concurrency=2 "$here"/*.test.mjs
