#!/usr/bin/env bash
# bench/postgres.sh — Hearth on PostgreSQL and with several nodes (issue #9). Prints
# Markdown tables and saves them to bench/results/postgres-<date>.md (git-ignored). See
# docs/benchmarks.md, section "PostgreSQL and several nodes (issue #9)".
#
# 1. Engines: the foundation workloads (point read, list 20, create: bench/wrk/*.lua, 1000
#    seeded posts) against one node on SQLite (the default) and one node on PostgreSQL
#    (hearth serve --db postgres://...).
# 2. Nodes: the same workloads through 1, 2, 3 nodes on one PostgreSQL (same project
#    folder, a data folder each), all nodes driven at once by one wrk per node; req/s
#    summed, worst p50/p99 reported, and the CPU split hearth / postgres / wrk / other.
# 3. Real-time latency: a writer sends RATE paced writes/s through node A, listeners on
#    node A and/or B receive them (bench/postgres/rt_latency.mjs); receive − send time,
#    p50/p99/max, and the achieved write rate. SQLite 1 node, PostgreSQL 1 node, and
#    PostgreSQL 2 nodes (writer on A, listeners on B and on A).
# 4. Parse Server (optional peer) on the same PostgreSQL: point read, list 20, create
#    (bench/parse/; installed with npm on first use).
#
# The throw-away PostgreSQL 15 cluster comes from scripts/pg-cluster.sh with PG_FSYNC=on:
# a commit returns once its WAL is fsync'd, like Hearth's SQLite store (WAL,
# synchronous=FULL). Every configuration gets a fresh database (or data folder).
#
# A measurement, not a test: exit 0 when everything was measured, whether or not the
# targets were met (STRICT=1: exit 3 on a missed target); 1 when something could not be
# measured; 2 on bad usage or missing tools. Parse Server not being measurable (not
# installable, not starting) is reported but does not change the exit status.
#
# Environment knobs (defaults in brackets):
#   QUICK=1          DURATION=3s WARMUP=1s LAT_DURATION=5 LAT_WARMUP=1 (≈ 2.5 min idle;
#                    the full run ≈ 5.5 min, plus the build)
#   PARTS            which parts, in order ["engines nodes latency parse"]
#   DURATION         measured wrk run per workload [10s]
#   WARMUP           unmeasured wrk run before each workload, 0 = none [3s]
#   THREADS          wrk threads in total, split over the wrk processes [2]
#   CONNECTIONS      wrk connections in total, split over the nodes [64]
#   WRK_TIMEOUT      wrk per-request timeout [10s]
#   SEED_COUNT       posts seeded before the workloads [1000]
#   READ_MODE        rotate | fixed (bench/wrk/read.lua) [rotate]
#   NODES            node counts for part 2 ["1 2 3"] (1 is always run: part 1 uses it)
#   RATE             writes/s offered by the latency writer [1000]
#   LAT_DURATION     measured seconds of the latency run [10]
#   LAT_WARMUP       unmeasured seconds of writes before it [2]
#   LAT_DOCS         documents the writer cycles over, i.e. the listener's result size; one
#                    run per value, each in its own collection ["100 1000"]
#   LAT_CONNECTIONS  writer's HTTP connections at most [32]
#   LAT_TARGET_MS    p99 target of the latency runs [50]
#   LOG_REQUESTS=0   Hearth without its per-request log line (default: as shipped, to a file)
#   PARSE=0          skip Parse Server (same as leaving "parse" out of PARTS)
#   PARSE_INSTALL_TIMEOUT  seconds for its npm ci on first use [600]
#   SKIP_BUILD=1     do not run cmake; use the existing binary
#   BUILD_DIR        [build/release]
#   HEARTH_BIN       [$BUILD_DIR/src/app/hearth]
#   WAIT_IDLE        seconds to wait, before each measured run, for other processes' CPU
#                    use to drop under BUSY_LIMIT % of the machine [60]
#   BUSY_LIMIT       [15]
#   OTHER_LIMIT      flag a run when processes other than ours used more than this % [20]
#   STARTUP_TIMEOUT  seconds for a server to answer /healthz [60]
#   KEEP_RUN=1       keep the temp run dir (logs, raw outputs) even on success
#   STRICT=1         exit 3 if a target is missed
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- configuration
KNOBS_SET=""
for k in QUICK PARTS DURATION WARMUP THREADS CONNECTIONS SEED_COUNT READ_MODE NODES RATE \
  LAT_DURATION LAT_WARMUP LAT_DOCS LAT_CONNECTIONS LOG_REQUESTS PARSE; do
  [[ -n "${!k+x}" ]] && KNOBS_SET+="$k=\"${!k}\" "
