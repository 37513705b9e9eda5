#!/usr/bin/env bash
# A local S3 server that checks signatures, for the S3 replica tests: moto_server from PyPI
# (moto[server], in the cached venv .build/venv-s3, see venv.sh) on a free port of 127.0.0.1.
#
#   Tests/s3/moto.sh start STATE_DIR [OWNER_PID]
#       starts moto_server, makes the IAM user, policy, access key and bucket (moto_setup.py),
#       checks that a wrong secret is refused, and prints S3_ENDPOINT, S3_REGION, S3_BUCKET,
#       AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY as NAME=value lines. With OWNER_PID, the
#       server also stops by itself once that process is gone (a test run that crashed).
#   Tests/s3/moto.sh stop STATE_DIR
#       stops it and removes its files from STATE_DIR.
#
# A server that cannot be installed, started or prepared fails with a non-zero exit and the
# tail of its log: the tests that need it must fail, never skip.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=venv.sh
. "$here/venv.sh"

usage() { echo "usage: moto.sh start STATE_DIR [OWNER_PID] | stop STATE_DIR" >&2; exit 2; }

stop_server() {
    local state="$1" pid
    pid="$(cat "$state/moto.pid" 2>/dev/null)" || return 0
    # moto_server leads a session of its own (setsid): signal the whole group.
    kill -TERM -- "-$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    rm -f "$state/moto.pid" "$state/moto.env"
}

start_server() {
    local state="$1" owner="${2:-}"
    mkdir -p "$state" || exit 1
    s3_ensure_venv "$root" || exit 1
    local port
    port="$("$s3_venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
        || { echo "moto.sh: could not pick a free port" >&2; exit 1; }
    # A test process may start this script with signals blocked (threads of the Swift runtime
    # block them, and a blocked mask is inherited); unblock them so moto_server stops on TERM.
    INITIAL_NO_AUTH_ACTION_COUNT=4 setsid "$s3_venv/bin/python" -c \
        'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])' \
        "$s3_venv/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$state/moto.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$state/moto.pid"
    if ! "$s3_venv/bin/python" "$here/moto_setup.py" --port "$port" --pid "$pid" >"$state/moto.env" 2>"$state/setup.log"; then
        echo "moto.sh: moto_server on 127.0.0.1:$port could not be prepared:" >&2
        tail -20 "$state/setup.log" "$state/moto.log" >&2
        stop_server "$state"
        exit 1
    fi
    if [ -n "$owner" ]; then
        # Stops the server when the owner dies without calling stop; it ends with the server.
        nohup setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            kill -TERM -- "-$2" 2>/dev/null' watchdog "$owner" "$pid" </dev/null >/dev/null 2>&1 &
    fi
    cat "$state/moto.env"
}

case "${1:-}" in
    start) [ $# -ge 2 ] || usage; start_server "$2" "${3:-}" ;;
    stop) [ $# -eq 2 ] || usage; stop_server "$2" ;;
    *) usage ;;
esac
