#!/usr/bin/env bash
# bench/functions-hosting.sh — issue #7's performance goals, each side by side with a peer
# on this machine, driven by wrk:
#
# 1. Functions: GET /api/hello, the trivial JSON handler bench/functions/api/hello.js
#    (`res.json({hello: 'world'})`), through Hearth (functions.workers = 1 and 2) and the
#    same file mounted on Express (bench/functions/express-hello.mjs; one process, and a
#    node:cluster of 2). wrk -c1 (pure per-call overhead) and -c32 (throughput).
#    Targets: Hearth ≥ 0.8× Express's req/s; Hearth's p99 overhead over Express ≤ 1 ms.
# 2. Static files: one 10 KiB JavaScript file through Hearth's hosting vs nginx serving the
#    same folder (access_log off, sendfile on, worker_processes = Hearth's I/O threads),
#    plain and with `Accept-Encoding: gzip` (nginx `gzip on`, compressing per request,
#    and nginx `gzip_static on` with a .gz made beforehand — Hearth compresses once and
#    keeps the result, so gzip_static is the like-for-like peer). Target: ≥ 0.7× nginx.
#
# Prints Markdown tables and saves them to bench/results/functions-hosting-<date>.md
# (git-ignored). A measurement, not a test: exit 0 when everything was measured, whether
# or not a target was met (STRICT=1: exit 3 on a miss), 1 when something could not be
# measured, 2 on bad usage or missing tools. See docs/benchmarks.md, "Functions and
# static hosting (issue #7)".
#
# Environment knobs (defaults in brackets):
#   QUICK=1          DURATION=3s WARMUP=1s
#   PARTS            ["functions hosting"]
#   DURATION         measured wrk run [10s]
#   WARMUP           unmeasured wrk run before each measured one, 0 = none [3s]
#   THREADS          wrk threads [1]
#   CONNECTIONS      wrk connection counts, each one a run ["1 32"]
#   FN_WORKERS       Hearth functions.workers values ["1 2"]
#   EXPRESS_PROCS    Express process counts (1 = plain, N > 1 = node:cluster) ["1 2"]
#   HEARTH_THREADS   Hearth's I/O threads (--threads) and nginx's worker_processes [nproc]
#   FILE_BYTES       size of the static file [10240]
#   GZIP=0           skip the Accept-Encoding: gzip runs
#   SKIP_BUILD=1     do not run scripts/build.sh release hearth
#   HEARTH_BIN       [build/release/src/app/hearth]
#   NGINX_BIN        [nginx from PATH, else /usr/sbin/nginx]
#   WORKER_MJS       experiments only: a file copied over DATA_DIR/runtime/worker.mjs after
#                    Hearth starts and before its first invocation (workers start on first
#                    use), to measure a change to the function runtime without rebuilding
#   WAIT_IDLE        seconds to wait before each measured run for other processes' CPU
#                    use to drop under BUSY_LIMIT % of the machine [60]
#   BUSY_LIMIT       [15]
#   OTHER_LIMIT      flag a run where processes other than the server and wrk used more
#                    than this % of the machine [20]
#   STARTUP_TIMEOUT  seconds for a server to answer [30]
#   KEEP_RUN=1       keep the temp run dir (logs, configs, raw wrk output)
#   STRICT=1         exit 3 if a target is missed
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
PARTS="${PARTS:-functions hosting}"
THREADS="${THREADS:-1}"
CONNECTIONS="${CONNECTIONS:-1 32}"
FN_WORKERS="${FN_WORKERS:-1 2}"
EXPRESS_PROCS="${EXPRESS_PROCS:-1 2}"
HEARTH_THREADS="${HEARTH_THREADS:-$(nproc)}"
FILE_BYTES="${FILE_BYTES:-10240}"
GZIP="${GZIP:-1}"
SKIP_BUILD="${SKIP_BUILD:-0}"
HEARTH_BIN="${HEARTH_BIN:-build/release/src/app/hearth}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
WORKER_MJS="${WORKER_MJS:-}"
WAIT_IDLE="${WAIT_IDLE:-60}"
BUSY_LIMIT="${BUSY_LIMIT:-15}"
OTHER_LIMIT="${OTHER_LIMIT:-20}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-30}"
KEEP_RUN="${KEEP_RUN:-0}"
STRICT="${STRICT:-0}"

HOST=127.0.0.1
FN_DIR="$ROOT/bench/functions"
COMMON_LUA="$ROOT/bench/wrk/common.lua"
RESULTS_DIR="$ROOT/bench/results"
DATE="$(date +%F)"
FN_TARGET=0.8        # Hearth req/s ≥ 0.8× Express (same number of Node.js processes)
FN_OVERHEAD_MS=1     # Hearth p99 − Express p99 at -c1 ≤ 1 ms
STATIC_TARGET=0.7    # Hearth req/s ≥ 0.7× nginx

