#!/usr/bin/env bash
# bench/auth.sh — authentication throughput: ID-token verifications per second (Hearth's
# VerifyIdToken, cached and uncached, one thread) next to Node.js verifying the same kind
# of RS256 JWT, argon2id hashing cost, and password sign-ins per second over HTTP (wrk).
# Prints a Markdown table and saves it to bench/results/auth-<date>.md.
#
# Environment knobs: DURATION (wrk run, 10s), CONNECTIONS (wrk, 16), SKIP_BUILD=1,
# BUILD_DIR (build/release).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-16}"
BUILD_DIR="${BUILD_DIR:-build/release}"
PORT="${PORT:-18190}"
warn() { echo "auth.sh: $*" >&2; }
PIDS=()
# shellcheck source=bench/lib.sh
source bench/lib.sh
RUN="$(mktemp -d)"
cleanup() { for p in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$p"; done; rm -rf "$RUN"; }
trap cleanup EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target hearth bench_auth >/dev/null
fi

echo "# micro-benchmarks (one thread)" >&2
"$BUILD_DIR/bench/auth/bench_auth" --benchmark_min_time=2 --benchmark_out="$RUN/micro.json" \
  --benchmark_out_format=json >"$RUN/micro.log" 2>&1
rate() {  # rate NAME -> items per second
  node -e 'const r=require(process.argv[1]);const b=r.benchmarks.find(x=>x.name===process.argv[2]);
           console.log(Math.round(b.items_per_second))' "$RUN/micro.json" "$1"
}
cached=$(rate BM_VerifyIdToken_Cached)
uncached=$(rate BM_VerifyIdToken_Uncached)
sign=$(rate BM_SignIdToken)
hash_ms=$(node -e 'const r=require(process.argv[1]);const b=r.benchmarks.find(x=>x.name==="BM_PasswordHash");
                   console.log((b.real_time).toFixed(1))' "$RUN/micro.json")
peer=$(node bench/auth/verify_peer.mjs 3 | awk '{print $2}')
# The ceiling: OpenSSL's own RSA-2048 verifications per second on this machine.
ceiling=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {printf "%d", $NF}')

echo "# sign-ins over HTTP" >&2
mkdir -p "$RUN/project"
cat >"$RUN/project/hearth.json" <<JSON
{"port": $PORT, "logRequests": false,
 "auth": {"rateLimits": {"signInPerIpPerMinute": 0, "signInPerAccountPerMinute": 0}}}
JSON
HEARTH_ADMIN_TOKEN=bench-admin-token-0123456789 "$BUILD_DIR/src/app/hearth" serve "$RUN/project" \
  >"$RUN/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf -XPOST "http://127.0.0.1:$PORT/v1/auth/signUp" \
  -d '{"email":"bench@example.com","password":"correct horse battery"}' >/dev/null
cat >"$RUN/signin.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"email":"bench@example.com","password":"correct horse battery"}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$RUN/signin.lua" \
  "http://127.0.0.1:$PORT/v1/auth/signInWithPassword" >"$RUN/wrk.txt"
signins=$(awk '/Requests\/sec/ {printf "%d", $2}' "$RUN/wrk.txt")
p50=$(awk '$1=="50%" {print $2}' "$RUN/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$RUN/wrk.txt")

ratio=$(awk -v a="$uncached" -v b="$peer" 'BEGIN {printf "%.2f", a / b}')
mkdir -p bench/results
out="bench/results/auth-$(date -u +%Y%m%d-%H%M%S).md"
{
  echo "## Authentication ($(nproc) cores, $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1 /proc/loadavg) at the end)"
  echo
  echo "| measure | Hearth | peer (Node.js $(node --version)) |"
  echo "|---|---|---|"
  echo "| ID-token verifications/s, uncached (RS256 + claims), 1 thread | $uncached | $peer (${ratio}×) |"
  echo "| RSA-2048 verifications/s, \`openssl speed\` (the ceiling), 1 thread | $ceiling | – |"
  echo "| ID-token verifications/s, cached, 1 thread | $cached | – |"
  echo "| ID tokens signed/s, 1 thread | $sign | – |"
  echo "| argon2id hash (m=19456 KiB, t=2, p=1) | ${hash_ms} ms | – |"
  echo "| password sign-ins/s over HTTP (wrk -c$CONNECTIONS, $DURATION) | $signins (p50 $p50${non2xx:+, non-2xx $non2xx}) | – |"
} | tee "$out"
