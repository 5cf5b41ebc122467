#!/usr/bin/env bash
# bench/foundation.sh — Hearth vs. the seed's Express server vs. a bare Beast
# "hello" server, side by side on this machine, driven by wrk. Prints a Markdown
# table and saves it to bench/results/foundation-<date>.md. See bench/README.md.
#
# This is a measurement script, not a test: it exits 0 whenever every server was
# measured, whether or not the targets were met (set STRICT=1 to fail on misses).
#
# Environment knobs (defaults in brackets):
#   QUICK=1            smoke mode: DURATION=3s, WARMUP=1s
#   DURATION           measured wrk run per workload [10s]
#   WARMUP             unmeasured wrk run before each workload, 0 = none [3s]
#   THREADS            wrk threads [2]
#   CONNECTIONS        wrk connections [64]
#   WRK_TIMEOUT        wrk per-request timeout [10s]
#   SEED_COUNT         posts seeded (ids seed000000..) before read/list [1000]
#   READ_MODE          rotate | fixed: read cycles over the seeded ids or reads seed000000 [rotate]
#   SERVERS            which servers to run, in order ["hearth express beast"]
#   HELLO_THREADS      io_context threads for bench_hello [nproc]
#   SKIP_BUILD=1       do not run cmake; use existing binaries
#   BUILD_DIR          CMake build dir for hearth + bench_hello [build/release]
#   HEARTH_BIN         [$BUILD_DIR/src/app/hearth]
#   HEARTH_EXTRA_ARGS  extra args appended to "hearth serve ..." (word-split)
#   STARTUP_TIMEOUT    seconds to wait for a server to answer /healthz [60]
#   KEEP_RUN=1         keep the temp run dir (logs, wrk output, Hearth data) even on success
#   STRICT=1           exit 3 if a target ratio is missed
#   BUSY_LIMIT         warn (and flag in the report) if other processes use more than
#                      this % of the CPU just before a server's run [15]
#   WAIT_IDLE          seconds to wait for that load to go away before each server [0]
#   OTHER_LIMIT        flag a workload if processes other than wrk and the server used more
#                      than this % of the machine's CPU during its measured run [20]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- configuration
QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  DURATION="${DURATION:-3s}"
  WARMUP="${WARMUP:-1s}"
else
  DURATION="${DURATION:-10s}"
  WARMUP="${WARMUP:-3s}"
fi
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
SEED_COUNT="${SEED_COUNT:-1000}"
READ_MODE="${READ_MODE:-rotate}"
SERVERS="${SERVERS:-hearth express beast}"
HELLO_THREADS="${HELLO_THREADS:-$(nproc)}"
SKIP_BUILD="${SKIP_BUILD:-0}"
BUILD_DIR="${BUILD_DIR:-build/release}"
HEARTH_BIN="${HEARTH_BIN:-$BUILD_DIR/src/app/hearth}"
HEARTH_EXTRA_ARGS="${HEARTH_EXTRA_ARGS:-}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
KEEP_RUN="${KEEP_RUN:-0}"
STRICT="${STRICT:-0}"

HOST=127.0.0.1
HELLO_STANDALONE_DIR=build/bench-standalone
RESULTS_DIR="$ROOT/bench/results"
WRK_DIR="$ROOT/bench/wrk"
DATE="$(date +%F)"

case "$READ_MODE" in rotate | fixed) ;; *) echo "READ_MODE must be rotate or fixed" >&2; exit 2 ;; esac

# ---------------------------------------------------------------- helpers
if [[ -t 2 ]]; then C_B=$'\033[1;34m' C_Y=$'\033[1;33m' C_R=$'\033[1;31m' C_0=$'\033[0m'; else C_B="" C_Y="" C_R="" C_0=""; fi
log() { printf '%s[bench]%s %s\n' "$C_B" "$C_0" "$*" >&2; }
warn() { printf '%s[bench] WARNING:%s %s\n' "$C_Y" "$C_0" "$*" >&2; }
err() { printf '%s[bench] ERROR:%s %s\n' "$C_R" "$C_0" "$*" >&2; }

RUN_DIR=""
PIDS=()
FAILED=0      # something could not be measured -> keep run dir, exit 1
PROBLEMS=()   # human-readable notes for the report

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ -n "$RUN_DIR" && -d "$RUN_DIR" ]]; then
    if [[ "$KEEP_RUN" == 1 || "$FAILED" != 0 || $rc -ne 0 ]]; then
      log "run dir kept for inspection: $RUN_DIR"
    else
      rm -rf "$RUN_DIR"
    fi
  fi
  exit "$rc"
}

