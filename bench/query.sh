#!/usr/bin/env bash
# bench/query.sh — query latency vs. collection size (Hearth vs. PostgreSQL/JSONB) and
# the write cost of Hearth's automatic indexes (issue #3). Prints Markdown tables and
# saves them to bench/results/query-<date>.md (git-ignored). See docs/benchmarks.md,
# section "Queries (issue #3)".
#
# 1. For each N in SIZES: generate N posts once (bench/query/gen.mjs, deterministic),
#    load them into a fresh Hearth (POST /v1/commit, 500 writes per commit, several in
#    flight) and measure, with wrk,
#      {"from":"posts","where":["author","==","a<k>"],"orderBy":[["likes","desc"]],"limit":20}
#    rotating k over the authors (composite index author ASC, likes DESC declared).
# 2. The same N documents, COPYed into PostgreSQL 15 (table posts(id text primary key,
#    data jsonb), btree expression index on ((data->>'author'), ((data->>'likes')::bigint)
#    DESC), optional GIN index on data), the same query driven by pgbench (-f, random
#    author), p50/p99 computed from pgbench's per-transaction log (-l).
# 3. Create throughput (wrk POST /v1/documents/posts, 10-field ~300-byte doc) on a fresh
#    Hearth with automatic single-field indexes vs. with all 10 fields exempted
#    (fieldOverrides "indexes": []).
#
# This is a measurement script, not a test: it exits 0 when everything was measured,
# whether or not the targets were met (STRICT=1: exit 3 on a missed target), 1 when
# something could not be measured, 2 on bad usage / missing tools.
#
# Environment knobs (defaults in brackets):
#   QUICK=1             SIZES=10000 100000, DURATION=5s, WARMUP=1s (≈ 3 min on 2 cores;
#                       the full run takes ≈ 17 min, 13 of them loading 1M docs into Hearth)
#   SIZES               collection sizes ["10000 100000 1000000"]
#   DURATION            measured wrk / pgbench run [10s]
#   WARMUP              unmeasured run before each measured one, 0 = none [3s]
#   THREADS             wrk threads and pgbench -j [2]
#   QUERY_CONNECTIONS   wrk connections / pgbench clients for the query [16]
#   CREATE_CONNECTIONS  wrk connections for the create test [64]
#   AUTHORS             distinct author values [1000]
#   LIMIT               query limit [20]
#   LOAD_CONCURRENCY    /v1/commit requests in flight while loading [8]
#   PG=0                skip PostgreSQL
#   PG_GIN=0            do not build the GIN index on data
#   PG_MODE             pgbench query mode: simple | extended | prepared [simple]
#   PG_BIN              PostgreSQL server binaries [/usr/lib/postgresql/15/bin]
#   PG_SHARED_BUFFERS   [512MB]
#   WRITE_TEST=0        skip part 3
#   SKIP_BUILD=1        use the existing binary
#   BUILD_DIR           [build/bench-query]   (Release, -DHEARTH_BUILD_TESTS=OFF)
#   HEARTH_BIN          [$BUILD_DIR/src/app/hearth]
#   WAIT_IDLE           seconds to wait, before each measured run, for other processes'
#                       CPU use to drop under BUSY_LIMIT % of the machine [60]
#   BUSY_LIMIT          [15]
#   OTHER_LIMIT         flag a measurement when processes other than the server and
#                       the load generator used more than this % of the machine [20]
#   STARTUP_TIMEOUT     seconds for a server to answer [60]
#   KEEP_RUN=1          keep the temp run dir (logs, raw outputs) even on success
#   STRICT=1            exit 3 if a target is missed
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# ---------------------------------------------------------------- configuration
KNOBS_SET=""   # the knobs given in the environment, for the "reproduce" line
for k in QUICK SIZES DURATION WARMUP THREADS QUERY_CONNECTIONS CREATE_CONNECTIONS AUTHORS LIMIT \
  LOAD_CONCURRENCY PG PG_GIN PG_MODE PG_SHARED_BUFFERS WRITE_TEST; do
  [[ -n "${!k+x}" ]] && KNOBS_SET+="$k=\"${!k}\" "
done
QUICK="${QUICK:-0}"
if [[ "$QUICK" == 1 ]]; then
  SIZES="${SIZES:-10000 100000}"
  DURATION="${DURATION:-5s}"
  WARMUP="${WARMUP:-1s}"
else
  SIZES="${SIZES:-10000 100000 1000000}"
  DURATION="${DURATION:-10s}"
  WARMUP="${WARMUP:-3s}"
fi
THREADS="${THREADS:-2}"
QUERY_CONNECTIONS="${QUERY_CONNECTIONS:-16}"
CREATE_CONNECTIONS="${CREATE_CONNECTIONS:-64}"
AUTHORS="${AUTHORS:-1000}"
LIMIT="${LIMIT:-20}"
LOAD_CONCURRENCY="${LOAD_CONCURRENCY:-8}"
PG="${PG:-1}"
PG_GIN="${PG_GIN:-1}"
PG_MODE="${PG_MODE:-simple}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_SHARED_BUFFERS="${PG_SHARED_BUFFERS:-512MB}"
WRITE_TEST="${WRITE_TEST:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
BUILD_DIR="${BUILD_DIR:-build/bench-query}"
HEARTH_BIN="${HEARTH_BIN:-$BUILD_DIR/src/app/hearth}"
WAIT_IDLE="${WAIT_IDLE:-60}"
BUSY_LIMIT="${BUSY_LIMIT:-15}"
OTHER_LIMIT="${OTHER_LIMIT:-20}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}"
KEEP_RUN="${KEEP_RUN:-0}"
STRICT="${STRICT:-0}"

