#!/usr/bin/env bash
# The README's test command: install dependencies, build with AddressSanitizer and
# UndefinedBehaviorSanitizer, and run every test (unit and integration) through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-e2e.sh
scripts/build.sh asan
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir build/asan --output-on-failure --timeout 300 -j 2 "$@"
# The rules compiler and evaluator under libFuzzer, for a bounded time (RULES_FUZZ_SECONDS,
# default 60; 0 skips). Fails only when the fuzzer finds a crash (or cannot build).
if [ "${RULES_FUZZ_SECONDS:-60}" -gt 0 ]; then
  scripts/fuzz-rules.sh "${RULES_FUZZ_SECONDS:-60}"
fi
