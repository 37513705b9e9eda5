#!/usr/bin/env bash
# The SDK conformance suite (Tests/conformance) against a daemon whose store is PostgreSQL:
# a scratch cluster (cluster.sh: initdb as postgres, a free loopback port), a new database,
# the password in PGPASSWORD only, [store] url in the scratch home's config.toml. The cluster
# is stopped and removed on exit; a cluster that cannot start fails the run.
#   SPL_BIN  the binary (default .build/debug/spl)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

state="$(mktemp -d /tmp/spl-pg-conformance-XXXXXX)"
trap 'bash "$here/cluster.sh" stop "$state" >/dev/null 2>&1 || true; rm -f "$state.env"' EXIT
if ! bash "$here/cluster.sh" start "$state" $$ >"$state.env"; then
    echo "run-conformance.sh: the PostgreSQL cluster did not start" >&2
    exit 1
fi
value() { sed -n "s/^$1=//p" "$state.env"; }
bash "$here/cluster.sh" createdb "$state" spl_conformance || exit 1
export PGPASSWORD="$(value PG_PASSWORD)"
export SPL_CONFORMANCE_STORE_URL="postgresql://$(value PG_USER)@127.0.0.1:$(value PG_PORT)/spl_conformance?sslmode=disable"
rm -f "$state.env"
bash "$root/Tests/conformance/run.sh"
