# bench/lib.sh — process helpers shared by bench/*.sh (sourced). The caller defines
# `warn` and a `PIDS` array of the processes it started; STOP_GRACE_S (default 5) is how
# long a process gets between SIGTERM and SIGKILL.

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