for n in $CONNECTIONS $FN_WORKERS $EXPRESS_PROCS $HEARTH_THREADS $FILE_BYTES $THREADS; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "not a positive integer: '$n'" >&2; exit 2; }
done
for p in $PARTS; do
  case "$p" in functions | hosting) ;; *) echo "PARTS: unknown part '$p'" >&2; exit 2 ;; esac
done
want() { [[ " $PARTS " == *" $1 "* ]]; }
# shellcheck disable=SC2086  # word lists
MAX_C=$(printf '%s\n' $CONNECTIONS | sort -n | tail -n 1)
# shellcheck disable=SC2086
MIN_C=$(printf '%s\n' $CONNECTIONS | sort -n | head -n 1)

# ---------------------------------------------------------------- helpers
if [[ -t 2 ]]; then C_B=$'\033[1;34m' C_Y=$'\033[1;33m' C_R=$'\033[1;31m' C_0=$'\033[0m'; else C_B="" C_Y="" C_R="" C_0=""; fi
log() { printf '%s[fn-hosting-bench %s]%s %s\n' "$C_B" "$(date +%T)" "$C_0" "$*" >&2; }
warn() { printf '%s[fn-hosting-bench] WARNING:%s %s\n' "$C_Y" "$C_0" "$*" >&2; }
err() { printf '%s[fn-hosting-bench] ERROR:%s %s\n' "$C_R" "$C_0" "$*" >&2; }