STOP_GRACE_S=5
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  # Ask the kernel for an unused port on 127.0.0.1 (node is required anyway).
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# wait_ready NAME PID URL LOGFILE... : poll URL until HTTP 200
wait_ready() {
  local name=$1 pid=$2 url=$3
  shift 3
  local deadline=$((SECONDS + STARTUP_TIMEOUT)) code f
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "$name exited during startup. Last log lines:"
      for f in "$@"; do [[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  err "$name did not answer 200 on $url within ${STARTUP_TIMEOUT}s. Last log lines:"
  for f in "$@"; do [[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  return 1
}

CREATE_BODY=""   # filled from bench/wrk/create.lua's body for the sanity check
AUTH=()          # curl auth header args

# check_status NAME WORKLOAD METHOD URL EXPECTED : one request with curl before wrk
check_status() {
  local name=$1 workload=$2 method=$3 url=$4 expected=$5 out code
  out="$RUN_DIR/$name-$workload-check.txt"
  if [[ "$method" == POST ]]; then
    code=$(curl -s -o "$out" -w '%{http_code}' --max-time 10 -X POST "${AUTH[@]}" \
      -H 'Content-Type: application/json' --data-binary "$CREATE_BODY" "$url" || true)
  else
    code=$(curl -s -o "$out" -w '%{http_code}' --max-time 10 "${AUTH[@]}" "$url" || true)
  fi
  if [[ "$code" != "$expected" ]]; then
    warn "$name $workload: $method $url returned ${code:-no response}, expected $expected: $(head -c 300 "$out" 2>/dev/null)"
    PROBLEMS+=("$name $workload: sanity request returned HTTP ${code:-none} (expected $expected)")
    return 1
  fi
  return 0
}

declare -A R=()  # R[server.workload.key] = value from the BENCH_RESULT line

# run_wrk NAME WORKLOAD SCRIPT URL
run_wrk() {
  local name=$1 workload=$2 script=$3 url=$4 out line kv
  out="$RUN_DIR/$name-$workload.wrk.txt"
  export BENCH_TOKEN="$TOKEN" BENCH_READ_MODE="$READ_MODE" BENCH_SEED_COUNT="$SEED_COUNT" \
    BENCH_READ_ID=seed000000 BENCH_PAGE_SIZE=20
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    log "  $name $workload: warm-up $WARMUP"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout "$WRK_TIMEOUT" -s "$WRK_DIR/$script" "$url" \
      >"$RUN_DIR/$name-$workload.warmup.txt" 2>&1 || true
  fi
  log "  $name $workload: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $url"
  local b0 t0 b1 t1 p0 p1 c0 c1 wrk_rc=0
  read -r b0 t0 < <(stat_busy_total)
  p0=$(pid_ticks "$SERVER_PID")
  children_ticks
  c0=$(parse_children_ticks)
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency \
    -s "$WRK_DIR/$script" "$url" >"$out" 2>&1 || wrk_rc=$?
  children_ticks
  c1=$(parse_children_ticks)
  p1=$(pid_ticks "$SERVER_PID")
  read -r b1 t1 < <(stat_busy_total)
  if ((wrk_rc != 0)); then
    warn "$name $workload: wrk failed (exit $wrk_rc): $(tail -n 5 "$out")"
    PROBLEMS+=("$name $workload: wrk failed")
    return 1
  fi
  line=$(grep '^BENCH_RESULT ' "$out" | tail -n 1 || true)
  if [[ -z "$line" ]]; then
    warn "$name $workload: no BENCH_RESULT line in wrk output ($out)"
    PROBLEMS+=("$name $workload: unparseable wrk output")
    return 1
  fi
  for kv in ${line#BENCH_RESULT }; do R["$name.$workload.${kv%%=*}"]="${kv#*=}"; done
  R["$name.$workload.ok"]=1
  R["$name.$workload.server_cpu"]=$(awk -v d=$((p1 - p0)) -v t=$((t1 - t0)) 'BEGIN{ printf "%.0f", (t > 0) ? 100*d/t : 0 }')
  R["$name.$workload.other_cpu"]=$(awk -v o=$(((b1 - b0) - (p1 - p0) - (c1 - c0))) -v t=$((t1 - t0)) 'BEGIN{ v = (t > 0) ? 100*o/t : 0; if (v < 0) v = 0; printf "%.0f", v }')
  if ((R[$name.$workload.other_cpu] > OTHER_LIMIT)); then
    warn "$name $workload: other processes used ~${R[$name.$workload.other_cpu]}% of the machine's CPU during the run"
    PROBLEMS+=("$name $workload: other processes used ~${R[$name.$workload.other_cpu]}% of the CPU during the measured run (limit ${OTHER_LIMIT}%) — numbers depressed")
  fi
  log "  $name $workload: $(awk -v r="${R[$name.$workload.rps]}" 'BEGIN{printf "%.0f req/s", r}'), p50 ${R[$name.$workload.p50_us]} us, p99 ${R[$name.$workload.p99_us]} us"
  local errs=$((R[$name.$workload.err_connect] + R[$name.$workload.err_read] + R[$name.$workload.err_write] + R[$name.$workload.err_status] + R[$name.$workload.err_timeout]))
  if ((errs > 0)); then
    warn "$name $workload: $errs errors (see $out)"
    PROBLEMS+=("$name $workload: $errs wrk errors (connect/read/write/status>=400/timeout = ${R[$name.$workload.err_connect]}/${R[$name.$workload.err_read]}/${R[$name.$workload.err_write]}/${R[$name.$workload.err_status]}/${R[$name.$workload.err_timeout]})")
  fi
}

# run the three document workloads against a started server
doc_workloads() {
  local name=$1 base=$2
  if check_status "$name" read GET "$base/v1/documents/posts/seed000000" 200; then
    run_wrk "$name" read read.lua "$base" || true
  fi
  if check_status "$name" list GET "$base/v1/documents/posts?pageSize=20" 200; then
    run_wrk "$name" list list.lua "$base" || true
  fi
  if check_status "$name" create POST "$base/v1/documents/posts" 201; then
    run_wrk "$name" create create.lua "$base" || true
  fi
}

seed() {
  local name=$1 base=$2
  log "  $name: seeding $SEED_COUNT posts"
  if ! BENCH_TOKEN="$TOKEN" node "$ROOT/bench/seed.mjs" "$base" "$SEED_COUNT" 8 >"$RUN_DIR/$name-seed.txt" 2>&1; then
    err "$name: seeding failed: $(tail -n 3 "$RUN_DIR/$name-seed.txt")"
    PROBLEMS+=("$name: seeding failed — $(tail -n 1 "$RUN_DIR/$name-seed.txt")")
    return 1
  fi
  log "  $name: $(tail -n 1 "$RUN_DIR/$name-seed.txt")"
}

# ---------------------------------------------------------------- prerequisites
missing=()
for tool in wrk node npm curl cmake ninja awk; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  err "missing tools: ${missing[*]} (Debian: apt-get install wrk nodejs npm curl cmake ninja-build gawk)"
  exit 2
fi

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench.XXXXXX")"
mkdir -p "$RESULTS_DIR"
TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
AUTH=(-H "Authorization: Bearer $TOKEN")
# Same ~300-byte body the create workload sends (extracted from the lua script).
CREATE_BODY=$(node -e 'const s=require("fs").readFileSync(process.argv[1],"utf8");const m=s.slice(s.indexOf("wrk.body")).match(/\x27[^\x27]*\x27/g);process.stdout.write(m.map(x=>x.slice(1,-1)).join(""));' "$WRK_DIR/create.lua")

log "run dir: $RUN_DIR"
log "config: duration=$DURATION warmup=$WARMUP wrk threads=$THREADS connections=$CONNECTIONS read=$READ_MODE seed=$SEED_COUNT servers=[$SERVERS]"

want() { [[ " $SERVERS " == *" $1 "* ]]; }

# cpu_busy_pct: % of all CPU time not idle over 1 s (nothing of ours is running
# when it is called, so this is other load on the machine, e.g. a parallel build).
cpu_busy_pct() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{ split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2];
    printf "%.0f", (t > 0) ? 100 * (t - i) / t : 0 }'
}
# CPU accounting around a measured wrk run, to detect outside load *during* it:
# other = all non-idle CPU ticks − server process ticks − wrk ticks (children of
# this shell, via the `times` builtin). Tick-based, so ±~10 % noise.
stat_busy_total() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
pid_ticks() { if [[ -r /proc/$1/stat ]]; then sed 's/.*) //' "/proc/$1/stat" | awk '{print $12+$13}'; else echo 0; fi; }
children_ticks() {  # must run in the main shell (no $(...)): `times` only sees this shell's children
  times >"$RUN_DIR/times.txt"
}
parse_children_ticks() {
  awk 'NR==2{ t=0; for (i=1; i<=2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1]*60 + a[2] } printf "%.0f", t*100 }' "$RUN_DIR/times.txt"
}
OTHER_LIMIT="${OTHER_LIMIT:-20}"
SERVER_PID=""
BUSY_NOTES=()
BUSY_LIMIT="${BUSY_LIMIT:-15}"
WAIT_IDLE="${WAIT_IDLE:-0}"
check_idle() {
  local name=$1 busy deadline=$((SECONDS + WAIT_IDLE)) said=0
  busy=$(cpu_busy_pct)
  while ((busy > BUSY_LIMIT && SECONDS < deadline)); do
    ((said)) || log "waiting up to ${WAIT_IDLE}s for other CPU load (${busy}%) to drop below ${BUSY_LIMIT}% before $name"
    said=1
    sleep 2
    busy=$(cpu_busy_pct)
  done
  BUSY_NOTES+=("$name ${busy}%")
  if ((busy > BUSY_LIMIT)); then
    warn "machine is busy before $name: ${busy}% CPU used by other processes — numbers will be depressed"
    PROBLEMS+=("$name: ${busy}% of the CPU was busy with other processes just before its run (limit ${BUSY_LIMIT}%) — results not trustworthy")
  fi
}

# ---------------------------------------------------------------- build
HEARTH_OK=0
HELLO_BIN=""
BUILD_LOG="$RUN_DIR/build.log"
if [[ "$SKIP_BUILD" == 1 ]]; then
  log "SKIP_BUILD=1: using existing binaries"
  [[ -x "$HEARTH_BIN" ]] && HEARTH_OK=1
  for c in "$BUILD_DIR/bench/bench_hello" "$HELLO_STANDALONE_DIR/bench_hello"; do
    [[ -x "$c" ]] && { HELLO_BIN="$c"; break; }
  done
else
  log "building: cmake -S . -B $BUILD_DIR -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF && cmake --build $BUILD_DIR --target hearth bench_hello"
  log "(build output: $BUILD_LOG)"
  configured=0
  if cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF >"$BUILD_LOG" 2>&1; then
    configured=1
    if cmake --build "$BUILD_DIR" --target hearth bench_hello >>"$BUILD_LOG" 2>&1; then
      HEARTH_OK=1
      HELLO_BIN="$BUILD_DIR/bench/bench_hello"
    fi
  fi
  if [[ "$HEARTH_OK" != 1 ]]; then
    err "================================================================"
    if [[ "$configured" != 1 ]]; then
      err "Hearth could not be built: CMake configure of the main tree FAILED."
    else
      err "Hearth could not be built: 'cmake --build $BUILD_DIR --target hearth bench_hello' FAILED."
    fi
    err "Hearth will be reported as 'not built'. First errors in $BUILD_LOG:"
    build_errs=$(grep -E 'error|Error|FAILED|undefined reference' "$BUILD_LOG" | head -n 15 || true)
    [[ -n "$build_errs" ]] || build_errs=$(tail -n 25 "$BUILD_LOG")
    printf '%s\n' "$build_errs" | cut -c1-400 | sed 's/^/    /' >&2
    err "(full log: $BUILD_LOG — the run dir is kept)"
    err "================================================================"
    PROBLEMS+=("Hearth: build failed (configure ok: $configured) — no Hearth numbers in this run")
    FAILED=1
    # Still try to get the Beast ceiling: from the main tree if it configured,
    # otherwise by configuring bench/ on its own.
    if [[ "$configured" == 1 ]] && cmake --build "$BUILD_DIR" --target bench_hello >>"$BUILD_LOG" 2>&1; then
      HELLO_BIN="$BUILD_DIR/bench/bench_hello"
    elif cmake -S bench -B "$HELLO_STANDALONE_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >>"$BUILD_LOG" 2>&1 &&
      cmake --build "$HELLO_STANDALONE_DIR" --target bench_hello >>"$BUILD_LOG" 2>&1; then
      HELLO_BIN="$HELLO_STANDALONE_DIR/bench_hello"
      log "built bench_hello standalone: $HELLO_BIN"
    else
      err "bench_hello could not be built either (see $BUILD_LOG)"
    fi
  fi
fi
if [[ "$HEARTH_OK" == 1 && ! -x "$HEARTH_BIN" ]]; then
  err "build succeeded but $HEARTH_BIN does not exist — is the target output path different? (set HEARTH_BIN)"
  PROBLEMS+=("Hearth: binary $HEARTH_BIN not found after build")
  HEARTH_OK=0
  FAILED=1
fi

# Express dependencies
if want express && [[ ! -d bench/express/node_modules/express ]]; then
  log "installing Express dependencies (npm install --no-audit --no-fund in bench/express)"
  if ! (cd bench/express && npm install --no-audit --no-fund) >"$RUN_DIR/npm.log" 2>&1; then
    err "npm install failed: $(tail -n 5 "$RUN_DIR/npm.log")"
    PROBLEMS+=("Express: npm install failed")
  fi
fi

# ---------------------------------------------------------------- servers
bench_hearth() {
  if [[ "$HEARTH_OK" != 1 ]]; then
    warn "skipping Hearth (not built)"
    FAILED=1
    return 0
  fi
  local port pid base out errlog
  port=$(free_port)
  base="http://$HOST:$port"
  mkdir -p "$RUN_DIR/hearth-project" "$RUN_DIR/hearth-data"
  out="$RUN_DIR/hearth.stdout.log"
  errlog="$RUN_DIR/hearth.stderr.log"
  log "Hearth: starting on $base ($HEARTH_BIN)"
  # shellcheck disable=SC2086
  HEARTH_ADMIN_TOKEN="$TOKEN" "$HEARTH_BIN" serve "$RUN_DIR/hearth-project" --port "$port" --host "$HOST" \
    --data "$RUN_DIR/hearth-data" $HEARTH_EXTRA_ARGS >"$out" 2>"$errlog" &
  pid=$!
  SERVER_PID=$pid
  PIDS+=("$pid")
  if ! wait_ready Hearth "$pid" "$base/healthz" "$out" "$errlog"; then
    PROBLEMS+=("Hearth: did not start (see logs in run dir)")
    FAILED=1
    stop_pid "$pid"; forget_pid "$pid"
    return 0
  fi
  if ! grep -qF "http://$HOST:$port" "$out" "$errlog"; then
    warn "Hearth answers /healthz but never printed 'http://$HOST:$port' (continuing)"
  fi
  if seed hearth "$base"; then
    doc_workloads hearth "$base"
  else
    FAILED=1
  fi
  log "Hearth: stopping (request log: $(wc -l <"$out") lines)"
  stop_pid "$pid"; forget_pid "$pid"
}

bench_express() {
  if [[ ! -d bench/express/node_modules/express ]]; then
    warn "skipping Express (dependencies not installed)"
    FAILED=1
    return 0
  fi
  local port pid base out
  port=$(free_port)
  base="http://$HOST:$port"
  out="$RUN_DIR/express.log"
  log "Express: starting on $base (node $(node --version))"
  NODE_ENV=production BENCH_TOKEN="$TOKEN" node bench/express/server.js "$port" "$HOST" >"$out" 2>&1 &
  pid=$!
  SERVER_PID=$pid
  PIDS+=("$pid")
  if ! wait_ready Express "$pid" "$base/healthz" "$out"; then
    PROBLEMS+=("Express: did not start")
    FAILED=1
    stop_pid "$pid"; forget_pid "$pid"
    return 0
  fi
  if seed express "$base"; then
    doc_workloads express "$base"
  else
    FAILED=1
  fi
  log "Express: stopping"
  stop_pid "$pid"; forget_pid "$pid"
}

bench_beast() {
  if [[ -z "$HELLO_BIN" || ! -x "$HELLO_BIN" ]]; then
    warn "skipping Beast hello (bench_hello not built)"
    PROBLEMS+=("Beast hello: bench_hello not built")
    FAILED=1
    return 0
  fi
  local port pid base out
  port=$(free_port)
  base="http://$HOST:$port"
  out="$RUN_DIR/beast.log"
  log "Beast hello: starting on $base ($HELLO_BIN, $HELLO_THREADS threads)"
  "$HELLO_BIN" --host "$HOST" --port "$port" --threads "$HELLO_THREADS" >"$out" 2>&1 &
  pid=$!
  SERVER_PID=$pid
  PIDS+=("$pid")
  if ! wait_ready "Beast hello" "$pid" "$base/healthz" "$out"; then
    PROBLEMS+=("Beast hello: did not start")
    FAILED=1
    stop_pid "$pid"; forget_pid "$pid"
    return 0
  fi
  # Same script and path as the point read; bench_hello ignores the path.
  if check_status beast read GET "$base/v1/documents/posts/seed000000" 200; then
    run_wrk beast read read.lua "$base" || true
  fi
  log "Beast hello: stopping"
  stop_pid "$pid"; forget_pid "$pid"
}

for s in $SERVERS; do
  check_idle "$s"
  case "$s" in
    hearth) bench_hearth ;;
    express) bench_express ;;
    beast) bench_beast ;;
    *) warn "unknown server '$s' in SERVERS (expected hearth, express, beast)" ;;
  esac