done
QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  DURATION="${DURATION:-3s}"
  WARMUP="${WARMUP:-1s}"
  LAT_DURATION="${LAT_DURATION:-5}"
  LAT_WARMUP="${LAT_WARMUP:-1}"
else
  DURATION="${DURATION:-10s}"
  WARMUP="${WARMUP:-3s}"
  LAT_DURATION="${LAT_DURATION:-10}"
  LAT_WARMUP="${LAT_WARMUP:-2}"
fi
PARTS="${PARTS:-engines nodes latency parse}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_TIMEOUT="${WRK_TIMEOUT:-10s}"
SEED_COUNT="${SEED_COUNT:-1000}"
READ_MODE="${READ_MODE:-rotate}"
NODES="${NODES:-1 2 3}"
RATE="${RATE:-1000}"
LAT_DOCS="${LAT_DOCS:-100 1000}"
LAT_CONNECTIONS="${LAT_CONNECTIONS:-32}"
LAT_TARGET_MS="${LAT_TARGET_MS:-50}"
LOG_REQUESTS="${LOG_REQUESTS:-1}"
PARSE="${PARSE:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
BUILD_DIR="${BUILD_DIR:-build/release}"
HEARTH_BIN_GIVEN="${HEARTH_BIN:+1}"
HEARTH_BIN="${HEARTH_BIN:-$BUILD_DIR/src/app/hearth}"
WAIT_IDLE="${WAIT_IDLE:-60}"
BUSY_LIMIT="${BUSY_LIMIT:-15}"
OTHER_LIMIT="${OTHER_LIMIT:-20}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
KEEP_RUN="${KEEP_RUN:-0}"
STRICT="${STRICT:-0}"

HOST=127.0.0.1
WRK_DIR="$ROOT/bench/wrk"
PARSE_DIR="$ROOT/bench/parse"
RESULTS_DIR="$ROOT/bench/results"
DATE="$(date +%F)"
TOKEN="bench-pg-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

usage_error() { echo "bench/postgres.sh: $*" >&2; exit 2; }
case "$READ_MODE" in rotate | fixed) ;; *) usage_error "READ_MODE must be rotate or fixed" ;; esac
for n in $NODES; do [[ "$n" =~ ^[1-9]$ ]] || usage_error "NODES: '$n' is not a node count 1..9"; done
for p in $PARTS; do
  case "$p" in engines | nodes | latency | parse) ;; *) usage_error "PARTS: unknown part '$p'" ;; esac
done
for d in $LAT_DOCS; do [[ "$d" =~ ^[1-9][0-9]*$ ]] || usage_error "LAT_DOCS: '$d' is not a positive integer"; done
for v in RATE LAT_DURATION LAT_CONNECTIONS THREADS CONNECTIONS SEED_COUNT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || usage_error "$v must be a positive integer (got '${!v}')"
done
[[ "$LAT_WARMUP" =~ ^[0-9]+$ ]] || usage_error "LAT_WARMUP must be a whole number of seconds"
[[ "$PARSE" == 1 ]] || PARTS="${PARTS//parse/}"
want() { [[ " $PARTS " == *" $1 "* ]]; }
# Node counts for part 2, always with 1 (part 1's PostgreSQL row), each once, ascending.
# shellcheck disable=SC2086  # NODES is a list
NODE_COUNTS="$(printf '%s\n' 1 $NODES | sort -nu | tr '\n' ' ')"

