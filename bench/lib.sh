# bench/lib.sh — helpers shared by bench/*.sh (sourced). The caller defines `warn` and
# `err`, a `PIDS` array of the processes it started, an associative array `R` for results
# and STARTUP_TIMEOUT (seconds); STOP_GRACE_S (default 5) is how long a process gets
# between SIGTERM and SIGKILL.

# stop_pid PID: SIGTERM, wait up to STOP_GRACE_S, then SIGKILL; reaps it.
stop_pid() {
  local pid=$1 i grace=$(( ${STOP_GRACE_S:-5} * 10 ))
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "pid $pid did not exit on SIGTERM within ${STOP_GRACE_S:-5} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# forget_pid PID: drops PID from PIDS (it has been stopped).
forget_pid() {
  local pid=$1 p keep=()
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]+"${keep[@]}"}")
}

# free_port: a TCP port free on 127.0.0.1 now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# stat_busy_total: "BUSY TOTAL" clock ticks of the whole machine (/proc/stat).
stat_busy_total() {
  awk '/^cpu /{ b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6; exit }' /proc/stat
}

# busy_pct: busy % of the machine over one second.
busy_pct() {
  local b0 t0 b1 t1
  read -r b0 t0 < <(stat_busy_total)
  sleep 1
  read -r b1 t1 < <(stat_busy_total)
  awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) 'BEGIN{ printf "%.0f", (t > 0 ? 100*b/t : 0) }'
}

# wait_http NAME PID URL LOG: polls URL until HTTP 200; fails (showing LOG's tail) when
# PID exits or STARTUP_TIMEOUT passes.
wait_http() {
  local name=$1 pid=$2 url=$3 logf=$4 deadline=$((SECONDS + STARTUP_TIMEOUT)) code
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      err "$name exited during startup:"
      tail -n 20 "$logf" >&2 || true
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ "$code" == 200 ]] && return 0
    sleep 0.2
  done
  err "$name did not answer 200 on $url within ${STARTUP_TIMEOUT}s:"
  tail -n 20 "$logf" >&2 || true
  return 1
}

# parse_bench_result PREFIX FILE: the last BENCH_RESULT line of wrk's output (printed by
# bench/wrk/common.lua) into R[PREFIX.key].
parse_bench_result() {
  local prefix=$1 file=$2 line kv
  line=$(grep '^BENCH_RESULT ' "$file" | tail -n 1 || true)
  [[ -n "$line" ]] || return 1
  for kv in ${line#BENCH_RESULT }; do R["$prefix.${kv%%=*}"]="${kv#*=}"; done
}

# install_cleanup [STOP_FN]: on exit (and on INT / TERM, exiting 130 / 143) stops every
# process in PIDS, runs STOP_FN if given (e.g. the script's PostgreSQL stop) and removes
# RUN_DIR — kept instead when KEEP_RUN=1 or the run failed (FAILED != 0 or a non-zero exit),
# but not after an interrupt (it can hold GBs). Uses the caller's PIDS, RUN_DIR, KEEP_RUN,
# FAILED and `log`.
install_cleanup() {
  BENCH_STOP_FN=${1:-}
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# shellcheck disable=SC2317  # invoked via trap
bench_cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]+"${PIDS[@]}"}"; do stop_pid "$pid"; done
  if [[ -n "${BENCH_STOP_FN:-}" ]]; then "$BENCH_STOP_FN"; fi
  if [[ -n "${RUN_DIR:-}" && -d "$RUN_DIR" ]]; then
    if [[ "${KEEP_RUN:-0}" == 1 ]] || { [[ "${FAILED:-0}" != 0 || $rc -ne 0 ]] && ((rc != 130 && rc != 143)); }; then
      log "run dir kept for inspection: $RUN_DIR"
    else
      rm -rf "$RUN_DIR"
    fi
  fi
  exit "$rc"
}