done

# ---------------------------------------------------------------- report
has() { [[ "${R[$1.ok]:-0}" == 1 ]]; }
fmt_int() { awk -v n="$1" 'BEGIN{ s=sprintf("%.0f", n); o=""; while (length(s) > 3) { o="," substr(s, length(s)-2) o; s=substr(s, 1, length(s)-3) } print s o }'; }
fmt_ms() { awk -v u="$1" 'BEGIN{ printf "%.2f", u/1000 }'; }

# row LABEL KEY WORKLOAD
row() {
  local label=$1 key=$2 wl=$3 e total bpr
  if has "$key.$wl"; then
    e="${R[$key.$wl.err_connect]}/${R[$key.$wl.err_read]}/${R[$key.$wl.err_write]}/${R[$key.$wl.err_status]}/${R[$key.$wl.err_timeout]}"
    total=$((R[$key.$wl.err_connect] + R[$key.$wl.err_read] + R[$key.$wl.err_write] + R[$key.$wl.err_status] + R[$key.$wl.err_timeout]))
    [[ "$total" == 0 ]] && e=0
    bpr=$(awk -v b="${R[$key.$wl.bytes]}" -v n="${R[$key.$wl.requests]}" 'BEGIN{ if (n > 0) printf "%.0f", b/n; else print "-" }')
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s%% / %s%% |\n' "$label" "$(workload_label "$wl")" \
      "$(fmt_int "${R[$key.$wl.rps]}")" "$(fmt_ms "${R[$key.$wl.p50_us]}")" "$(fmt_ms "${R[$key.$wl.p99_us]}")" \
      "$(fmt_int "${R[$key.$wl.requests]}")" "$bpr" "$e" "${R[$key.$wl.server_cpu]}" "${R[$key.$wl.other_cpu]}"
  else
    printf '| %s | %s | — | — | — | — | — | not measured | — |\n' "$label" "$(workload_label "$wl")"
  fi
}