missing=()
for tool in wrk curl node npm gzip awk; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if want hosting && [[ ! -x "$NGINX_BIN" ]]; then missing+=("nginx (apt-get install nginx)"); fi
if ((${#missing[@]})); then err "missing tools: ${missing[*]}"; exit 2; fi

RUN_DIR=""
PIDS=()      # servers we started
FAILED=0     # something could not be measured -> keep run dir, exit 1
PROBLEMS=()  # notes for the report

STOP_GRACE_S=5
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

install_cleanup

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hearth-fn-hosting.XXXXXX")"
# nginx's workers run as `nobody`: they must be able to reach the public folder.
chmod 755 "$RUN_DIR"

# CPU accounting in clock ticks; the whole machine: stat_busy_total (bench/lib.sh).
# utime+stime of one process (all its threads); + reaped children with WITH_CHILDREN=1.
pid_ticks() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }  # fields from 3 on; comm may contain spaces
  # shellcheck disable=SC2086
  set -- $s
  if [[ "${WITH_CHILDREN:-0}" == 1 ]]; then echo $((${12} + ${13} + ${14} + ${15})); else echo $((${12} + ${13})); fi
}
# The live descendants of a process, recursively.
descendants() {
  local c
  for c in $(pgrep -P "$1" 2>/dev/null || true); do echo "$c"; descendants "$c"; done
}
# "OWN KIDS": ticks of a server process and of its live descendants (Hearth's Node.js
# workers, nginx's workers, the cluster's Express processes).
tree_ticks() {
  local kids=0 c
  for c in $(descendants "$1"); do kids=$((kids + $(pid_ticks "$c"))); done
  echo "$(pid_ticks "$1") $kids"
}
# wrk runs in the foreground of this shell: once reaped it counts in the shell's cutime.
client_ticks() { WITH_CHILDREN=1 pid_ticks $$; }

# wait_idle WHAT: wait (up to WAIT_IDLE s) for the machine to be nearly idle
wait_idle() {
  local what=$1 deadline=$((SECONDS + WAIT_IDLE)) b said=0
  while :; do
    b=$(busy_pct)
    ((b <= BUSY_LIMIT)) && return 0
    if ((SECONDS >= deadline)); then
      warn "$what: machine still ${b}% busy (other processes) after waiting ${WAIT_IDLE}s; measuring anyway"
      PROBLEMS+=("$what: the machine was ${b}% busy with other processes just before the run (limit ${BUSY_LIMIT}%)")
      return 0
    fi
    ((said)) || log "  machine ${b}% busy before $what; waiting up to ${WAIT_IDLE}s for it to settle"
    said=1
    sleep 2
  done
}

# check_get NAME URL EXPECT_BODY_REGEX [curl args...]: one request, status 200 and a body
# (or, with gzip, headers) matching; the exchange is kept in the run dir.
check_get() {
  local name=$1 url=$2 expect=$3 out
  shift 3
  out="$RUN_DIR/check-$name.txt"
  if ! curl -s -i --max-time 10 "$@" "$url" >"$out" 2>&1 || ! head -n 1 "$out" | grep -q ' 200'; then
    err "$name: GET $url did not answer 200: $(head -c 300 "$out")"
    PROBLEMS+=("$name: GET $url did not answer 200")
    FAILED=1
    return 1
  fi
  if ! grep -aqiE "$expect" "$out"; then
    err "$name: the answer of GET $url does not match /$expect/: $(head -c 400 "$out")"
    PROBLEMS+=("$name: unexpected answer from GET $url")
    FAILED=1
    return 1
  fi
}

declare -A R=()  # results: R[key.field]=value

pct() { awk -v x="$1" -v t="$2" 'BEGIN{ v = t > 0 ? 100*x/t : 0; if (v < 0) v = 0; printf "%.0f", v }'; }

# run_wrk KEY LABEL SERVER_PID URL CONNECTIONS [wrk args...]: warm-up + measured run
run_wrk() {
  local key=$1 label=$2 spid=$3 url=$4 conns=$5 out rc=0 errs
  local b0 t0 s0 k0 c0 b1 t1 s1 k1 c1
  shift 5
  out="$RUN_DIR/$key.wrk.txt"
  if [[ "$WARMUP" != 0 && "$WARMUP" != 0s ]]; then
    wrk -t"$THREADS" -c"$conns" -d"$WARMUP" --timeout 10s "$@" -s "$COMMON_LUA" "$url" \
      >"$RUN_DIR/$key.warmup.txt" 2>&1 || true
  fi
  wait_idle "$label"
  log "  $label: wrk -t$THREADS -c$conns -d$DURATION $*"
  read -r b0 t0 < <(stat_busy_total); read -r s0 k0 < <(tree_ticks "$spid"); c0=$(client_ticks)
  wrk -t"$THREADS" -c"$conns" -d"$DURATION" --timeout 10s --latency "$@" -s "$COMMON_LUA" \
    "$url" >"$out" 2>&1 || rc=$?
  c1=$(client_ticks); read -r s1 k1 < <(tree_ticks "$spid"); read -r b1 t1 < <(stat_busy_total)
  if ((rc != 0)) || ! parse_bench_result "$key" "$out"; then
    err "$label: wrk failed (exit $rc): $(tail -n 5 "$out")"
    PROBLEMS+=("$label: wrk failed")
    FAILED=1
    return 1
  fi
  local t=$((t1 - t0))
  R["$key.cpu_main"]=$(pct $((s1 - s0)) $t)
  R["$key.cpu_kids"]=$(pct $((k1 - k0)) $t)
  R["$key.cpu_server"]=$(pct $((s1 - s0 + k1 - k0)) $t)
  R["$key.cpu_client"]=$(pct $((c1 - c0)) $t)
  R["$key.cpu_other"]=$(pct $((b1 - b0 - (s1 - s0) - (k1 - k0) - (c1 - c0))) $t)
  errs=$((R[$key.err_connect] + R[$key.err_read] + R[$key.err_write] + R[$key.err_status] + R[$key.err_timeout]))
  if ((errs > 0)); then
    warn "$label: $errs wrk errors (see $out)"
    PROBLEMS+=("$label: $errs wrk errors (connect/read/write/status≥400/timeout = ${R[$key.err_connect]}/${R[$key.err_read]}/${R[$key.err_write]}/${R[$key.err_status]}/${R[$key.err_timeout]})")
    FAILED=1
  fi
  if ((R[$key.cpu_other] > OTHER_LIMIT)); then
    PROBLEMS+=("$label: other processes used ~${R[$key.cpu_other]}% of the machine during the run (limit ${OTHER_LIMIT}%) — numbers depressed")
  fi
  R["$key.ok"]=1
  log "  $label: $(awk -v r="${R[$key.rps]}" 'BEGIN{printf "%.0f", r}') req/s, p50 ${R[$key.p50_us]} us, p99 ${R[$key.p99_us]} us (CPU server/wrk/other ${R[$key.cpu_server]}/${R[$key.cpu_client]}/${R[$key.cpu_other]} %)"
}

TOKEN="bench-fn-hosting-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SERVER_PID=""
SERVER_URL=""

# start_hearth NAME PROJECT_DIR: a fresh data dir, --threads HEARTH_THREADS
start_hearth() {
  local name=$1 project=$2 port logf
  port=$(free_port)
  logf="$RUN_DIR/$name.log"
  mkdir -p "$RUN_DIR/$name-data"
  HEARTH_ADMIN_TOKEN="$TOKEN" "$HEARTH_BIN" serve "$project" --port "$port" --host "$HOST" \
    --threads "$HEARTH_THREADS" --data "$RUN_DIR/$name-data" >"$logf" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_URL="http://$HOST:$port"
  wait_http "$name" "$SERVER_PID" "$SERVER_URL/healthz" "$logf"
}

# override_worker NAME: WORKER_MJS over the runtime Hearth just wrote (see the knob)
override_worker() {
  [[ -n "$WORKER_MJS" ]] || return 0
  local target="$RUN_DIR/$1-data/runtime/worker.mjs"
  [[ -f "$target" ]] || { err "no $target to replace"; return 1; }
  cp "$WORKER_MJS" "$target"
  log "  experiment: $target replaced by $WORKER_MJS"
}

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  stop_pid "$SERVER_PID"
  forget_pid "$SERVER_PID"
  SERVER_PID=""
}

