#!/usr/bin/env bash
# A scratch PostgreSQL 15 cluster for the PostgresRecordStore tests, on a free port of 127.0.0.1.
#
#   Tests/postgres/cluster.sh start STATE_DIR [OWNER_PID]
#       initdb (as the unprivileged postgres user, scram-sha-256, a random superuser password)
#       into STATE_DIR/data, starts the server, waits until it answers, and prints PG_HOST,
#       PG_PORT, PG_USER, PG_PASSWORD and PG_DATA as NAME=value lines. With OWNER_PID, the
#       server also stops by itself once that process is gone (a test run that crashed).
#   Tests/postgres/cluster.sh createdb STATE_DIR NAME
#       creates database NAME.
#   Tests/postgres/cluster.sh halt STATE_DIR     stops the server, keeping its data and port.
#   Tests/postgres/cluster.sh resume STATE_DIR   starts it again on the same port.
#   Tests/postgres/cluster.sh stop STATE_DIR     stops it and removes STATE_DIR.
#
# A server that cannot be installed or started fails with a non-zero exit and the tail of its
# log: the tests that need it must fail, never skip.
set -uo pipefail

bin=/usr/lib/postgresql/15/bin
script="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

usage() { echo "usage: cluster.sh start STATE_DIR [OWNER_PID] | createdb STATE_DIR NAME | halt|resume|stop STATE_DIR" >&2; exit 2; }

as_postgres() { runuser -u postgres -- "$@"; }

# A fresh machine may lack the server: install it from Debian's packages.
ensure_installed() {
    [ -x "$bin/initdb" ] && return 0
    echo "cluster.sh: $bin/initdb is missing; installing postgresql-15" >&2
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql-15; } >&2 \
        || { echo "cluster.sh: apt-get install postgresql-15 failed" >&2; exit 1; }
    [ -x "$bin/initdb" ] || { echo "cluster.sh: postgresql-15 installed no $bin/initdb" >&2; exit 1; }
}

value() { sed -n "s/^$2=//p" "$1/cluster.env"; }

start_server() {
    local state="$1" port
    port="$(value "$state" PG_PORT)"
    # A test process may start this script with signals blocked; pg_ctl starts the server
    # detached, with the signal mask reset by postgres itself.
    if ! as_postgres "$bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$state -c max_connections=200" \
        start >"$state/pg_ctl.out" 2>&1; then
        echo "cluster.sh: the server on 127.0.0.1:$port did not start:" >&2
        tail -20 "$state/pg_ctl.out" "$state/server.log" >&2
        return 1
    fi
    for _ in $(seq 100); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
        sleep 0.1
    done
    echo "cluster.sh: the server on 127.0.0.1:$port does not answer:" >&2
    tail -20 "$state/server.log" >&2
    return 1
}

halt_server() {
    local state="$1"
    [ -f "$state/data/postmaster.pid" ] || return 0
    as_postgres "$bin/pg_ctl" -D "$state/data" -m fast -w -t 60 stop >/dev/null 2>&1
}

start_cluster() {
    local state="$1" owner="${2:-}"
    ensure_installed
    mkdir -p "$state" || exit 1
    chown postgres: "$state" && chmod 0700 "$state" || exit 1
    local password port
    password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
        || { echo "cluster.sh: could not pick a free port" >&2; exit 1; }
    (umask 077; printf '%s\n' "$password" >"$state/pwfile") && chown postgres: "$state/pwfile" || exit 1
    if ! as_postgres "$bin/initdb" -D "$state/data" -U postgres --pwfile="$state/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1; then
        echo "cluster.sh: initdb failed:" >&2
        tail -20 "$state/initdb.log" >&2
        exit 1
    fi
    rm -f "$state/pwfile"
    printf 'PG_HOST=127.0.0.1\nPG_PORT=%s\nPG_USER=postgres\nPG_PASSWORD=%s\nPG_DATA=%s\n' \
        "$port" "$password" "$state/data" >"$state/cluster.env"
    start_server "$state" || { rm -rf "$state"; exit 1; }
    if [ -n "$owner" ]; then
        # Stops the server and removes the folder when the owner dies without calling stop.
        nohup setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
            [ -d "$2" ] && "$0" stop "$2"' "$script" "$owner" "$state" </dev/null >/dev/null 2>&1 &
    fi
    cat "$state/cluster.env"
}

create_database() {
    local state="$1" name="$2"
    PGPASSWORD="$(value "$state" PG_PASSWORD)" "$bin/createdb" -h 127.0.0.1 -p "$(value "$state" PG_PORT)" \
        -U postgres "$name" || exit 1
}

case "${1:-}" in
    start) [ $# -ge 2 ] || usage; start_cluster "$2" "${3:-}" ;;
    createdb) [ $# -eq 3 ] || usage; create_database "$2" "$3" ;;
    halt) [ $# -eq 2 ] || usage; halt_server "$2" ;;
    resume) [ $# -eq 2 ] || usage; start_server "$2" || exit 1 ;;
    stop) [ $# -eq 2 ] || usage; halt_server "$2"; rm -rf "$2" ;;
    *) usage ;;
esac
