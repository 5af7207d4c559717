#!/usr/bin/env bash
# Private PostgreSQL and Redis for tests and benchmarks: Debian's packages, our own ports and data
# dirs under $STATE, never the system instances. Also installs promtool, which the tests use
# (k8s/scripts/install-host-packages.sh services, when one of the three is missing).
#   scripts/test-services.sh start|stop|env|stop-redis|start-redis|stop-postgres|start-postgres
set -euo pipefail

STATE=${HEADROOM_TEST_STATE:-/tmp/headroom-test}
PG_PORT=${HEADROOM_PG_PORT:-55432}
REDIS_PORT=${HEADROOM_REDIS_PORT:-56379}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)

say() { echo "[services] $*" >&2; }

install_packages() {
  [ -n "$PG_BIN" ] && command -v redis-server >/dev/null && command -v promtool >/dev/null && return
  "$(dirname "${BASH_SOURCE[0]}")/../k8s/scripts/install-host-packages.sh" services
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
}

# initdb and postgres refuse to run as root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() {
  local data=$STATE/pg
  if [ -f "$data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$STATE" "$data"
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  port_free "$PG_PORT" || { say "port $PG_PORT is taken by another process; set HEADROOM_PG_PORT"; exit 1; }
  # The port goes on the command line, never in postgresql.conf: callers such as the bench choose it
  # per run. HEADROOM_PG_OPTIONS: more server options, e.g. the bench's "-c shared_buffers=512MB".
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -o "-p $PG_PORT ${HEADROOM_PG_OPTIONS:-}" -w -t 30 start >/dev/null \
    || { say "PostgreSQL did not start; see $data/server.log"; exit 1; }
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname='booking'" | grep -q 1 \
    || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres booking
}

stop_postgres() {
  [ -f "$STATE/pg/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$STATE/pg" -m fast -w stop >/dev/null 2>&1 || true
}

start_redis() {
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
  port_free "$REDIS_PORT" || { say "port $REDIS_PORT is taken by another process; set HEADROOM_REDIS_PORT"; exit 1; }
  mkdir -p "$STATE/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STATE/redis" --save '' --appendonly no \
    --daemonize yes --pidfile "$STATE/redis/redis.pid" --logfile "$STATE/redis/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  say "Redis did not start; see $STATE/redis/redis.log"; exit 1
}

# By its pid file first: a caller that picks the port per run (the bench) does not know the port of
# a Redis that a killed run left behind. The name check keeps a stale file from naming a reused pid.
stop_redis() {
  local pid
  pid=$(cat "$STATE/redis/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ]; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    return
  fi
  # Then by port, but only a port that is this state's: the caller's, or the default instance's. A
  # caller with a state of its own and no port yet (the bench, before it starts its Redis) would
  # otherwise shut down the shared test Redis on the default port.
  [ -n "${HEADROOM_REDIS_PORT:-}" ] || [ -z "${HEADROOM_TEST_STATE:-}" ] || return 0
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || return 0; sleep 0.1; done
}

case "${1:-}" in
  start) install_packages; start_postgres; start_redis; say "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT" ;;
  stop) stop_redis; stop_postgres; say "stopped" ;;
  start-redis) start_redis ;;
  stop-redis) stop_redis ;;
  start-postgres) start_postgres ;;
  stop-postgres) stop_postgres ;;
  env)
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/booking"
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;;
  *) echo "usage: $0 start|stop|env|start-redis|stop-redis|start-postgres|stop-postgres" >&2; exit 2 ;;
esac