# ---------------------------------------------------------------- build
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building: scripts/build.sh release hearth (log: $RUN_DIR/build.log)"
  if ! scripts/build.sh release hearth >"$RUN_DIR/build.log" 2>&1; then
    err "build failed:"
    tail -n 25 "$RUN_DIR/build.log" | cut -c1-400 >&2
    FAILED=1
    exit 1
  fi
fi
[[ -x "$HEARTH_BIN" ]] || { err "no Hearth binary at $HEARTH_BIN"; FAILED=1; exit 1; }

if want functions && [[ ! -d "$FN_DIR/node_modules/express" ]]; then
  log "installing the Express peer's dependencies (npm ci in bench/functions)"
  if ! (cd "$FN_DIR" && npm_config_nodedir=/usr npm ci --no-audit --no-fund) >"$RUN_DIR/npm.log" 2>&1; then
    err "npm ci failed: $(tail -n 5 "$RUN_DIR/npm.log")"
    FAILED=1
    exit 1
  fi
fi

# ---------------------------------------------------------------- 1. functions
HELLO_BODY='\{"hello":"world"\}'

bench_functions() {
  local w p c
  for w in $FN_WORKERS; do
    local project="$RUN_DIR/fn-w$w-project"
    mkdir -p "$project/api"
    cp "$FN_DIR/api/hello.js" "$project/api/hello.js"
    # hello.js is an ES module, as under bench/functions/ (whose package.json says so too)
    printf '{"type": "module"}\n' >"$project/package.json"
    printf '{"logRequests": false, "functions": {"workers": %s}}\n' "$w" >"$project/hearth.json"
    log "functions: Hearth, functions.workers = $w, $HEARTH_THREADS I/O threads"
    if start_hearth "hearth-fn-w$w" "$project" && override_worker "hearth-fn-w$w" &&
      check_get "hearth-fn-w$w" "$SERVER_URL/api/hello" "$HELLO_BODY"; then
      for c in $CONNECTIONS; do
        run_wrk "fn.hearth$w.c$c" "Hearth workers=$w -c$c" "$SERVER_PID" "$SERVER_URL/api/hello" "$c" || true
      done
    else
      PROBLEMS+=("Hearth (functions.workers = $w) could not be measured")
      FAILED=1
    fi
    stop_server
  done
  for p in $EXPRESS_PROCS; do
    local port logf
    port=$(free_port)
    logf="$RUN_DIR/express-p$p.log"
    log "functions: Express, $p process(es)"
    NODE_ENV=production node "$FN_DIR/express-hello.mjs" "$port" "$HOST" "$p" >"$logf" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    SERVER_URL="http://$HOST:$port"
    if wait_http "express-p$p" "$SERVER_PID" "$SERVER_URL/healthz" "$logf" &&
      check_get "express-p$p" "$SERVER_URL/api/hello" "$HELLO_BODY"; then
      for c in $CONNECTIONS; do
        run_wrk "fn.express$p.c$c" "Express ${p}p -c$c" "$SERVER_PID" "$SERVER_URL/api/hello" "$c" || true
      done
    else
      PROBLEMS+=("Express ($p processes) could not be measured")
      FAILED=1
    fi
    stop_server
  done
}

# ---------------------------------------------------------------- 2. static hosting
STATIC_FILE=app.js
make_static_file() {
  # Deterministic JavaScript-like text of exactly FILE_BYTES bytes, compressible about as
  # much as real minified-but-not-mangled code (gzip -9 ≈ 3–4×).
  # shellcheck disable=SC2016  # JavaScript, not shell
  node -e '
    const n = Number(process.argv[1]);
    let x = 42, out = "";
    const rnd = (k) => { x = (x * 1103515245 + 12345) % 2147483648; return x % k; };
    const words = ["state", "props", "render", "value", "index", "handler", "element",
      "options", "config", "result", "request", "response", "update", "item", "list", "node"];
    while (out.length < n) {
      const a = words[rnd(words.length)], b = words[rnd(words.length)];
      out += `export function ${a}${rnd(1000)}(${b}, i) { return ${b}.${a} + i * ${rnd(100000)}; }\n`;
    }
    process.stdout.write(out.slice(0, n - 1) + "\n");
  ' "$FILE_BYTES"
}