# ---------------------------------------------------------------- helpers
if [[ -t 2 ]]; then C_B=$'\033[1;34m' C_Y=$'\033[1;33m' C_R=$'\033[1;31m' C_0=$'\033[0m'; else C_B="" C_Y="" C_R="" C_0=""; fi
log() { printf '%s[pg-bench %s]%s %s\n' "$C_B" "$(date +%T)" "$C_0" "$*" >&2; }
warn() { printf '%s[pg-bench] WARNING:%s %s\n' "$C_Y" "$C_0" "$*" >&2; }
err() { printf '%s[pg-bench] ERROR:%s %s\n' "$C_R" "$C_0" "$*" >&2; }

RUN_DIR=""
PIDS=()          # every server process we started (Hearth nodes, Parse)
PG_DIR=""        # scripts/pg-cluster.sh's DIR while the cluster runs
FAILED=0         # something could not be measured -> keep run dir, exit 1
PROBLEMS=()      # notes for the report
T_START=$SECONDS

STOP_GRACE_S=10
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

pg_cluster_stop() {
  [[ -n "$PG_DIR" ]] || return 0
  "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" || warn "pg-cluster.sh stop failed for $PG_DIR"
  PG_DIR=""
}

install_cleanup pg_cluster_stop

declare -A R=()   # results: R[key]=value

# ---- CPU accounting (clock ticks; the whole machine: stat_busy_total from bench/lib.sh)
# utime+stime of a process; +cutime+cstime with WITH_CHILDREN=1.
pid_ticks() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  if [[ "${WITH_CHILDREN:-0}" == 1 ]]; then echo $((${12} + ${13} + ${14} + ${15})); else echo $((${12} + ${13})); fi
}
# Load generators (wrk, node) are children of this shell: once reaped they count in its
# cutime. Hearth nodes are children too, but none is reaped during a measured run.
client_ticks() { WITH_CHILDREN=1 pid_ticks $$; }
# The PostgreSQL cluster: postmaster (+ reaped backends) + live children (backends,
# WAL writer, checkpointer, ...).
pg_ticks() {
  local pm sum c
  [[ -n "$PG_DIR" ]] || { echo 0; return; }
  pm=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  sum=$(WITH_CHILDREN=1 pid_ticks "$pm")
  for c in $(pgrep -P "$pm" 2>/dev/null || true); do sum=$((sum + $(pid_ticks "$c"))); done
  echo "$sum"
}
SERVER_PIDS=()   # the processes counted as "server" (Hearth nodes or Parse)
server_ticks() {
  local sum=0 p
  for p in "${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}"; do sum=$((sum + $(pid_ticks "$p"))); done
  echo "$sum"
}
CPU0=()
pct_of() { awk -v x="$1" -v t="$2" 'BEGIN{ v = t > 0 ? 100*x/t : 0; if (v < 0) v = 0; printf "%.0f", v }'; }
cpu_begin() {
  local b t
  read -r b t < <(stat_busy_total)
  CPU0=("$b" "$t" "$(server_ticks)" "$(pg_ticks)" "$(client_ticks)")
}
# cpu_end PREFIX: R[PREFIX.cpu_server|cpu_pg|cpu_client|cpu_other] in % of the machine.
# "other" = busy ticks not charged to the servers or the load generators: other processes,
# kernel threads (the journal, ksoftirqd) and softirq work that lands on an idle CPU.
cpu_end() {
  local p=$1 b t s g c
  c=$(client_ticks); s=$(server_ticks); g=$(pg_ticks)
  read -r b t < <(stat_busy_total)
  local db=$((b - CPU0[0])) dt=$((t - CPU0[1])) ds=$((s - CPU0[2])) dg=$((g - CPU0[3])) dc=$((c - CPU0[4]))
  R["$p.cpu_server"]=$(pct_of "$ds" "$dt")
  R["$p.cpu_pg"]=$(pct_of "$dg" "$dt")
  R["$p.cpu_client"]=$(pct_of "$dc" "$dt")
  R["$p.cpu_other"]=$(pct_of $((db - ds - dg - dc)) "$dt")
  if ((R[$p.cpu_other] > OTHER_LIMIT)); then
    PROBLEMS+=("$p: other processes or kernel work used ~${R[$p.cpu_other]}% of the machine during the run (limit ${OTHER_LIMIT}%) — numbers depressed")
  fi
}
cpu_cell() {  # "hearth / postgres / client / other" for PREFIX
  local p=$1
  [[ -n "${R[$p.cpu_server]:-}" ]] || { echo "—"; return; }
  echo "${R[$p.cpu_server]} / ${R[$p.cpu_pg]} / ${R[$p.cpu_client]} / ${R[$p.cpu_other]} %"
}