# ratio NAME NUM_KEY DEN_KEY TARGET KIND(x|pct)
ratio_row() {
  local name=$1 num=$2 den=$3 target=$4 kind=$5
  if has "$num" && has "$den"; then
    awk -v n="${R[$num.rps]}" -v d="${R[$den.rps]}" -v t="$target" -v k="$kind" -v name="$name" 'BEGIN{
      r = (d > 0) ? n / d : 0
      if (k == "pct") { v = sprintf("%.0f%%", r * 100); tt = sprintf("≥ %.0f%%", t * 100) }
      else            { v = sprintf("%.2f×", r);        tt = sprintf("≥ %g×", t) }
      printf "| %s | %s | %s | %s |\n", name, v, tt, (r >= t) ? "✅ yes" : "❌ no"
      exit (r >= t) ? 0 : 1
    }' || MISSED=$((MISSED + 1))
  else
    printf '| %s | n/a | %s | — (not measured) |\n' "$name" \
      "$(awk -v t="$target" -v k="$kind" 'BEGIN{ if (k == "pct") printf "≥ %.0f%%", t*100; else printf "≥ %g×", t }')"
    # Only an error if both servers were asked for (SERVERS may exclude some on purpose).
    if want "${num%%.*}" && want "${den%%.*}"; then MISSING=$((MISSING + 1)); fi
  fi
}