# nginx_conf PORT_PLAIN PORT_STATIC PUBLIC: one nginx, two listeners — `gzip on`
# (compress per request) and `gzip_static on` (serve the .gz next to the file).
nginx_conf() {
  local dir="$RUN_DIR/nginx"
  cat <<EOF
# written by bench/functions-hosting.sh
worker_processes $HEARTH_THREADS;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000000;   # nginx's default (1000) would make wrk reconnect
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  gzip_types application/javascript text/javascript;
  gzip_vary on;
  server {
    listen $HOST:$1;
    root $3;
    gzip on;          # gzip_comp_level: nginx's default, 1
  }
  server {
    listen $HOST:$2;
    root $3;
    gzip_static on;   # $STATIC_FILE.gz, made with gzip -9
  }
}
EOF
}

bench_hosting() {
  local project="$RUN_DIR/static-project" public c
  public="$project/public"
  mkdir -p "$public"
  chmod 755 "$project" "$public"
  make_static_file >"$public/$STATIC_FILE"
  gzip -9 -n -k "$public/$STATIC_FILE"
  chmod 644 "$public/$STATIC_FILE" "$public/$STATIC_FILE.gz"
  R[static.bytes]=$(stat -c %s "$public/$STATIC_FILE")
  R[static.gz_bytes]=$(stat -c %s "$public/$STATIC_FILE.gz")
  printf '{"logRequests": false}\n' >"$project/hearth.json"
  local gz_args=(-H "Accept-Encoding: gzip")

  log "hosting: Hearth, $HEARTH_THREADS I/O threads, /$STATIC_FILE (${R[static.bytes]} bytes; ${R[static.gz_bytes]} gzipped)"
  if start_hearth hearth-static "$project" &&
    check_get hearth-static "$SERVER_URL/$STATIC_FILE" 'export function'; then
    for c in $CONNECTIONS; do
      run_wrk "st.hearth.plain.c$c" "Hearth static -c$c" "$SERVER_PID" "$SERVER_URL/$STATIC_FILE" "$c" || true
    done
    if [[ "$GZIP" == 1 ]] &&
      check_get hearth-static-gzip "$SERVER_URL/$STATIC_FILE" '^content-encoding: *gzip' "${gz_args[@]}"; then
      run_wrk "st.hearth.gzip.c$MAX_C" "Hearth static gzip -c$MAX_C" "$SERVER_PID" \
        "$SERVER_URL/$STATIC_FILE" "$MAX_C" "${gz_args[@]}" || true
    fi
  else
    PROBLEMS+=("Hearth (static) could not be measured")
    FAILED=1
  fi
  stop_server

  local port1 port2 conf="$RUN_DIR/nginx/nginx.conf"
  mkdir -p "$RUN_DIR/nginx/tmp"
  port1=$(free_port)
  port2=$(free_port)
  nginx_conf "$port1" "$port2" "$public" >"$conf"
  log "hosting: nginx $("$NGINX_BIN" -v 2>&1 | sed 's/.*\///'), worker_processes $HEARTH_THREADS"
  if ! "$NGINX_BIN" -t -q -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log" -c "$conf" >"$RUN_DIR/nginx/test.log" 2>&1; then
    err "nginx rejects its configuration: $(cat "$RUN_DIR/nginx/test.log")"
    PROBLEMS+=("nginx could not be measured (bad configuration)")
    FAILED=1
    return 0
  fi
  "$NGINX_BIN" -p "$RUN_DIR/nginx" -e "$RUN_DIR/nginx/error.log" -c "$conf" >"$RUN_DIR/nginx/stdout.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  SERVER_URL="http://$HOST:$port1"
  local url_static="http://$HOST:$port2"
  if wait_http nginx "$SERVER_PID" "$SERVER_URL/$STATIC_FILE" "$RUN_DIR/nginx/error.log" &&
    check_get nginx "$SERVER_URL/$STATIC_FILE" 'export function'; then
    for c in $CONNECTIONS; do
      run_wrk "st.nginx.plain.c$c" "nginx static -c$c" "$SERVER_PID" "$SERVER_URL/$STATIC_FILE" "$c" || true
    done
    if [[ "$GZIP" == 1 ]]; then
      if check_get nginx-gzip "$SERVER_URL/$STATIC_FILE" '^content-encoding: *gzip' "${gz_args[@]}"; then
        run_wrk "st.nginx.gzip.c$MAX_C" "nginx gzip on -c$MAX_C" "$SERVER_PID" \
          "$SERVER_URL/$STATIC_FILE" "$MAX_C" "${gz_args[@]}" || true
      fi
      if check_get nginx-gzip-static "$url_static/$STATIC_FILE" '^content-encoding: *gzip' "${gz_args[@]}"; then
        run_wrk "st.nginx.gzstatic.c$MAX_C" "nginx gzip_static -c$MAX_C" "$SERVER_PID" \
          "$url_static/$STATIC_FILE" "$MAX_C" "${gz_args[@]}" || true
      fi
    fi
  else
    PROBLEMS+=("nginx could not be measured")
    FAILED=1
  fi
  stop_server
}

