#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback for tests and benchmarks (never the system
# cluster): scripts/pg-cluster.sh start DIR  |  scripts/pg-cluster.sh stop DIR
# `start` initialises DIR/data (as the postgres user: initdb refuses root), starts it on a
# free port with its socket in DIR, creates the database "hearth" and writes its URL to
# DIR/url. `stop` stops it and removes DIR.
# PG_FSYNC=on (for benchmarks) makes commits durable; the default, off, suits tests.
set -euo pipefail
action=${1:?usage: pg-cluster.sh start|stop DIR}
dir=${2:?usage: pg-cluster.sh start|stop DIR}
fsync=${PG_FSYNC:-off}
case "$fsync" in
  on | off) ;;
  *)
    echo "pg-cluster: PG_FSYNC must be on or off" >&2
    exit 2
    ;;
esac
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "pg-cluster: PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    if [ -f "$dir/url" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0  # already running
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # A random high port; another one if it is taken (pg_ctl then fails to start).
    started=0
    for attempt in 1 2 3 4 5 6 7 8; do
      port=$((20000 + RANDOM % 40000))
      # fsync off by default: a throw-away cluster; durability is not what the tests check.
      # With PG_FSYNC=on a commit returns after its WAL is fsync'd (synchronous_commit is
      # on by default), as Hearth's SQLite store does (WAL, synchronous=FULL).
      if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=300" \
        start >/dev/null 2>&1; then
        started=1
        break
      fi
    done
    [ "$started" = 1 ] || { cat "$dir/server.log" >&2; exit 1; }
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAt -c "CREATE DATABASE hearth" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/hearth" >"$dir/url.tmp"
    mv "$dir/url.tmp" "$dir/url"
    echo "pg-cluster: $(cat "$dir/url")"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
