#!/usr/bin/env bash
# SDK conformance: the public Python SDK (syncropel==0.7.0, from PyPI into a fresh virtualenv)
# against a real `spl serve --daemon` on a free port, in a scratch home with a scratch HOME.
# The daemon is stopped and the folders removed on exit; exits non-zero if any check failed.
#   SPL_BIN  the binary (default .build/debug/spl)
#   SPL_VENV reuse this virtualenv instead of creating a throwaway one
#   SPL_CONFORMANCE_TIMEOUT seconds before a hung run is killed (default 240)
#   SPL_CONFORMANCE_STORE_URL a store URL for [store] url (default: the home's hub.db)
# The daemon runs with SPL_SSE_HEARTBEAT_SECS=1 so the heartbeat check is quick.

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# A hung daemon or stream must fail the run, not hang CI: rerun under timeout(1), which
# signals this script's whole process group (the daemon lives in a session of its own
# and is stopped by the EXIT trap).
if [ -z "${SPL_CONFORMANCE_UNDER_TIMEOUT:-}" ]; then
    SPL_CONFORMANCE_UNDER_TIMEOUT=1 exec timeout --kill-after=20 "${SPL_CONFORMANCE_TIMEOUT:-240}" bash "$0" "$@"
fi
set -uo pipefail

spl="${SPL_BIN:-$root/.build/debug/spl}"
case "$spl" in /*) ;; *) spl="$(pwd)/$spl" ;; esac
source "$root/Tests/sdk-scratch.sh"
sdk_scratch conformance/run.sh

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

export SYNCROPEL_HOME="$scratch/home"
export HOME="$scratch/user"
unset SPL_BACKUP_ROOT
# Heartbeats every second (default 15), so the heartbeat check takes seconds; the suite's
# restart of the daemon inherits this too.
export SPL_SSE_HEARTBEAT_SECS=1

# SPL_CONFORMANCE_STORE_URL runs the suite on another store (Tests/postgres/run-conformance.sh):
# written into the new home's config.toml, so the suite's own restart keeps it too.
if [ -n "${SPL_CONFORMANCE_STORE_URL:-}" ]; then
    mkdir -p "$SYNCROPEL_HOME"
    printf '[store]\nurl = "%s"\n' "$SPL_CONFORMANCE_STORE_URL" >"$SYNCROPEL_HOME/config.toml"
fi

if ! "$spl" serve --daemon --port "$port" >"$scratch/serve.out" 2>&1; then
    echo "run.sh: spl serve --daemon --port $port failed:" >&2
    cat "$scratch/serve.out" >&2
    exit 1
fi

# The daemon must serve the store asked for, not fall back to another.
grep -m1 '^Store:' "$scratch/serve.out"
if [ -n "${SPL_CONFORMANCE_STORE_URL:-}" ] && ! grep -qF "Store:    $SPL_CONFORMANCE_STORE_URL " "$scratch/serve.out"; then
    echo "run.sh: the daemon does not serve $SPL_CONFORMANCE_STORE_URL:" >&2
    cat "$scratch/serve.out" >&2
    exit 1
fi

PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" "$here/conformance.py" --spl "$spl" --port "$port"