HOST=127.0.0.1
QDIR="$ROOT/bench/query"
RESULTS_DIR="$ROOT/bench/results"
DATE="$(date +%F)"
TOKEN="bench-query-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
FLAT_TOLERANCE=1.3   # "flat": Hearth p50 and p99 at the largest N ≤ 1.3× the smallest (full pages)
WRITE_TARGET=50      # indexed create req/s ≥ 50 % of unindexed

case "$PG_MODE" in simple | extended | prepared) ;; *) echo "PG_MODE must be simple, extended or prepared" >&2; exit 2 ;; esac
for n in $SIZES; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "SIZES: '$n' is not a positive integer" >&2; exit 2; }
done
MAX_N=$(printf '%s\n' $SIZES | sort -n | tail -n 1)

# ---------------------------------------------------------------- helpers
if [[ -t 2 ]]; then C_B=$'\033[1;34m' C_Y=$'\033[1;33m' C_R=$'\033[1;31m' C_0=$'\033[0m'; else C_B="" C_Y="" C_R="" C_0=""; fi
log() { printf '%s[query-bench %s]%s %s\n' "$C_B" "$(date +%T)" "$C_0" "$*" >&2; }
warn() { printf '%s[query-bench] WARNING:%s %s\n' "$C_Y" "$C_0" "$*" >&2; }
err() { printf '%s[query-bench] ERROR:%s %s\n' "$C_R" "$C_0" "$*" >&2; }

RUN_DIR=""
PIDS=()          # servers we started
PG_DATA=""       # PostgreSQL data dir while the cluster runs
FAILED=0         # something could not be measured -> keep run dir, exit 1
PROBLEMS=()      # notes for the report
T_START=$SECONDS

STOP_GRACE_S=10
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

pg_stop() {
  [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]] || { PG_DATA=""; return 0; }
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 ||
    warn "pg_ctl stop failed for $PG_DATA"
  PG_DATA=""
}

install_cleanup pg_stop

# CPU accounting (clock ticks); the whole machine: stat_busy_total (bench/lib.sh).
# utime+stime of a process (all its threads); +cutime+cstime with WITH_CHILDREN=1.
pid_ticks() {
  local pid=$1 s
  s=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }   # fields from 3 on; comm may contain spaces
  # shellcheck disable=SC2086
  set -- $s
  if [[ "${WITH_CHILDREN:-0}" == 1 ]]; then echo $((${12} + ${13} + ${14} + ${15})); else echo $((${12} + ${13})); fi
}
# Load generators run in the foreground of this shell: once reaped they count in its cutime.
client_ticks() { WITH_CHILDREN=1 pid_ticks $$; }
# The PostgreSQL cluster: postmaster (+ reaped backends) + live children.
pg_ticks() {
  local pm sum c
  pm=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  sum=$(WITH_CHILDREN=1 pid_ticks "$pm")
  for c in $(pgrep -P "$pm" 2>/dev/null || true); do sum=$((sum + $(pid_ticks "$c"))); done
  echo "$sum"
}
# bytes a process passed to write(2)-like calls (files and sockets)
wchar() {
  [[ -r "/proc/$1/io" ]] || { echo 0; return; }
  awk '/^wchar:/{ print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/io"
}
server_ticks() { if [[ "$1" == pg ]]; then pg_ticks; else pid_ticks "$1"; fi; }

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

HEARTH_PID=""
HEARTH_URL=""
# start_hearth NAME INDEXES_JSON: fresh project + data dir under RUN_DIR
start_hearth() {
  local name=$1 indexes=$2 port dir
  dir="$RUN_DIR/hearth-$name"
  rm -rf "$dir"
  mkdir -p "$dir/project" "$dir/data"
  printf '{"logRequests": false}\n' >"$dir/project/hearth.json"
  printf '%s\n' "$indexes" >"$dir/project/firestore.indexes.json"
  port=$(free_port)
  HEARTH_ADMIN_TOKEN="$TOKEN" "$HEARTH_BIN" serve "$dir/project" --port "$port" --host "$HOST" \
    --data "$dir/data" >"$dir/server.log" 2>&1 &
  HEARTH_PID=$!
  PIDS+=("$HEARTH_PID")
  HEARTH_URL="http://$HOST:$port"
  wait_http "hearth ($name)" "$HEARTH_PID" "$HEARTH_URL/healthz" "$dir/server.log" || return 1
  grep -q "listening on http://$HOST:$port" "$dir/server.log" ||
    warn "hearth ($name): no 'listening on' line in its log"
}

stop_hearth() {
  [[ -n "$HEARTH_PID" ]] || return 0
  stop_pid "$HEARTH_PID"
  forget_pid "$HEARTH_PID"
  HEARTH_PID=""
}