# wait_idle WHAT: wait until the machine is (nearly) idle before a measured run
wait_idle() {
  local what=$1 deadline=$((SECONDS + WAIT_IDLE)) b
  while :; do
    b=$(busy_pct)
    ((b <= BUSY_LIMIT)) && return 0
    if ((SECONDS >= deadline)); then
      warn "$what: machine still ${b}% busy (other processes) after waiting ${WAIT_IDLE}s; measuring anyway"
      PROBLEMS+=("$what: machine was ${b}% busy just before the run (limit ${BUSY_LIMIT}%)")
      return 0
    fi
    log "  machine ${b}% busy before $what; waiting for it to settle"
    sleep 2
  done
}

# ---- PostgreSQL
PG_ADMIN_URL=""   # the cluster's "postgres" database
DB_URL=""         # the current configuration's database
DB_NAME=""
pg_cluster_start() {
  PG_DIR="$RUN_DIR/pg"
  if ! PG_FSYNC=on "$ROOT/scripts/pg-cluster.sh" start "$PG_DIR" >"$RUN_DIR/pg-cluster.log" 2>&1; then
    err "PostgreSQL did not start: $(tail -n 10 "$RUN_DIR/pg-cluster.log")"
    PG_DIR=""
    return 1
  fi
  local url
  url=$(cat "$PG_DIR/url")
  PG_ADMIN_URL="${url%/*}/postgres"
}
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" "$@"; }
# pg_fresh_db NAME: drops the previous configuration's database, creates NAME
pg_fresh_db() {
  if [[ -n "$DB_NAME" ]]; then
    psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
  fi
  DB_NAME="bench_$1"
  psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME" >/dev/null
  psql_admin -c "CHECKPOINT" >/dev/null
  DB_URL="${PG_ADMIN_URL%/*}/$DB_NAME"
}

# ---- Hearth nodes
NODE_PIDS=()
NODE_URLS=()
# start_nodes NAME COUNT [DB_URL]: COUNT nodes sharing one project folder, each with its
# own data folder; on PostgreSQL when DB_URL is given, else SQLite (COUNT must be 1).
start_nodes() {
  local name=$1 count=$2 db=${3:-} dir i port pid
  dir="$RUN_DIR/$name"
  rm -rf "$dir"
  mkdir -p "$dir/project"
  [[ "$LOG_REQUESTS" == 1 ]] || printf '{"logRequests": false}\n' >"$dir/project/hearth.json"
  NODE_PIDS=()
  NODE_URLS=()
  for ((i = 0; i < count; i++)); do
    mkdir -p "$dir/data$i"
    port=$(free_port)
    local args=(serve "$dir/project" --port "$port" --host "$HOST" --data "$dir/data$i")
    [[ -n "$db" ]] && args+=(--db "$db")
    HEARTH_ADMIN_TOKEN="$TOKEN" "$HEARTH_BIN" "${args[@]}" >"$dir/node$i.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    NODE_PIDS+=("$pid")
    NODE_URLS+=("http://$HOST:$port")
    # One at a time: the first node migrates the schema.
    wait_http "hearth $name node $i" "$pid" "http://$HOST:$port/healthz" "$dir/node$i.log" || return 1
  done
  SERVER_PIDS=("${NODE_PIDS[@]}")
  log "  $name: $count node(s) up: ${NODE_URLS[*]}"
}
stop_nodes() {
  local pid
  for pid in "${NODE_PIDS[@]+"${NODE_PIDS[@]}"}"; do stop_pid "$pid"; forget_pid "$pid"; done
  NODE_PIDS=()
  NODE_URLS=()
  SERVER_PIDS=()
}