T0=$SECONDS
if want functions; then bench_functions; fi
if want hosting; then bench_hosting; fi

# ---------------------------------------------------------------- report
has() { [[ "${R[$1.ok]:-0}" == 1 ]]; }
fmt_int() { awk -v n="$1" 'BEGIN{ s=sprintf("%.0f", n); o=""; while (length(s) > 3) { o="," substr(s, length(s)-2) o; s=substr(s, 1, length(s)-3) } print s o }'; }
fmt_ms() { awk -v u="$1" 'BEGIN{ printf "%.2f", u/1000 }'; }
MISSED=0

# cells KEY: "req/s | p50 | p99" or dashes
cells() {
  if has "$1"; then
    printf '%s | %s | %s' "$(fmt_int "${R[$1.rps]}")" "$(fmt_ms "${R[$1.p50_us]}")" "$(fmt_ms "${R[$1.p99_us]}")"
  else
    printf '— | — | —'
  fi
}
# ratio_cell NUM DEN [TARGET]: "0.93×", with ✅/❌ when a TARGET is given (req/s ratio)
ratio_cell() {
  local num=$1 den=$2 target=${3:-}
  if has "$num" && has "$den"; then
    awk -v n="${R[$num.rps]}" -v d="${R[$den.rps]}" -v t="$target" 'BEGIN{
      r = d > 0 ? n / d : 0; printf "%.2f×", r
      if (t != "") printf " %s", (r >= t ? "✅" : "❌") }'
  else
    printf 'n/a'
  fi
}
# overhead_cell NUM DEN FIELD [TARGET_MS]: Hearth minus peer, in ms
overhead_cell() {
  local num=$1 den=$2 f=$3 target=${4:-}
  if has "$num" && has "$den"; then
    awk -v a="${R[$num.$f]}" -v b="${R[$den.$f]}" -v t="$target" 'BEGIN{
      d = (a - b) / 1000; printf "%+.2f ms", d
      if (t != "") printf " %s", (d <= t ? "✅" : "❌") }'
  else
    printf 'n/a'
  fi
}
# Counted here, in this shell (the cells above run in $(...) subshells).
count_miss() { [[ "$1" == *❌* ]] && MISSED=$((MISSED + 1)); return 0; }
if want functions; then
  for w in $FN_WORKERS; do
    [[ " $EXPRESS_PROCS " == *" $w "* ]] || continue
    count_miss "$(ratio_cell "fn.hearth$w.c$MAX_C" "fn.express$w.c$MAX_C" "$FN_TARGET")"
    count_miss "$(overhead_cell "fn.hearth$w.c$MIN_C" "fn.express$w.c$MIN_C" p99_us "$FN_OVERHEAD_MS")"
  done
fi
if want hosting; then
  count_miss "$(ratio_cell "st.hearth.plain.c$MAX_C" "st.nginx.plain.c$MAX_C" "$STATIC_TARGET")"
  [[ "$GZIP" == 1 ]] && count_miss "$(ratio_cell "st.hearth.gzip.c$MAX_C" "st.nginx.gzstatic.c$MAX_C" "$STATIC_TARGET")"
fi
bytes_per() { has "$1" && awk -v b="${R[$1.bytes]}" -v n="${R[$1.requests]}" 'BEGIN{ printf "%.0f", (n > 0 ? b/n : 0) }' || printf '—'; }
cpu_cell() {
  if has "$1"; then
    if [[ "${2:-}" == split ]]; then
      printf '%s%% (%s + %s) / %s%% / %s%%' "${R[$1.cpu_server]}" "${R[$1.cpu_main]}" "${R[$1.cpu_kids]}" "${R[$1.cpu_client]}" "${R[$1.cpu_other]}"
    else
      printf '%s%% / %s%% / %s%%' "${R[$1.cpu_server]}" "${R[$1.cpu_client]}" "${R[$1.cpu_other]}"
    fi
  else
    printf '—'
  fi
}

