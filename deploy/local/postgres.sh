#!/usr/bin/env bash
# Starts or stops a private PostgreSQL cluster with its data in $COE_STACK_DIR/pg.
#   deploy/local/postgres.sh start|stop|status
# PostgreSQL refuses to run as root: as root the server runs as the postgres user.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_DIR="$COE_STACK_DIR/pg"
BIN="$(pg_bin)"

run_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    if pg_isready -q -h 127.0.0.1 -p "$COE_PG_PORT" 2>/dev/null; then
        log "PostgreSQL already answers on port $COE_PG_PORT"; return
    fi
    mkdir -p "$PG_DIR/sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$PG_DIR"
        runuser -u postgres -- test -x "$PG_DIR" ||
            die "the postgres user cannot reach $PG_DIR: set COE_STACK_DIR to a folder it can traverse"
    fi
    chmod 700 "$PG_DIR"
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        log "initialising a cluster in $PG_DIR/data"
        umask 077
        echo "$COE_DB_PASSWORD" > "$PG_DIR/.pw"
        [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR/.pw"
        run_pg "$BIN/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 --pwfile="$PG_DIR/.pw" -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
        rm -f "$PG_DIR/.pw"
    fi
    local options="-c port=$COE_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR/sock -c max_connections=600"
    if [ "${COE_PG_FAST:-0}" = 1 ]; then
        # Throwaway test clusters only: durability off makes them much faster.
        options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    # Extra server settings of a stack (the benchmark's: commit timestamps, statement capture).
    options="$options ${COE_PG_OPTIONS:-}"
    run_pg "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 -o "$options" start >/dev/null
    until pg_isready -q -h 127.0.0.1 -p "$COE_PG_PORT"; do sleep 0.1; done
    psql -X -q -h "$PG_DIR/sock" -p "$COE_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
SELECT 'CREATE ROLE $COE_DB_USER LOGIN PASSWORD ''$COE_DB_PASSWORD'''
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$COE_DB_USER') \gexec
SELECT 'CREATE DATABASE $COE_DB_NAME OWNER $COE_DB_USER'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$COE_DB_NAME') \gexec
SQL
    log "PostgreSQL ready: $(database_url)"
}

stop() {
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        run_pg "$BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null || true
        log "PostgreSQL stopped"
    fi
}

# A fast restart: sessions are cut, the server is back at once (the fault tests' restart).
restart() {
    run_pg "$BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -m fast -w -t 60 restart >/dev/null
    log "PostgreSQL restarted"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) restart ;;
    status) pg_isready -h 127.0.0.1 -p "$COE_PG_PORT" ;;
    # psql as the superuser on the local socket, in the project's database (provisioning).
    psql) shift; exec psql -X -h "$PG_DIR/sock" -p "$COE_PG_PORT" -U postgres -d "$COE_DB_NAME" "$@" ;;
    *) echo "usage: $0 start|stop|restart|status|psql ARGS..." >&2; exit 2 ;;
esac
