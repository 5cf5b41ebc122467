# shellcheck shell=bash disable=SC2034  # sourced by bench/postgres.sh, which reads what this sets
# bench/parse/parse.sh — part 4 of bench/postgres.sh (sourced by it): Parse Server on the
# same PostgreSQL, with the foundation workloads, as a peer for Hearth's PostgreSQL row.
# Uses postgres.sh's helpers (run_wrk_all, free_port, wait_http, DB_URL, R, PROBLEMS) and
# sets PARSE_NOTE to the reason when Parse cannot be measured; that never makes the run
# fail (Parse is optional).
#
# Knobs: PARSE_INSTALL_TIMEOUT seconds for npm install on first use [600].

PARSE_INSTALL_TIMEOUT="${PARSE_INSTALL_TIMEOUT:-600}"
PARSE_APP_ID=bench
PARSE_MASTER_KEY="bench-master-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

parse_install() {
  [[ -d "$PARSE_DIR/node_modules/parse-server" ]] && return 0
  # The committed package-lock.json pins every dependency (npm ci installs exactly that).
  local cmd=install
  [[ -f "$PARSE_DIR/package-lock.json" ]] && cmd=ci
  log "  installing Parse Server (npm $cmd in bench/parse, up to ${PARSE_INSTALL_TIMEOUT}s)"
  if ! (cd "$PARSE_DIR" && npm_config_nodedir=/usr timeout "$PARSE_INSTALL_TIMEOUT" \
    npm "$cmd" --no-audit --no-fund) >"$RUN_DIR/parse-npm.log" 2>&1; then
    PARSE_NOTE="npm install failed: $(grep -m 1 -i 'err' "$RUN_DIR/parse-npm.log" | cut -c1-200)"
    return 1
  fi
}

# parse_check NAME METHOD PATH EXPECTED: one request before wrk
parse_check() {
  local name=$1 method=$2 path=$3 expected=$4 out="$RUN_DIR/parse-check.$1.txt" code
  local args=(-s -o "$out" -w '%{http_code}' --max-time 10 -X "$method"
    -H "X-Parse-Application-Id: $PARSE_APP_ID" -H "X-Parse-Master-Key: $PARSE_MASTER_KEY")
  [[ "$method" == POST ]] && args+=(-H 'Content-Type: application/json' --data-binary "$CREATE_BODY")
  code=$(curl "${args[@]}" "$PARSE_URL$path" || true)
  [[ "$code" == "$expected" ]] && return 0
  PROBLEMS+=("Parse $name: $method $path returned HTTP ${code:-none} (expected $expected): $(head -c 200 "$out" 2>/dev/null)")
  return 1
}

PARSE_URL=""
bench_parse() {
  local failed_before=$FAILED pid port logf wl
  parse_install || return 1
  R["parse.version"]=$(node -p 'require("./bench/parse/node_modules/parse-server/package.json").version' 2>/dev/null || echo "?")
  port=$(free_port)
  PARSE_URL="http://$HOST:$port"
  logf="$RUN_DIR/parse.log"
  # In the run dir, so that nothing Parse writes lands in the checkout.
  (cd "$RUN_DIR" && PARSE_APP_ID="$PARSE_APP_ID" PARSE_MASTER_KEY="$PARSE_MASTER_KEY" \
    NODE_ENV=production PARSE_SERVER_LOGS_FOLDER="$RUN_DIR/parse-logs" \
    exec node "$PARSE_DIR/parse.mjs" serve "$port" "$DB_URL") >"$logf" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  if ! wait_http "Parse Server" "$pid" "$PARSE_URL/parse/health" "$logf"; then
    PARSE_NOTE="Parse Server $(printf '%s' "${R["parse.version"]}") did not start: $(grep -v "^\s*$" "$logf" | tail -n 1 | cut -c1-200)"
    stop_pid "$pid"; forget_pid "$pid"
    return 1
  fi
  SERVER_PIDS=("$pid")
  if ! PARSE_APP_ID="$PARSE_APP_ID" PARSE_MASTER_KEY="$PARSE_MASTER_KEY" \
    node "$PARSE_DIR/parse.mjs" seed "$PARSE_URL" "$SEED_COUNT" 8 >"$RUN_DIR/parse.seed.txt" 2>&1; then
    PARSE_NOTE="seeding failed: $(tail -n 1 "$RUN_DIR/parse.seed.txt" | cut -c1-200)"
    stop_pid "$pid"; forget_pid "$pid"; SERVER_PIDS=()
    return 1
  fi
  log "  parse: $(tail -n 1 "$RUN_DIR/parse.seed.txt")"
  psql_admin -c "CHECKPOINT" >/dev/null
  export BENCH_TOKEN="" PARSE_APP_ID PARSE_MASTER_KEY BENCH_SEED_COUNT="$SEED_COUNT"
  for wl in read list create; do
    case "$wl" in
      read) parse_check read GET /parse/classes/Post/seed000000 200 || continue ;;
      list) parse_check list GET '/parse/classes/Post?limit=20&order=objectId' 200 || continue ;;
      create) parse_check create POST /parse/classes/Post 201 || continue ;;
    esac
    BENCH_PARSE_WORKLOAD=$wl run_wrk_all "parse.$wl" "$PARSE_DIR/wrk.lua" "$PARSE_URL" || true
  done
  stop_pid "$pid"; forget_pid "$pid"; SERVER_PIDS=()
  FAILED=$failed_before   # optional peer: its problems are listed, the run does not fail
  if [[ "${R[parse.read.ok]:-}${R[parse.list.ok]:-}${R[parse.create.ok]:-}" == "" ]]; then
    PARSE_NOTE="Parse Server ${R["parse.version"]} started but no workload could be measured (see the problems below)"
    return 1
  fi
}

parse_report() {
  echo "Parse Server ${R["parse.version"]} (one Node.js process, \`bench/parse/parse.mjs\`, master key on every request, \`allowCustomObjectId\` for the seeded IDs) on the same PostgreSQL cluster, own database; the same seeded posts and workloads: point read \`GET /parse/classes/Post/<id>\`, list \`?limit=20&order=objectId\`, create \`POST /parse/classes/Post\`. Hearth column: the one-node PostgreSQL row of part 1. The \"server\" CPU share is Parse's process."
  echo
  echo "| Workload | Parse req/s | p50 ms | p99 ms | Errors | CPU parse / postgres / wrk / other | Hearth (PostgreSQL) req/s | Hearth / Parse |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|"
  local wl k h ratio
  for wl in read list create; do
    k="parse.$wl" h="pg1.$wl"
    if [[ "${R[$k.ok]:-}" == 1 ]]; then
      ratio="—"
      [[ "${R[$h.ok]:-}" == 1 ]] &&
        ratio=$(awk -v a="${R[$h.rps]}" -v b="${R[$k.rps]}" 'BEGIN{ printf "%.1f×", a / b }')
      echo "| $(wl_label "$wl") | $(fmt_int "${R[$k.rps]}") | $(ms "${R[$k.p50_us]}") | $(ms "${R[$k.p99_us]}") | $(errs_cell "$k") | $(cpu_cell "$k") | $([[ "${R[$h.ok]:-}" == 1 ]] && fmt_int "${R[$h.rps]}" || echo —) | $ratio |"
    else
      echo "| $(wl_label "$wl") | not measured | — | — | — | — | — | — |"
    fi
  done
}