declare -A R=()   # results: R[key]=value

# cpu_split PREFIX b0 t0 s0 c0 b1 t1 s1 c1: server / client / other % of the machine
cpu_split() {
  local p=$1 b=$(($6 - $2)) t=$(($7 - $3)) s=$(($8 - $4)) c=$(($9 - $5))
  R["$p.cpu_server"]=$(awk -v x=$s -v t=$t 'BEGIN{ printf "%.0f", (t > 0 ? 100*x/t : 0) }')
  R["$p.cpu_client"]=$(awk -v x=$c -v t=$t 'BEGIN{ printf "%.0f", (t > 0 ? 100*x/t : 0) }')
  R["$p.cpu_other"]=$(awk -v x=$((b - s - c)) -v t=$t 'BEGIN{ v = t > 0 ? 100*x/t : 0; if (v < 0) v = 0; printf "%.0f", v }')
}

# run_wrk PREFIX SCRIPT CONNECTIONS LABEL: warm-up + measured wrk against HEARTH_URL
run_wrk() {
  local p=$1 script=$2 conns=$3 label=$4 out b0 t0 s0 c0 b1 t1 s1 c1 w0 rc=0 errs
  out="$RUN_DIR/$p.wrk.txt"
  export BENCH_TOKEN="$TOKEN" BENCH_AUTHORS="$AUTHORS" BENCH_LIMIT="$LIMIT"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    wrk -t"$THREADS" -c"$conns" -d"$WARMUP" --timeout 10s -s "$QDIR/$script" "$HEARTH_URL" \
      >"$RUN_DIR/$p.warmup.txt" 2>&1 || true
  fi
  wait_idle "$label"
  log "  $label: wrk -t$THREADS -c$conns -d$DURATION"
  w0=$(wchar "$HEARTH_PID")
  read -r b0 t0 < <(stat_busy_total); s0=$(server_ticks "$HEARTH_PID"); c0=$(client_ticks)
  wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency -s "$QDIR/$script" \
    "$HEARTH_URL" >"$out" 2>&1 || rc=$?
  c1=$(client_ticks); s1=$(server_ticks "$HEARTH_PID"); read -r b1 t1 < <(stat_busy_total)
  R["$p.wchar"]=$(($(wchar "$HEARTH_PID") - w0))
  if ((rc != 0)) || ! parse_bench_result "$p" "$out"; then
    err "$label: wrk failed (exit $rc): $(tail -n 5 "$out")"
    PROBLEMS+=("$label: wrk failed")
    FAILED=1
    return 1
  fi
  cpu_split "$p" "$b0" "$t0" "$s0" "$c0" "$b1" "$t1" "$s1" "$c1"
  errs=$((R[$p.err_connect] + R[$p.err_read] + R[$p.err_write] + R[$p.err_status] + R[$p.err_timeout]))
  if ((errs > 0)); then
    warn "$label: $errs wrk errors (see $out)"
    PROBLEMS+=("$label: $errs wrk errors (connect/read/write/status≥400/timeout = ${R[$p.err_connect]}/${R[$p.err_read]}/${R[$p.err_write]}/${R[$p.err_status]}/${R[$p.err_timeout]})")
    FAILED=1
  fi
  if ((R[$p.cpu_other] > OTHER_LIMIT)); then
    PROBLEMS+=("$label: other processes used ~${R[$p.cpu_other]}% of the machine during the run (limit ${OTHER_LIMIT}%) — numbers depressed")
  fi
  R["$p.ok"]=1
  log "  $label: $(awk -v r="${R[$p.rps]}" 'BEGIN{printf "%.0f", r}') req/s, p50 ${R[$p.p50_us]} us, p99 ${R[$p.p99_us]} us (CPU server/client/other ${R[$p.cpu_server]}/${R[$p.cpu_client]}/${R[$p.cpu_other]} %)"
}

PSQL=()
psql_q() { "${PSQL[@]}" "$@"; }

