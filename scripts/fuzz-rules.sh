#!/usr/bin/env bash
# Fuzzes the rules compiler and evaluator (fuzz/rules_parser_fuzz.cc) with libFuzzer for a
# bounded time. Usage: scripts/fuzz-rules.sh [SECONDS]   (default 60)
#
# Builds with clang (-fsanitize=fuzzer,address,undefined) into build/fuzz, linking the
# sources of src/rules, src/model and src/base that the target needs. The seed corpus is
# fuzz/corpus/ (read only); inputs libFuzzer finds go to build/fuzz/corpus/.
# Exit status: 0 when the run found nothing (or clang / libFuzzer is not installed: the
# run is skipped with a message), 1 when the target does not build, and libFuzzer's own
# non-zero status when it found a crash, leak or timeout; the input is saved as
# build/fuzz/crash-* (replay: build/fuzz/rules_parser_fuzz build/fuzz/crash-...).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
out=build/fuzz
mkdir -p "$out/obj" "$out/corpus"

cxx=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
done
if [ -z "$cxx" ]; then
  echo "fuzz-rules: SKIPPED (no clang++; scripts/install-deps.sh installs clang-14)" >&2
  exit 0
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    "$cxx" -x c++ -fsanitize=fuzzer - -o "$out/probe" >/dev/null 2>&1; then
  echo "fuzz-rules: SKIPPED ($cxx cannot link libFuzzer; install libclang-rt-14-dev)" >&2
  exit 0
fi

sources=(
  fuzz/rules_parser_fuzz.cc
  src/rules/builtins.cc src/rules/evaluator.cc src/rules/lexer.cc src/rules/parser.cc
  src/rules/regex.cc src/rules/resolver.cc src/rules/value.cc
  src/model/timestamp.cc src/model/value.cc
  src/base/status.cc src/base/strings.cc
)
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -Isrc -Wall -Wextra -Wno-unused-parameter
       -fsanitize=address,undefined -fno-sanitize-recover=undefined
       $(pkg-config --cflags fmt re2))
libs=($(pkg-config --libs fmt re2))

# Compile what changed (objects are per source; headers are not tracked, so a header
# change rebuilds everything via the stamp of the newest header).
newest_header=$(ls -t src/rules/*.h src/model/*.h src/base/*.h | head -1)
objects=()
for src in "${sources[@]}"; do
  obj="$out/obj/$(echo "$src" | tr '/' '_').o"
  objects+=("$obj")
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
    echo "fuzz-rules: compiling $src"
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || {
      echo "fuzz-rules: build failed" >&2
      exit 1
    }
  fi
done
"$cxx" "${flags[@]}" -fsanitize=fuzzer "${objects[@]}" "${libs[@]}" -o "$out/rules_parser_fuzz" || {
  echo "fuzz-rules: link failed" >&2
  exit 1
}

echo "fuzz-rules: running for ${seconds}s"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
set +e
"$out/rules_parser_fuzz" "$out/corpus" fuzz/corpus \
  -dict=fuzz/rules.dict -max_total_time="$seconds" -max_len=8192 -timeout=30 \
  -rss_limit_mb=4096 -artifact_prefix="$out/" -print_final_stats=1 2>&1 |
  grep -vE '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|NEW_FUNC|# Uses: |recommended dictionary'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "fuzz-rules: libFuzzer found a problem (exit $status); see $out/crash-* / leak-* / timeout-*" >&2
fi
exit "$status"