workload_label() {
  case "$1" in
    read) echo "point read (GET /v1/documents/posts/{id}, $READ_MODE)" ;;
    list) echo "list 20 (GET /v1/documents/posts?pageSize=20)" ;;
    create) echo "create (POST /v1/documents/posts, ~300 B)" ;;
  esac
}

MISSED=0
MISSING=0
cpu_model=$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
git_dirty=""
if [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null || true)" ]]; then git_dirty=" (dirty)"; fi
express_ver=$(node -p 'require("./bench/express/node_modules/express/package.json").version' 2>/dev/null || echo "?")
wrk_ver=$(wrk -v 2>&1 | awk 'NR==1{print $2}' || true)
boost_ver=$(awk '/#define BOOST_LIB_VERSION/{gsub(/"/,"",$3); gsub(/_/,".",$3); print $3}' /usr/include/boost/version.hpp 2>/dev/null || echo "?")
gxx_ver=$(g++ -dumpfullversion 2>/dev/null || echo "?")

REPORT="$RESULTS_DIR/foundation-$DATE.md"
{
  echo "# Hearth foundation benchmark — $DATE"
  echo
  echo "- Machine: $cpu_model, $(nproc) cores, $(uname -sr); wrk and the server under test share these cores."
  echo "- Commit: $git_rev$git_dirty · wrk $wrk_ver · node $(node --version) · express $express_ver · g++ $gxx_ver · Boost $boost_ver"
  echo "- wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION} measured after ${WARMUP} warm-up (0 = none) per workload$([[ "$QUICK" == 1 ]] && echo " (QUICK mode)"); $SEED_COUNT seeded posts; read mode: $READ_MODE"
  busy_str=""
  for n in "${BUSY_NOTES[@]+"${BUSY_NOTES[@]}"}"; do busy_str+="${busy_str:+, }$n"; done
  echo "- CPU column: share of the whole machine ($(nproc) cores = 100%) used by the server and by processes other than the server and wrk during the measured run (tick-based, ±~10%; flagged above ${OTHER_LIMIT}%)."
  echo "- Other CPU load just before each server (1 s sample, flagged above ${BUSY_LIMIT}%): ${busy_str:-n/a}"
  echo "- Servers run one at a time on 127.0.0.1. Hearth: \`$HEARTH_BIN\`$([[ "$SKIP_BUILD" == 1 ]] && echo " (prebuilt, SKIP_BUILD=1)" || echo " (Release, built by this script)"), fresh data dir, request log to a file, creates are fsync'd (group commit). Express: in-memory array, no persistence. Beast hello: $HELLO_THREADS io_context threads, fixed small JSON body, path ignored."
  echo
  echo "| Server | Workload | Req/s | p50 (ms) | p99 (ms) | Requests | Bytes/resp | Errors (conn/read/write/status/timeout) | CPU server / other |"
  echo "|---|---|---:|---:|---:|---:|---:|---|---:|"
} >"$REPORT.tmp"