# run_pgbench PREFIX LABEL
run_pgbench() {
  local p=$1 label=$2 out b0 t0 s0 c0 b1 t1 s1 c1 rc=0 pgb logs n
  out="$RUN_DIR/$p.pgbench.txt"
  pgb=(pgbench -n -h "$HOST" -p "$PG_PORT" -U postgres -M "$PG_MODE" -D "AUTHORS=$AUTHORS"
    -f "$QDIR/pg_query.sql" -c "$QUERY_CONNECTIONS" -j "$THREADS")
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    "${pgb[@]}" -T "${WARMUP%s}" postgres >"$RUN_DIR/$p.warmup.txt" 2>&1 || true
  fi
  wait_idle "$label"
  log "  $label: pgbench -M $PG_MODE -c $QUERY_CONNECTIONS -j $THREADS -T ${DURATION%s} -l"
  rm -rf "$RUN_DIR/$p.pglog" && mkdir -p "$RUN_DIR/$p.pglog"
  read -r b0 t0 < <(stat_busy_total); s0=$(server_ticks pg); c0=$(client_ticks)
  "${pgb[@]}" -T "${DURATION%s}" -l --log-prefix="$RUN_DIR/$p.pglog/tx" postgres >"$out" 2>&1 || rc=$?
  sleep 0.3   # let the postmaster reap the backends (their CPU time lands in its cutime)
  c1=$(client_ticks); s1=$(server_ticks pg); read -r b1 t1 < <(stat_busy_total)
  if ((rc != 0)); then
    err "$label: pgbench failed (exit $rc): $(tail -n 5 "$out")"
    PROBLEMS+=("$label: pgbench failed")
    FAILED=1
    return 1
  fi
  cpu_split "$p" "$b0" "$t0" "$s0" "$c0" "$b1" "$t1" "$s1" "$c1"
  R["$p.rps"]=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' "$out" | head -n 1)
  R["$p.failed_tx"]=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out" | head -n 1)
  # per-transaction log: client_id tx_no latency_us script_no epoch_s epoch_us
  logs=("$RUN_DIR/$p.pglog"/tx.*)
  read -r n R["$p.p50_us"] R["$p.p99_us"] < <(cat "${logs[@]}" | awk '{print $3}' | sort -n |
    awk '{ a[NR] = $1 } END { if (NR == 0) { print 0, 0, 0; exit }
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++; i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++;
      print NR, a[i50], a[i99] }')
  R["$p.requests"]=$n
  if [[ -z "${R[$p.rps]}" || "$n" == 0 ]]; then
    err "$label: could not parse pgbench output ($out)"
    PROBLEMS+=("$label: unparseable pgbench output")
    FAILED=1
    return 1
  fi
  if [[ "${R[$p.failed_tx]:-0}" != 0 ]]; then
    PROBLEMS+=("$label: ${R[$p.failed_tx]} failed transactions")
    FAILED=1
  fi
  if ((R[$p.cpu_other] > OTHER_LIMIT)); then
    PROBLEMS+=("$label: other processes used ~${R[$p.cpu_other]}% of the machine during the run (limit ${OTHER_LIMIT}%) — numbers depressed")
  fi
  R["$p.ok"]=1
  log "  $label: $(awk -v r="${R[$p.rps]}" 'BEGIN{printf "%.0f", r}') tx/s, p50 ${R[$p.p50_us]} us, p99 ${R[$p.p99_us]} us (CPU server/client/other ${R[$p.cpu_server]}/${R[$p.cpu_client]}/${R[$p.cpu_other]} %)"
}

