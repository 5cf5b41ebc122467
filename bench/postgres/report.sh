# shellcheck shell=bash
# bench/postgres/report.sh — the Markdown report of bench/postgres.sh (sourced by it after
# the measurements): write_report FILE writes the tables from R (and PROBLEMS, the
# knobs, the machine facts) and appends to MISSED every target that was missed.

wl_label() {
  case "$1" in
    read) echo "point read" ;;
    list) echo "list 20" ;;
    create) echo "create" ;;
  esac
}
errs_cell() { [[ "${R[$1.errors]:-0}" == 0 ]] && echo 0 || echo "**${R[$1.errors]}**"; }

write_report() {
  {
    echo "## PostgreSQL and several nodes — $DATE"
    echo
    echo "- Machine: **$CORES cores** ($CPU_MODEL), $MEM RAM, kernel $KERNEL; temp dir (SQLite files, PostgreSQL cluster) on $TMP_FS."
    echo "  Hearth nodes, PostgreSQL and the load generators (wrk, node) all share these $CORES cores."
    if [[ -n "$HEARTH_BIN_GIVEN" ]]; then
      build_note="binary \`$HEARTH_BIN\` given by HEARTH_BIN (built elsewhere; this checkout is at \`$COMMIT\`$DIRTY)"
    else
      build_note="commit \`$COMMIT\`$DIRTY, Release (\`$HEARTH_BIN\`$([[ "$SKIP_BUILD" == 1 ]] && echo ", prebuilt"))"
    fi
    echo "- Hearth: $build_note, default threads, request log $([[ "$LOG_REQUESTS" == 1 ]] && echo "on (to a file)" || echo off). SQLite: WAL, synchronous=FULL (each group commit fsync'd)."
    if [[ -n "${R["pg.settings"]:-}" ]]; then
      echo "- PostgreSQL $PG_VER: throw-away cluster (scripts/pg-cluster.sh, PG_FSYNC=on), TCP 127.0.0.1, a fresh database per configuration; ${R["pg.settings"]} (each group commit fsync'd, as with SQLite)."
    fi
    echo "- Load: $WRK_VER, $DURATION measured after $WARMUP warm-up per workload, $THREADS threads / $CONNECTIONS connections in total (split over one wrk per node); $SEED_COUNT seeded posts (bench/seed.mjs through the first node), reads rotate over them; create = POST of the same ~300-byte post (bench/wrk/*.lua)."
    echo "- CPU columns: share of the whole machine ($CORES cores = 100 %) used during the measured run by Hearth (all nodes) / PostgreSQL (all its processes) / load generators / everything else (other processes, and kernel work charged to none of these: the journal thread, softirqs of loopback networking landing on an idle CPU — a few % in the write-heavy runs). Tick-based, ±~3 points."
    echo
    if want engines; then
      echo "### 1. Engines: one node, SQLite vs PostgreSQL"
      echo
      echo "| Workload | Engine | Req/s | p50 ms | p99 ms | Errors | CPU hearth / postgres / wrk / other | PG / SQLite |"
      echo "|---|---|---:|---:|---:|---:|---|---:|"
      for wl in read list create; do
        for e in sqlite1 pg1; do
          k="$e.$wl"
          name=$([[ "$e" == sqlite1 ]] && echo SQLite || echo PostgreSQL)
          ratio=""
          if [[ "$e" == pg1 && "${R[$k.ok]:-}" == 1 && "${R[sqlite1.$wl.ok]:-}" == 1 ]]; then
            ratio=$(awk -v a="${R[$k.rps]}" -v b="${R[sqlite1.$wl.rps]}" 'BEGIN{ printf "%.2f×", a / b }')
          fi
          if [[ "${R[$k.ok]:-}" == 1 ]]; then
            echo "| $(wl_label "$wl") | $name | $(fmt_int "${R[$k.rps]}") | $(ms "${R[$k.p50_us]}") | $(ms "${R[$k.p99_us]}") | $(errs_cell "$k") | $(cpu_cell "$k") | $ratio |"
          else
            echo "| $(wl_label "$wl") | $name | not measured | — | — | — | — | |"
          fi
        done
      done
      echo
    fi
    if want nodes; then
      echo "### 2. Nodes on one PostgreSQL"
      echo
      echo "Every node is driven at the same time by its own wrk; req/s is the sum, p50/p99 the worst node's. **This machine has $CORES cores** shared by all nodes, PostgreSQL and the wrk processes: more nodes cannot add CPU here, so this shows what the nodes cost and where the time goes, not how Hearth scales on separate machines."
      echo
      echo "| Workload | Nodes | wrk | Req/s (sum) | per node | p50 ms (worst) | p99 ms (worst) | Errors | CPU hearth / postgres / wrk / other |"
      echo "|---|---:|---|---:|---:|---:|---:|---:|---|"
      for wl in read list create; do
        for n in $NODE_COUNTS; do
          k="pg$n.$wl"
          if [[ "${R[$k.ok]:-}" == 1 ]]; then
            per="" i=0
            for ((i = 0; i < n; i++)); do per+="${per:+ + }$(fmt_int "${R[$k.n$i.rps]}")"; done
            ((n == 1)) && per="—"
            echo "| $(wl_label "$wl") | $n | ${R[$k.wrk]} | $(fmt_int "${R[$k.rps]}") | $per | $(ms "${R[$k.p50_us]}") | $(ms "${R[$k.p99_us]}") | $(errs_cell "$k") | $(cpu_cell "$k") |"
          else
            echo "| $(wl_label "$wl") | $n | — | not measured | — | — | — | — | — |"
          fi
        done
      done
      echo
    fi
    if want latency; then
      echo "### 3. Real-time latency"
      echo
      echo "A writer (bench/postgres/rt_latency.mjs) sends $RATE \`PUT /v1/documents/lat<D>/d<i mod D>\` per second, paced by the clock, at most $LAT_CONNECTIONS in flight, through node A, for $LAT_WARMUP s (not measured) + $LAT_DURATION s; each document carries its send time. Listeners (WebSocket \`/v1/listen\`, \`{\"from\":\"lat<D>\"}\`, so D documents in the result: D = ${LAT_DOCS// / and }) each in their own process, record receive − send time for every measured write. *Superseded*: a write whose own change never came because a later write of the same document was delivered instead (a snapshot shows each document's latest state); *missing*: neither. *Writes per snapshot*: how many writes one snapshot carried on average (group commits and catch-up batching). Write ack = the PUT's round trip as the writer sees it. Target: p99 < $LAT_TARGET_MS ms at $RATE writes/s (and ≥ 95 % of the rate achieved)."
      echo
      echo "| Store | Nodes | Docs listened | Writer → listener | Writes/s offered → achieved | Delivery p50 ms | p99 ms | max ms | Received / superseded / missing | Writes per snapshot | Write ack p50 / p99 ms | CPU hearth / postgres / clients / other | p99 < $LAT_TARGET_MS ms |"
      echo "|---|---:|---:|---|---|---:|---:|---:|---|---:|---|---|---|"
      lat_row() {
        local p=$1 l=$2 store=$3 nodes=$4 path=$5 docs=${1##*.d} met per
        if [[ "${R[$p.l$l.ok]:-}" == 1 ]]; then
          if awk -v x="${R[$p.l$l.p99_ms]}" -v t="$LAT_TARGET_MS" -v a="${R[$p.w.achieved_rate]}" -v r="$RATE" \
            'BEGIN{ exit !(x < t && a >= 0.95 * r) }'; then met="✅ yes"; else met="❌ no"; MISSED+=("$p listener $l: p99 ${R[$p.l$l.p99_ms]} ms at ${R[$p.w.achieved_rate]} writes/s"); fi
          per=$(awk -v w="${R[$p.w.sent]}" -v s="${R[$p.l$l.snapshots]}" 'BEGIN{ printf "%.1f", (s > 0 ? w / s : 0) }')
          echo "| $store | $nodes | $docs | $path | $RATE → $(int "${R[$p.w.achieved_rate]}") | ${R[$p.l$l.p50_ms]} | ${R[$p.l$l.p99_ms]} | ${R[$p.l$l.max_ms]} | ${R[$p.l$l.received]} / ${R[$p.l$l.superseded]} / ${R[$p.l$l.missing]} | $per | ${R[$p.w.ack_p50_ms]} / ${R[$p.w.ack_p99_ms]} | $(cpu_cell "$p") | $met |"
        else
          echo "| $store | $nodes | $docs | $path | not measured | — | — | — | — | — | — | — | — |"
        fi
      }
      for d in $LAT_DOCS; do
        lat_row "lat.sqlite.d$d" 0 SQLite 1 "A → A"
        lat_row "lat.pg1.d$d" 0 PostgreSQL 1 "A → A"
        lat_row "lat.pg2.d$d" 0 PostgreSQL 2 "A → **B**"
        lat_row "lat.pg2.d$d" 1 PostgreSQL 2 "A → A"
      done
      echo
      echo "(The two PostgreSQL 2-node rows are one run with a listener on each node; CPU is for the whole run.)"
      echo
    fi
    if want parse; then
      echo "### 4. Peer: Parse Server on the same PostgreSQL"
      echo
      if [[ -n "$PARSE_NOTE" ]]; then
        echo "Parse Server: not measured ($PARSE_NOTE)."
      else
        parse_report
      fi
      echo
    fi
    if ((${#PROBLEMS[@]})); then
      echo "Problems during this run:"
      echo
      for x in "${PROBLEMS[@]}"; do echo "- $x"; done
      echo
    fi
    echo "Total run time: $(((SECONDS - T_START) / 60)) min $(((SECONDS - T_START) % 60)) s. Reproduce: \`${KNOBS_SET}bench/postgres.sh\`."
  } >"$1"
}