{
  for wl in read list create; do
    if want hearth; then row "Hearth" hearth "$wl"; fi
    if want express; then row "Express (seed)" express "$wl"; fi
    if [[ "$wl" == read ]] && want beast; then row "Beast hello (ceiling)" beast read; fi
  done
} >>"$REPORT.tmp"

{
  echo
  echo "| Ratio (req/s) | Value | Target | Met? |"
  echo "|---|---:|---|---|"
  ratio_row "Hearth read / Express read" hearth.read express.read 5 x
  ratio_row "Hearth read / Beast ceiling" hearth.read beast.read 0.5 pct
  ratio_row "Hearth create / Express create" hearth.create express.create 2 x
  if ((${#PROBLEMS[@]})); then
    echo
    echo "Problems in this run:"
    for p in "${PROBLEMS[@]}"; do echo "- $p"; done
  fi
} >>"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"

echo
cat "$REPORT"
echo
log "saved: ${REPORT#"$ROOT"/}"

if ((MISSING > 0)) || [[ "$FAILED" != 0 ]]; then
  err "incomplete run: some servers/workloads were not measured (see 'Problems' above)."
  exit 1
fi
if [[ "$STRICT" == 1 ]] && ((MISSED > 0)); then
  err "STRICT=1: $MISSED target(s) missed"
  exit 3
fi
exit 0