seed() {
  local name=$1 base=$2 out="$RUN_DIR/$1.seed.txt"
  if ! BENCH_TOKEN="$TOKEN" node "$ROOT/bench/seed.mjs" "$base" "$SEED_COUNT" 8 >"$out" 2>&1; then
    err "$name: seeding failed: $(tail -n 3 "$out")"
    PROBLEMS+=("$name: seeding failed — $(tail -n 1 "$out")")
    FAILED=1
    return 1
  fi
  log "  $name: $(tail -n 1 "$out")"
}

CREATE_BODY=""   # the body bench/wrk/create.lua sends, for the sanity check
# check_request NAME METHOD URL EXPECTED [HEADER...]: one request with curl before wrk
check_request() {
  local name=$1 method=$2 url=$3 expected=$4 out code
  shift 4
  out="$RUN_DIR/check.$name.txt"
  local args=(-s -o "$out" -w '%{http_code}' --max-time 10 -X "$method" "$@")
  [[ "$method" == POST ]] && args+=(-H 'Content-Type: application/json' --data-binary "$CREATE_BODY")
  code=$(curl "${args[@]}" "$url" || true)
  if [[ "$code" != "$expected" ]]; then
    err "$name: $method $url returned ${code:-no response}, expected $expected: $(head -c 300 "$out" 2>/dev/null)"
    PROBLEMS+=("$name: sanity request returned HTTP ${code:-none} (expected $expected)")
    FAILED=1
    return 1
  fi
}

# run_wrk_all PREFIX SCRIPT URL...: one wrk per URL, all at once (THREADS and CONNECTIONS
# split over them); warm-up, then the measured run. R[PREFIX.*]: rps and requests summed,
# p50/p99 the worst of the processes, errors summed.
run_wrk_all() {
  local p=$1 script=$2
  shift 2
  local urls=("$@") n=$# i rc t c pids=() failed=0
  t=$((THREADS / n)); ((t >= 1)) || t=1
  c=$((CONNECTIONS / n)); ((c >= t)) || c=$t
  R["$p.wrk"]="$n × -t$t -c$c"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    for ((i = 0; i < n; i++)); do
      wrk -t"$t" -c"$c" -d"$WARMUP" --timeout "$WRK_TIMEOUT" -s "$script" "${urls[$i]}" \
        >"$RUN_DIR/$p.warmup$i.txt" 2>&1 &
      pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || true; done
    pids=()
  fi
  wait_idle "$p"
  log "  $p: $n × wrk -t$t -c$c -d$DURATION"
  cpu_begin
  for ((i = 0; i < n; i++)); do
    wrk -t"$t" -c"$c" -d"$DURATION" --timeout "$WRK_TIMEOUT" --latency -s "$script" "${urls[$i]}" \
      >"$RUN_DIR/$p.wrk$i.txt" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < n; i++)); do
    rc=0
    wait "${pids[$i]}" || rc=$?
    if ((rc != 0)) || ! parse_bench_result "$p.n$i" "$RUN_DIR/$p.wrk$i.txt"; then
      err "$p: wrk against ${urls[$i]} failed (exit $rc): $(tail -n 3 "$RUN_DIR/$p.wrk$i.txt")"
      failed=1
    fi
  done
  cpu_end "$p"
  if ((failed)); then
    PROBLEMS+=("$p: wrk failed")
    FAILED=1
    return 1
  fi
  local rps=0 req=0 p50=0 p99=0 errs=0 k
  for ((i = 0; i < n; i++)); do
    k="$p.n$i"
    rps=$(awk -v a="$rps" -v b="${R[$k.rps]}" 'BEGIN{ printf "%.2f", a + b }')
    req=$((req + R[$k.requests]))
    ((R[$k.p50_us] > p50)) && p50=${R[$k.p50_us]}
    ((R[$k.p99_us] > p99)) && p99=${R[$k.p99_us]}
    errs=$((errs + R[$k.err_connect] + R[$k.err_read] + R[$k.err_write] + R[$k.err_status] + R[$k.err_timeout]))
  done
  R["$p.rps"]=$rps R["$p.requests"]=$req R["$p.p50_us"]=$p50 R["$p.p99_us"]=$p99 R["$p.errors"]=$errs
  R["$p.nodes"]=$n
  R["$p.ok"]=1
  if ((errs > 0)); then
    warn "$p: $errs wrk errors"
    PROBLEMS+=("$p: $errs wrk errors (connect/read/write/status≥400/timeout; see $p.wrk*.txt)")
    FAILED=1
  fi
  log "  $p: $(int "$rps") req/s, worst p50 $(ms "$p50") ms, worst p99 $(ms "$p99") ms, CPU server/pg/clients/other $(cpu_cell "$p")"
}