cpu_model=$(awk -F': *' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
git_rev=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -z "$(git status --porcelain -- src 2>/dev/null || true)" ]] || git_rev+=" (src/ has uncommitted changes)"
express_ver=$(node -p 'require(process.argv[1]).version' "$FN_DIR/node_modules/express/package.json" 2>/dev/null || echo "?")
nginx_ver=$("$NGINX_BIN" -v 2>&1 | sed 's/.*\///' || echo "?")
wrk_ver=$(wrk -v 2>&1 | awk 'NR==1{print $2}' || true)

REPORT="$RESULTS_DIR/functions-hosting-$DATE.md"
mkdir -p "$RESULTS_DIR"
{
  echo "# Functions and static hosting (issue #7) — $DATE"
  echo
  echo "- Machine: $cpu_model, $(nproc) cores, $(uname -sr). **wrk and the server share these cores.**"
  echo "- Commit $git_rev · Hearth \`$HEARTH_BIN\` ($HEARTH_THREADS I/O threads) · node $(node --version) · express $express_ver · nginx $nginx_ver · wrk $wrk_ver"
  echo "- wrk -t$THREADS, ${DURATION} measured after a ${WARMUP} warm-up (0 = none), keep-alive, one server at a time on 127.0.0.1$([[ "$QUICK" == 1 ]] && echo " (QUICK mode)")."
  [[ -z "$WORKER_MJS" ]] || echo "- **Experiment**: Hearth's function runtime worker.mjs replaced by \`$WORKER_MJS\` (WORKER_MJS)."
  echo "- CPU columns: share of the whole machine ($(nproc) cores = 100 %) used during the measured run by the server (for Hearth: its own process + its Node.js workers), by wrk, and by everything else."
  if want functions; then
    echo
    echo "## Functions: GET /api/hello → \`res.json({hello: 'world'})\`"
    echo
    echo "| Node.js processes | wrk | Hearth req/s | p50 ms | p99 ms | Express req/s | p50 ms | p99 ms | Hearth / Express | p50 overhead | p99 overhead |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for w in $FN_WORKERS; do
      for p in $EXPRESS_PROCS; do
        # same number of Node.js processes on both sides (the fair pairs), plus Hearth's
        # default (2 workers) against a plain single Express process.
        if [[ "$w" == "$p" ]]; then
          what="$w each (Hearth workers=$w · Express $([[ $p == 1 ]] && echo "1 process" || echo "cluster of $p"))"
          for c in $CONNECTIONS; do
            if [[ "$c" == "$MIN_C" ]]; then
              tgt_r=""; tgt_o=$FN_OVERHEAD_MS
            else
              tgt_r=$FN_TARGET; tgt_o=""
            fi
            printf '| %s | -c%s | %s | %s | %s | %s | %s |\n' "$what" "$c" "$(cells "fn.hearth$w.c$c")" \
              "$(cells "fn.express$p.c$c")" "$(ratio_cell "fn.hearth$w.c$c" "fn.express$p.c$c" "$tgt_r")" \
              "$(overhead_cell "fn.hearth$w.c$c" "fn.express$p.c$c" p50_us)" \
              "$(overhead_cell "fn.hearth$w.c$c" "fn.express$p.c$c" p99_us "$tgt_o")"
          done
        elif ((w > p)); then
          what="Hearth workers=$w vs Express $p process (not like for like)"
          for c in $CONNECTIONS; do
            [[ "$c" == "$MAX_C" ]] || continue
            printf '| %s | -c%s | %s | %s | %s | %s | %s |\n' "$what" "$c" "$(cells "fn.hearth$w.c$c")" \
              "$(cells "fn.express$p.c$c")" "$(ratio_cell "fn.hearth$w.c$c" "fn.express$p.c$c")" \
              "$(overhead_cell "fn.hearth$w.c$c" "fn.express$p.c$c" p50_us)" \
              "$(overhead_cell "fn.hearth$w.c$c" "fn.express$p.c$c" p99_us)"
          done
        fi
      done
    done
    echo
    echo "Targets: Hearth ≥ ${FN_TARGET}× Express's req/s (at -c$MAX_C, same number of Node.js processes); Hearth's p99 − Express's p99 ≤ ${FN_OVERHEAD_MS} ms (at -c$MIN_C, one request at a time). Overheads are Hearth minus Express, same handler."
    echo
    echo "| Server | wrk | Bytes/response | CPU server (Hearth + its workers) / wrk / other |"
    echo "|---|---|---:|---|"
    for w in $FN_WORKERS; do for c in $CONNECTIONS; do
      printf '| Hearth workers=%s | -c%s | %s | %s |\n' "$w" "$c" "$(bytes_per "fn.hearth$w.c$c")" "$(cpu_cell "fn.hearth$w.c$c" split)"
    done; done
    for p in $EXPRESS_PROCS; do for c in $CONNECTIONS; do
      printf '| Express %s process(es) | -c%s | %s | %s |\n' "$p" "$c" "$(bytes_per "fn.express$p.c$c")" "$(cpu_cell "fn.express$p.c$c")"
    done; done
  fi
  if want hosting; then
    echo
    echo "## Static file: GET /$STATIC_FILE (${R[static.bytes]:-?} bytes; gzip -9: ${R[static.gz_bytes]:-?} bytes)"
    echo
    echo "| Request | wrk | Hearth req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | Hearth / nginx |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    for c in $CONNECTIONS; do
      tgt=""; [[ "$c" == "$MAX_C" ]] && tgt=$STATIC_TARGET
      printf '| plain | -c%s | %s | %s | %s |\n' "$c" "$(cells "st.hearth.plain.c$c")" "$(cells "st.nginx.plain.c$c")" \
        "$(ratio_cell "st.hearth.plain.c$c" "st.nginx.plain.c$c" "$tgt")"
    done
    if [[ "$GZIP" == 1 ]]; then
      # shellcheck disable=SC2016  # Markdown backticks
      printf '| gzip: Hearth (cached) vs nginx `gzip on` (per request, level 1) | -c%s | %s | %s | %s |\n' "$MAX_C" \
        "$(cells "st.hearth.gzip.c$MAX_C")" "$(cells "st.nginx.gzip.c$MAX_C")" \
        "$(ratio_cell "st.hearth.gzip.c$MAX_C" "st.nginx.gzip.c$MAX_C")"
      # shellcheck disable=SC2016
      printf '| gzip: Hearth (cached) vs nginx `gzip_static on` | -c%s | %s | %s | %s |\n' "$MAX_C" \
        "$(cells "st.hearth.gzip.c$MAX_C")" "$(cells "st.nginx.gzstatic.c$MAX_C")" \
        "$(ratio_cell "st.hearth.gzip.c$MAX_C" "st.nginx.gzstatic.c$MAX_C" "$STATIC_TARGET")"
    fi
    echo
    echo "Target: Hearth ≥ ${STATIC_TARGET}× nginx's req/s (at -c$MAX_C; for gzip against \`gzip_static\`, the like-for-like peer)."
    echo
    echo "| Server | Request | wrk | Bytes/response | CPU server / wrk / other |"
    echo "|---|---|---|---:|---|"
    for s in hearth nginx; do
      for c in $CONNECTIONS; do
        printf '| %s | plain | -c%s | %s | %s |\n' "$s" "$c" "$(bytes_per "st.$s.plain.c$c")" "$(cpu_cell "st.$s.plain.c$c")"
      done
    done
    if [[ "$GZIP" == 1 ]]; then
      printf '| hearth | gzip | -c%s | %s | %s |\n' "$MAX_C" "$(bytes_per "st.hearth.gzip.c$MAX_C")" "$(cpu_cell "st.hearth.gzip.c$MAX_C")"
      printf '| nginx | gzip on | -c%s | %s | %s |\n' "$MAX_C" "$(bytes_per "st.nginx.gzip.c$MAX_C")" "$(cpu_cell "st.nginx.gzip.c$MAX_C")"
      printf '| nginx | gzip_static | -c%s | %s | %s |\n' "$MAX_C" "$(bytes_per "st.nginx.gzstatic.c$MAX_C")" "$(cpu_cell "st.nginx.gzstatic.c$MAX_C")"
    fi
  fi
  if ((${#PROBLEMS[@]})); then
    echo
    echo "Problems in this run:"
    for p in "${PROBLEMS[@]}"; do echo "- $p"; done
  fi
  echo
  echo "($((SECONDS - T0)) s of measuring.)"
} >"$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"

echo
cat "$REPORT"
echo
log "saved: ${REPORT#"$ROOT"/}"

if [[ "$FAILED" != 0 ]]; then
  err "incomplete run: something was not measured (see 'Problems' above)"
  exit 1
fi
if [[ "$STRICT" == 1 ]] && ((MISSED > 0)); then
  err "STRICT=1: $MISSED target(s) missed"
  exit 3
fi
exit 0
