#!/usr/bin/env bash
# Configures and builds Hearth. Usage: scripts/build.sh [release|debug|asan] [targets...]
#   release: optimised (-O2), what `hearth serve` and the benchmarks use
#   debug:   -O0 -g
#   asan:    AddressSanitizer + UndefinedBehaviorSanitizer, -O1 (the test suite's build)
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-release}"
shift || true
case "$kind" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug) args=(-DCMAKE_BUILD_TYPE=Debug) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DHEARTH_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|debug|asan] [targets...]" >&2; exit 2 ;;
esac

cmake -S . -B "build/$kind" -G Ninja "${args[@]}" >/dev/null
if [ $# -gt 0 ]; then
  cmake --build "build/$kind" --target "$@"
else
  cmake --build "build/$kind"
fi