# hearth_workloads PREFIX: read, list, create through every node in NODE_URLS
hearth_workloads() {
  local p=$1 u ok
  export BENCH_TOKEN="$TOKEN" BENCH_READ_MODE="$READ_MODE" BENCH_SEED_COUNT="$SEED_COUNT" \
    BENCH_READ_ID=seed000000 BENCH_PAGE_SIZE=20
  local auth=(-H "Authorization: Bearer $TOKEN")
  for wl in read list create; do
    ok=1
    for u in "${NODE_URLS[@]}"; do
      case "$wl" in
        read) check_request "$p.read" GET "$u/v1/documents/posts/seed000000" 200 "${auth[@]}" || ok=0 ;;
        list) check_request "$p.list" GET "$u/v1/documents/posts?pageSize=20" 200 "${auth[@]}" || ok=0 ;;
        create) check_request "$p.create" POST "$u/v1/documents/posts" 201 "${auth[@]}" || ok=0 ;;
      esac
    done
    ((ok)) && { run_wrk_all "$p.$wl" "$WRK_DIR/$wl.lua" "${NODE_URLS[@]}" || true; }
  done
}

# latency PREFIX DOCS WRITER_URL LISTENER_URL...: bench/postgres/rt_latency.mjs, writes
# cycling over DOCS documents of the collection lat<DOCS>
latency() {
  local p=$1 docs=$2 writer=$3
  shift 3
  local listeners=() u out rc=0 line kv i=0
  for u in "$@"; do listeners+=("ws://${u#http://}/v1/listen"); done
  out="$RUN_DIR/$p.rt.txt"
  wait_idle "$p"
  log "  $p: $RATE writes/s over $docs documents for ${LAT_WARMUP}+${LAT_DURATION} s through $writer, listening on $*"
  cpu_begin
  BENCH_TOKEN="$TOKEN" node "$ROOT/bench/postgres/rt_latency.mjs" --write "$writer" \
    --listen "$(IFS=,; echo "${listeners[*]}")" --rate "$RATE" --duration "$LAT_DURATION" \
    --warmup "$LAT_WARMUP" --docs "$docs" --collection "lat$docs" --connections "$LAT_CONNECTIONS" \
    >"$out" 2>&1 || rc=$?
  cpu_end "$p"
  line=$(grep '^RT_WRITER ' "$out" || true)
  if [[ -z "$line" ]]; then
    err "$p: the latency tool failed (exit $rc): $(tail -n 5 "$out")"
    PROBLEMS+=("$p: latency tool failed — $(tail -n 1 "$out")")
    FAILED=1
    return 1
  fi
  # shellcheck disable=SC2086
  for kv in ${line#RT_WRITER }; do R["$p.w.${kv%%=*}"]="${kv#*=}"; done
  while read -r line; do
    if [[ "$line" == *error=* ]]; then
      PROBLEMS+=("$p listener $i: ${line#*error=}")
      FAILED=1
    else
      for kv in ${line#RT_LISTENER }; do R["$p.l$i.${kv%%=*}"]="${kv#*=}"; done
      R["$p.l$i.ok"]=1
      if [[ "${R[$p.l$i.missing]}" != 0 ]]; then
        PROBLEMS+=("$p listener $i: ${R[$p.l$i.missing]} acknowledged writes never arrived")
        FAILED=1
      fi
    fi
    i=$((i + 1))
  done < <(grep '^RT_LISTENER ' "$out")
  if [[ "${R[$p.w.errors]:-0}" != 0 ]]; then
    PROBLEMS+=("$p: ${R[$p.w.errors]} writes failed (${R[$p.w.first_error]:-})")
  fi
  R["$p.ok"]=1
  for ((i = 0; i < $#; i++)); do
    [[ "${R[$p.l$i.ok]:-}" == 1 ]] &&
      log "  $p listener $i: p50 ${R[$p.l$i.p50_ms]} ms, p99 ${R[$p.l$i.p99_ms]} ms, max ${R[$p.l$i.max_ms]} ms; achieved ${R[$p.w.achieved_rate]} writes/s"
  done
}

ms() { awk -v u="$1" 'BEGIN{ printf "%.2f", u / 1000 }'; }
int() { awk -v r="$1" 'BEGIN{ printf "%.0f", r }'; }
fmt_int() { awk -v n="$1" 'BEGIN{ s=sprintf("%.0f", n); o=""; while (length(s) > 3) { o="," substr(s, length(s)-2) o; s=substr(s, 1, length(s)-3) } print s o }'; }

# ---------------------------------------------------------------- prerequisites
missing=()
for tool in wrk node curl psql awk od pgrep runuser; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[[ "$SKIP_BUILD" == 1 ]] || for tool in cmake ninja; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=("postgresql (server binaries)")
id postgres >/dev/null 2>&1 || missing+=("user postgres")
if ((${#missing[@]})); then
  err "missing: ${missing[*]} (Debian: apt-get install -y wrk nodejs curl cmake ninja-build postgresql)"
  exit 2
fi
node --experimental-websocket --no-warnings -e 'if (typeof WebSocket !== "function") process.exit(1)' 2>/dev/null ||
  { err "this Node.js has no WebSocket client (needs Node ≥ 20.10 with --experimental-websocket)"; exit 2; }

CREATE_BODY=$(node -e 'const s=require("fs").readFileSync(process.argv[1],"utf8");const m=s.slice(s.indexOf("wrk.body")).match(/\x27[^\x27]*\x27/g);process.stdout.write(m.map(x=>x.slice(1,-1)).join(""));' "$WRK_DIR/create.lua")

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench-pg.XXXXXX")
chmod 755 "$RUN_DIR"   # the postgres user must reach its cluster dir below it
mkdir -p "$RESULTS_DIR"

# ---------------------------------------------------------------- build
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building hearth (Release) in $BUILD_DIR"
  if ! { cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_BUILD_TESTS=OFF &&
    cmake --build "$BUILD_DIR" --target hearth; } >"$RUN_DIR/build.log" 2>&1; then
    err "build failed; last lines of $RUN_DIR/build.log:"
    tail -n 30 "$RUN_DIR/build.log" >&2
    FAILED=1
    exit 1
  fi
fi
[[ -x "$HEARTH_BIN" ]] || { err "no hearth binary at $HEARTH_BIN"; FAILED=1; exit 1; }
"$HEARTH_BIN" serve --help 2>/dev/null | grep -q -- '--db' ||
  { err "$HEARTH_BIN has no --db option (an old build? run without SKIP_BUILD=1)"; FAILED=1; exit 1; }

# ---------------------------------------------------------------- machine info
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY=""
if [[ -n "$(git status --porcelain --untracked-files=no -- src CMakeLists.txt cmake 2>/dev/null)" ]]; then DIRTY=" (+ uncommitted changes under src/)"; fi
CPU_MODEL="$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
CORES="$(nproc)"
MEM="$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
KERNEL="$(uname -r)"
WRK_VER="$( (wrk -v 2>&1 || true) | head -n 1 | awk '{print $1, $2}')"
PG_BIN_DIR="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)"
PG_VER="$("$PG_BIN_DIR/postgres" --version | awk '{print $3}')"
TMP_FS="$(df -T "$RUN_DIR" | awk 'NR==2{print $2}')"
log "commit $COMMIT$DIRTY, $CORES cores ($CPU_MODEL), parts: $PARTS, run dir $RUN_DIR ($TMP_FS)"

# Every part uses PostgreSQL.
log "starting PostgreSQL $PG_VER (scripts/pg-cluster.sh, PG_FSYNC=on)"
pg_cluster_start || { FAILED=1; exit 1; }
R["pg.settings"]=$(psql_admin -At -c "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_wal_size')")
log "  ${R["pg.settings"]}"

# ---------------------------------------------------------------- 1 + 2: engines and nodes
if want engines; then
  log "part 1: one node on SQLite"
  if start_nodes sqlite 1; then
    seed sqlite "${NODE_URLS[0]}" && hearth_workloads sqlite1
  else
    PROBLEMS+=("SQLite node did not start"); FAILED=1
  fi
  stop_nodes
fi
if want engines || want nodes; then
  counts="$NODE_COUNTS"
  want nodes || counts=1
  for n in $counts; do
    log "part $( ((n == 1)) && echo "1+2" || echo 2): $n node(s) on PostgreSQL"
    pg_fresh_db "nodes$n"
    if start_nodes "pg$n" "$n" "$DB_URL"; then
      if seed "pg$n" "${NODE_URLS[0]}"; then
        psql_admin -c "CHECKPOINT" >/dev/null
        hearth_workloads "pg$n"
      fi
    else
      PROBLEMS+=("PostgreSQL with $n node(s): a node did not start"); FAILED=1
    fi
    stop_nodes
  done
fi

# ---------------------------------------------------------------- 3: real-time latency
if want latency; then
  log "part 3: real-time latency at $RATE writes/s"
  if start_nodes lat-sqlite 1; then
    for d in $LAT_DOCS; do latency "lat.sqlite.d$d" "$d" "${NODE_URLS[0]}" "${NODE_URLS[0]}" || true; done
  else
    PROBLEMS+=("latency, SQLite: the node did not start"); FAILED=1
  fi
  stop_nodes
  pg_fresh_db lat1
  if start_nodes lat-pg1 1 "$DB_URL"; then
    for d in $LAT_DOCS; do latency "lat.pg1.d$d" "$d" "${NODE_URLS[0]}" "${NODE_URLS[0]}" || true; done
  else
    PROBLEMS+=("latency, PostgreSQL 1 node: the node did not start"); FAILED=1
  fi
  stop_nodes
  pg_fresh_db lat2
  if start_nodes lat-pg2 2 "$DB_URL"; then
    # listener 0 on node B (the other node), listener 1 on node A (the writer's)
    for d in $LAT_DOCS; do
      latency "lat.pg2.d$d" "$d" "${NODE_URLS[0]}" "${NODE_URLS[1]}" "${NODE_URLS[0]}" || true
    done
  else
    PROBLEMS+=("latency, PostgreSQL 2 nodes: a node did not start"); FAILED=1
  fi
  stop_nodes
fi

# ---------------------------------------------------------------- 4: Parse Server
PARSE_NOTE=""
if want parse; then
  log "part 4: Parse Server on the same PostgreSQL"
  # shellcheck source=bench/parse/parse.sh
  source "$PARSE_DIR/parse.sh"
  pg_fresh_db parse
  bench_parse || true   # sets PARSE_NOTE when it cannot measure
  [[ -z "$PARSE_NOTE" ]] || warn "Parse Server: not measured ($PARSE_NOTE)"
fi
if [[ -n "$DB_NAME" ]]; then psql_admin -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null || true; fi
pg_cluster_stop

# ---------------------------------------------------------------- report
MISSED=()
REPORT="$RUN_DIR/report.md"
# shellcheck source=bench/postgres/report.sh
source "$ROOT/bench/postgres/report.sh"
write_report "$REPORT"

cp "$REPORT" "$RESULTS_DIR/postgres-$DATE.md"
echo
cat "$REPORT"
log "saved to bench/results/postgres-$DATE.md"

if ((FAILED)); then exit 1; fi
if [[ "$STRICT" == 1 ]] && ((${#MISSED[@]})); then err "missed: ${MISSED[*]}"; exit 3; fi
exit 0