ms() { awk -v u="$1" 'BEGIN{ printf "%.2f", u / 1000 }'; }
int() { awk -v r="$1" 'BEGIN{ printf "%.0f", r }'; }
human() { awk -v n="$1" 'BEGIN{ if (n >= 1e6 && n % 1e6 == 0) printf "%dM", n/1e6; else if (n >= 1000 && n % 1000 == 0) printf "%dk", n/1000; else printf "%d", n }'; }
mib() { awk -v b="$1" 'BEGIN{ printf "%.0f MiB", b / 1048576 }'; }
now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN{ printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- prerequisites
missing=()
for tool in wrk node curl jq awk sort od; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
[[ "$SKIP_BUILD" == 1 ]] || for tool in cmake ninja; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [[ "$PG" == 1 ]]; then
  for tool in psql pgbench runuser; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || missing+=("$PG_BIN/initdb")
  id postgres >/dev/null 2>&1 || missing+=("user postgres")
fi
if ((${#missing[@]})); then
  err "missing: ${missing[*]} (Debian: apt-get install -y wrk nodejs curl jq cmake ninja-build postgresql; or PG=0)"
  exit 2
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hearth-bench-query.XXXXXX")
chmod 755 "$RUN_DIR"   # the postgres user must reach its data dir below it

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

# ---------------------------------------------------------------- machine info
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY=""
if [[ -n "$(git status --porcelain --untracked-files=no -- src CMakeLists.txt cmake 2>/dev/null)" ]]; then DIRTY=" (+ uncommitted changes under src/)"; fi
CPU_MODEL="$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
MEM="$(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
OS="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -s)"
KERNEL="$(uname -r)"
WRK_VER="$( (wrk -v 2>&1 || true) | head -n 1 | awk '{print $1, $2}')"
PG_VER=""
[[ "$PG" == 1 ]] && PG_VER="$("$PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}')"
TMP_FS="$(df -T "$RUN_DIR" | awk 'NR==2{print $2}')"
log "commit $COMMIT$DIRTY, $(nproc) cores ($CPU_MODEL), $MEM, sizes: $SIZES, run dir $RUN_DIR ($TMP_FS)"

# ---------------------------------------------------------------- data
DATA="$RUN_DIR/posts.tsv"
log "generating $MAX_N posts (bench/query/gen.mjs, seed 42)"
t=$(now_s)
AUTHORS="$AUTHORS" node "$QDIR/gen.mjs" "$MAX_N" "$DATA" 42 >"$RUN_DIR/gen.txt"
R[gen_secs]=$(since "$t")
R[doc_bytes]=$(sed -n 's/.*avg_doc_bytes=\([0-9]*\).*/\1/p' "$RUN_DIR/gen.txt")
log "  $(cat "$RUN_DIR/gen.txt") in ${R[gen_secs]} s; smaller sizes use the first N lines"
SAMPLE_AUTHOR="a17"

COMPOSITE='{"indexes":[{"collectionGroup":"posts","queryScope":"COLLECTION","fields":[{"fieldPath":"author","order":"ASCENDING"},{"fieldPath":"likes","order":"DESCENDING"}]}]}'
QUERY_BODY="{\"from\":\"posts\",\"where\":[\"author\",\"==\",\"$SAMPLE_AUTHOR\"],\"orderBy\":[[\"likes\",\"desc\"]],\"limit\":$LIMIT}"

# ---------------------------------------------------------------- PostgreSQL
PG_PORT=""
pg_start() {
  PG_DATA="$RUN_DIR/pg/data"
  mkdir -p "$RUN_DIR/pg"
  chown postgres "$RUN_DIR/pg"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C \
    >"$RUN_DIR/pg/initdb.log" 2>&1 || { err "initdb failed: $(tail -n 5 "$RUN_DIR/pg/initdb.log")"; PG_DATA=""; return 1; }
  PG_PORT=$(free_port)
  PG_OPTS="-p $PG_PORT -k /tmp -c listen_addresses=$HOST -c shared_buffers=$PG_SHARED_BUFFERS -c max_wal_size=8GB -c checkpoint_timeout=1h -c autovacuum=off -c maintenance_work_mem=256MB"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$RUN_DIR/pg/server.log" -o "$PG_OPTS" -w -t "$STARTUP_TIMEOUT" start \
    >"$RUN_DIR/pg/pg_ctl.log" 2>&1; then
    err "PostgreSQL did not start: $(tail -n 10 "$RUN_DIR/pg/server.log" 2>/dev/null)"
    return 1
  fi
  PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres)
  export PGOPTIONS="-c client_min_messages=warning"
}

# pg_load N: fresh table with the first N posts
pg_load() {
  local n=$1 p="pg.$1" t
  psql_q -c "DROP TABLE IF EXISTS posts" -c "CREATE TABLE posts (id text PRIMARY KEY, data jsonb NOT NULL)"
  t=$(now_s)
  psql_q -c "\\copy posts (id, data) from program 'head -n $n $DATA'"
  R["$p.copy_s"]=$(since "$t")
  t=$(now_s)
  psql_q -c "CREATE INDEX posts_author_likes ON posts ((data->>'author'), ((data->>'likes')::bigint) DESC)"
  R["$p.btree_s"]=$(since "$t")
  if [[ "$PG_GIN" == 1 ]]; then
    t=$(now_s)
    psql_q -c "CREATE INDEX posts_data_gin ON posts USING gin (data)"
    R["$p.gin_s"]=$(since "$t")
  fi
  t=$(now_s)
  psql_q -c "VACUUM ANALYZE posts" -c "CHECKPOINT"
  R["$p.vacuum_s"]=$(since "$t")
  R["$p.count"]=$(psql_q -At -c "SELECT count(*) FROM posts")
  R["$p.disk"]=$(psql_q -At -c "SELECT pg_total_relation_size('posts')")
  R["$p.load_rate"]=$(awk -v n="$n" -v a="${R[$p.copy_s]}" -v b="${R[$p.btree_s]}" -v c="${R[$p.gin_s]:-0}" -v d="${R[$p.vacuum_s]}" 'BEGIN{ printf "%.0f", n / (a + b + c + d) }')
  local plan
  plan=$(psql_q -At -c "EXPLAIN SELECT id, data FROM posts WHERE data->>'author' = '$SAMPLE_AUTHOR' ORDER BY (data->>'likes')::bigint DESC LIMIT $LIMIT")
  if ! grep -q posts_author_likes <<<"$plan"; then
    warn "PostgreSQL does not use posts_author_likes: $plan"
    PROBLEMS+=("PostgreSQL N=$n: the query plan does not use the btree expression index")
  fi
}

# ---------------------------------------------------------------- 1+2: query vs N
for n in $SIZES; do
  hn=$(human "$n")
  log "N = $hn"
  p="hearth.$n"
  if start_hearth "q$n" "$COMPOSITE"; then
    log "  hearth: loading $hn posts ($LOAD_CONCURRENCY commits of 500 in flight)"
    if BENCH_TOKEN="$TOKEN" node "$QDIR/load_hearth.mjs" "$HEARTH_URL" "$DATA" "$LOAD_CONCURRENCY" 500 "$n" \
      >"$RUN_DIR/$p.load.txt"; then
      R["$p.load_rate"]=$(sed -n 's/^LOAD .*rate=\([0-9]*\).*/\1/p' "$RUN_DIR/$p.load.txt")
      R["$p.load_s"]=$(sed -n 's/^LOAD .*secs=\([0-9.]*\).*/\1/p' "$RUN_DIR/$p.load.txt")
      log "  hearth: loaded $hn posts in ${R[$p.load_s]} s (${R[$p.load_rate]} docs/s)"
      ans=$(curl -s --max-time 30 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        -X POST --data-binary "$QUERY_BODY" "$HEARTH_URL/v1/query" || true)
      R["$p.sample"]=$(jq -r '[.documents[].data.likes] | map(tostring) | join(",")' <<<"$ans" 2>/dev/null || true)
      if ! jq -e '.documents | type == "array"' <<<"$ans" >/dev/null 2>&1; then
        err "hearth N=$hn: sample query failed: ${ans:0:300}"
        PROBLEMS+=("hearth N=$hn: the query failed: ${ans:0:200}")
        FAILED=1
      else
        run_wrk "$p" query.lua "$QUERY_CONNECTIONS" "hearth query N=$hn" || true
      fi
    else
      err "hearth N=$hn: load failed: $(tail -n 3 "$RUN_DIR/$p.load.txt")"
      PROBLEMS+=("hearth N=$hn: load failed — $(tail -n 1 "$RUN_DIR/$p.load.txt")")
      FAILED=1
    fi
    stop_hearth
    R["$p.disk"]=$(du -sb "$RUN_DIR/hearth-q$n/data" | awk '{print $1}')
    rm -rf "$RUN_DIR/hearth-q$n/data"   # up to a few GB at 1M
  else
    PROBLEMS+=("hearth N=$hn: server did not start")
    FAILED=1
    stop_hearth
  fi

  if [[ "$PG" == 1 ]]; then
    p="pg.$n"
    if [[ -z "$PG_DATA" ]]; then
      pg_start || { PROBLEMS+=("PostgreSQL did not start"); FAILED=1; PG=0; continue; }
    fi
    if pg_load "$n"; then
      log "  postgres: COPY ${R[$p.copy_s]} s, btree ${R[$p.btree_s]} s${R[$p.gin_s]:+, GIN ${R[$p.gin_s]} s}, vacuum+checkpoint ${R[$p.vacuum_s]} s ($(mib "${R[$p.disk]}"))"
      R["$p.sample"]=$(psql_q -At -c "SELECT string_agg(data->>'likes', ',') FROM (SELECT data FROM posts WHERE data->>'author' = '$SAMPLE_AUTHOR' ORDER BY (data->>'likes')::bigint DESC LIMIT $LIMIT) s")
      if [[ -n "${R[hearth.$n.sample]:-}" && "${R[hearth.$n.sample]}" != "${R[$p.sample]}" ]]; then
        warn "N=$hn: Hearth and PostgreSQL disagree on author $SAMPLE_AUTHOR: hearth [${R[hearth.$n.sample]}] pg [${R[$p.sample]}]"
        PROBLEMS+=("N=$hn: Hearth and PostgreSQL return different likes for author $SAMPLE_AUTHOR")
      else
        R["$p.agree"]=1
      fi
      run_pgbench "$p" "postgres query N=$hn" || true
      psql_q -c "DROP TABLE posts"
    else
      err "postgres N=$hn: load failed"
      PROBLEMS+=("postgres N=$hn: load failed")
      FAILED=1
    fi
  fi
done
pg_stop

# ---------------------------------------------------------------- 3: write cost
FIELDS="author likes title body category tags published rating views createdAt"
if [[ "$WRITE_TEST" == 1 ]]; then
  log "write cost of automatic indexes"
  overrides=""
  for f in $FIELDS; do overrides+="${overrides:+,}{\"collectionGroup\":\"posts\",\"fieldPath\":\"$f\",\"indexes\":[]}"; done
  for variant in indexed exempt; do
    p="write.$variant"
    if [[ "$variant" == indexed ]]; then cfg='{"indexes":[],"fieldOverrides":[]}'; else cfg="{\"indexes\":[],\"fieldOverrides\":[$overrides]}"; fi
    if start_hearth "$variant" "$cfg"; then
      code=$(curl -s -o "$RUN_DIR/$p.check.json" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -X POST \
        --data-binary '{"author":"a1","likes":1,"title":"t","body":"b","category":"c01","tags":["t1","t2"],"published":true,"rating":1.5,"views":1,"createdAt":"2026-01-01T00:00:00Z"}' \
        "$HEARTH_URL/v1/documents/posts" || true)
      if [[ "$code" == 201 ]]; then
        run_wrk "$p" create.lua "$CREATE_CONNECTIONS" "hearth create ($variant)" || true
      else
        err "create ($variant): HTTP ${code:-none}: $(head -c 300 "$RUN_DIR/$p.check.json" 2>/dev/null)"
        PROBLEMS+=("hearth create ($variant): sanity POST returned HTTP ${code:-none}")
        FAILED=1
      fi
      stop_hearth
      R["$p.disk"]=$(du -sb "$RUN_DIR/hearth-$variant/data" | awk '{print $1}')
      rm -rf "$RUN_DIR/hearth-$variant/data"
    else
      PROBLEMS+=("hearth create ($variant): server did not start")
      FAILED=1
      stop_hearth
    fi
  done
fi

# ---------------------------------------------------------------- report
MISSED=()
REPORT="$RUN_DIR/report.md"
{
  echo "## Query benchmark — $DATE"
  echo
  echo "- Machine: $(nproc) cores ($CPU_MODEL), $MEM RAM, $OS, kernel $KERNEL; temp dir on $TMP_FS."
  echo "  **Client and server share the same $(nproc) cores** (wrk/pgbench run on the box they measure)."
  echo "- Hearth: commit \`$COMMIT\`$DIRTY, Release build (\`$HEARTH_BIN\`), default threads; project \`hearth.json\` = \`{\"logRequests\": false}\`; fsync'd SQLite store (WAL, synchronous=FULL)."
  echo "- Data: bench/query/gen.mjs, seed 42: ${R[doc_bytes]}-byte docs on average, 10 fields, \`author\` uniform over $AUTHORS values, \`likes\` uniform 0..99999, random 20-char IDs; the N-doc set is the first N lines of one generated file, loaded into both systems."
  echo "- Query: \`{\"from\":\"posts\",\"where\":[\"author\",\"==\",\"a<k>\"],\"orderBy\":[[\"likes\",\"desc\"]],\"limit\":$LIMIT}\`, k rotating over all authors; Hearth has the composite index (author ASC, likes DESC)."
  echo "- Hearth: $WRK_VER -t$THREADS -c$QUERY_CONNECTIONS -d$DURATION after a $WARMUP warm-up (bench/query/query.lua). Load: /v1/commit, 500 \`set\` writes per commit, $LOAD_CONCURRENCY commits in flight (bench/query/load_hearth.mjs)."
  if [[ "$PG" == 1 || -n "$PG_VER" ]]; then
    echo "- PostgreSQL $PG_VER (throw-away cluster, TCP 127.0.0.1, shared_buffers=$PG_SHARED_BUFFERS, fsync on, autovacuum off + explicit VACUUM ANALYZE and CHECKPOINT after load): \`posts(id text primary key, data jsonb)\`, btree \`((data->>'author'), ((data->>'likes')::bigint) DESC)\`$([[ "$PG_GIN" == 1 ]] && echo ", plus GIN \`(data)\` (jsonb_ops; not used by this query)" || echo ", no GIN index"); loaded with \`\\copy\`. pgbench -M $PG_MODE -c $QUERY_CONNECTIONS -j $THREADS -T ${DURATION%s} after a $WARMUP warm-up (bench/query/pg_query.sql: \`SELECT id, data ... WHERE data->>'author' = 'a' || :k ORDER BY (data->>'likes')::bigint DESC LIMIT $LIMIT\`, k random); p50/p99 from the per-transaction log (-l)."
  fi
  echo
  echo "### Query latency vs collection size"
  echo
  echo "| N | rows/query (Hearth response) | Hearth load (docs/s) | Hearth req/s | Hearth p50 ms | Hearth p99 ms | PG req/s | PG p50 ms | PG p99 ms | Hearth / PG req/s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for n in $SIZES; do
    h="hearth.$n" g="pg.$n"
    rows=$((n / AUTHORS < LIMIT ? n / AUTHORS : LIMIT))
    hl="${R[$h.load_rate]:-—}"
    resp=""
    if [[ "${R[$h.ok]:-}" == 1 ]]; then
      hr=$(int "${R[$h.rps]}") h50=$(ms "${R[$h.p50_us]}") h99=$(ms "${R[$h.p99_us]}")
      resp=" ($(awk -v b="${R[$h.bytes]}" -v n="${R[$h.requests]}" 'BEGIN{ printf "%.1f KB", (n > 0 ? b / n / 1000 : 0) }'))"
    else hr="not measured" h50="—" h99="—"; fi
    if [[ "${R[$g.ok]:-}" == 1 ]]; then gr=$(int "${R[$g.rps]}") g50=$(ms "${R[$g.p50_us]}") g99=$(ms "${R[$g.p99_us]}"); else gr="—" g50="—" g99="—"; fi
    if [[ "${R[$h.ok]:-}" == 1 && "${R[$g.ok]:-}" == 1 ]]; then ratio=$(awk -v a="${R[$h.rps]}" -v b="${R[$g.rps]}" 'BEGIN{ printf "%.2f×", a / b }'); else ratio="—"; fi
    echo "| $(human "$n") | ~$rows$resp | $hl | $hr | $h50 | $h99 | $gr | $g50 | $g99 | $ratio |"
  done
  echo
  echo "Details per N (load, storage size, CPU split during the measured run as % of the whole machine — server / load generator / everything else):"
  echo
  echo "| N | Hearth load | Hearth data dir | Hearth CPU srv/cli/other | PG load: COPY + btree + GIN + vacuum | PG table+indexes | PG CPU srv/cli/other | same top-$LIMIT for $SAMPLE_AUTHOR |"
  echo "|---:|---|---:|---|---|---:|---|---|"
  for n in $SIZES; do
    h="hearth.$n" g="pg.$n"
    hload="${R[$h.load_s]:+${R[$h.load_s]} s}"
    hcpu="${R[$h.cpu_server]:+${R[$h.cpu_server]} / ${R[$h.cpu_client]} / ${R[$h.cpu_other]} %}"
    gload="${R[$g.copy_s]:+${R[$g.copy_s]} + ${R[$g.btree_s]} + ${R[$g.gin_s]:-0} + ${R[$g.vacuum_s]} s (${R[$g.load_rate]} docs/s)}"
    gcpu="${R[$g.cpu_server]:+${R[$g.cpu_server]} / ${R[$g.cpu_client]} / ${R[$g.cpu_other]} %}"
    agree="—"; [[ "${R[$g.agree]:-}" == 1 ]] && agree="yes"; [[ -n "${R[$g.sample]:-}" && "${R[$g.agree]:-}" != 1 ]] && agree="**no**"
    echo "| $(human "$n") | ${hload:-—} | $([[ -n "${R[$h.disk]:-}" ]] && mib "${R[$h.disk]}" || echo —) | ${hcpu:-—} | ${gload:-—} | $([[ -n "${R[$g.disk]:-}" ]] && mib "${R[$g.disk]}" || echo —) | ${gcpu:-—} | $agree |"
  done
  echo
  # flatness: compare the largest N with the smallest N that returns full pages (N/AUTHORS ≥ LIMIT)
  full=()
  for n in $SIZES; do [[ "${R[hearth.$n.ok]:-}" == 1 ]] && ((n / AUTHORS >= LIMIT)) && full+=("$n"); done
  if ((${#full[@]} >= 2)); then
    lo=$(printf '%s\n' "${full[@]}" | sort -n | head -n 1) hi=$(printf '%s\n' "${full[@]}" | sort -n | tail -n 1)
    r50=$(awk -v a="${R[hearth.$hi.p50_us]}" -v b="${R[hearth.$lo.p50_us]}" 'BEGIN{ printf "%.2f", a / b }')
    r99=$(awk -v a="${R[hearth.$hi.p99_us]}" -v b="${R[hearth.$lo.p99_us]}" 'BEGIN{ printf "%.2f", a / b }')
    if awk -v a="$r50" -v b="$r99" -v t="$FLAT_TOLERANCE" 'BEGIN{ exit !(a <= t && b <= t) }'; then verdict="flat (both ≤ ${FLAT_TOLERANCE}×): **met**"; else verdict="not flat (limit ${FLAT_TOLERANCE}×): **missed**"; MISSED+=("query latency not flat"); fi
    echo "Flatness (Hearth, $(human "$lo") → $(human "$hi") docs, ×$((hi / lo)) data, both returning $LIMIT rows): p50 ×$r50, p99 ×$r99 — $verdict."
  else
    echo "Flatness: not judged — it needs two measured sizes that both return full pages of $LIMIT rows (N ≥ $((AUTHORS * LIMIT)) with $AUTHORS authors; the full run's 100k and 1M). Sizes below that return ~N/$AUTHORS rows per query, i.e. smaller responses."
  fi
  echo
  if [[ "$WRITE_TEST" == 1 ]]; then
    echo "### Write cost of index maintenance"
    echo
    echo "Create: $WRK_VER -t$THREADS -c$CREATE_CONNECTIONS -d$DURATION (after a $WARMUP warm-up) \`POST /v1/documents/posts\`, 10-field doc (~300 bytes, 1000 varied bodies; bench/query/create.lua), fresh Hearth each, fsync'd group commit, no composite indexes."
    echo
    echo "| Hearth config | req/s | p50 ms | p99 ms | written per created doc | CPU srv/cli/other |"
    echo "|---|---:|---:|---:|---:|---|"
    for variant in indexed exempt; do
      p="write.$variant"
      label="automatic single-field indexes on all 10 fields"; [[ "$variant" == exempt ]] && label="all 10 fields exempted (\`fieldOverrides\` \`\"indexes\": []\`)"
      if [[ "${R[$p.ok]:-}" == 1 ]]; then
        echo "| $label | $(int "${R[$p.rps]}") | $(ms "${R[$p.p50_us]}") | $(ms "${R[$p.p99_us]}") | $(awk -v w="${R[$p.wchar]:-0}" -v n="${R[$p.requests]}" 'BEGIN{ printf "%.0f KB", (n > 0 ? w / n / 1000 : 0) }') | ${R[$p.cpu_server]} / ${R[$p.cpu_client]} / ${R[$p.cpu_other]} % |"
      else
        echo "| $label | not measured | — | — | — | — |"
      fi
    done
    echo
    if [[ "${R[write.indexed.ok]:-}" == 1 && "${R[write.exempt.ok]:-}" == 1 ]]; then
      wr=$(awk -v a="${R[write.indexed.rps]}" -v b="${R[write.exempt.rps]}" 'BEGIN{ printf "%.0f", 100 * a / b }')
      if ((wr >= WRITE_TARGET)); then wv="**met**"; else wv="**missed**"; MISSED+=("indexed create at ${wr}% of unindexed"); fi
      echo "Indexed / unindexed create throughput: **${wr} %** (target ≥ ${WRITE_TARGET} %): $wv."
      echo
    fi
  fi
  if ((${#PROBLEMS[@]})); then
    echo "Problems during this run:"
    echo
    for x in "${PROBLEMS[@]}"; do echo "- $x"; done
    echo
  fi
  echo "Total run time: $(((SECONDS - T_START) / 60)) min $(((SECONDS - T_START) % 60)) s. Reproduce: \`${KNOBS_SET}bench/query.sh\`."
} >"$REPORT"

mkdir -p "$RESULTS_DIR"
cp "$REPORT" "$RESULTS_DIR/query-$DATE.md"
echo
cat "$REPORT"
log "saved to bench/results/query-$DATE.md"

if ((FAILED)); then exit 1; fi
if [[ "$STRICT" == 1 ]] && ((${#MISSED[@]})); then err "missed: ${MISSED[*]}"; exit 3; fi
exit 0
