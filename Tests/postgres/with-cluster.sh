#!/usr/bin/env bash
# Runs one command beside a scratch PostgreSQL cluster (cluster.sh: initdb as postgres, a free
# loopback port), then stops and removes the cluster, whatever the command did:
#
#   Tests/postgres/with-cluster.sh [--database NAME] COMMAND [ARGUMENT...]
#
# The command sees PG_STATE (the cluster's folder, for 'cluster.sh createdb|halt|resume'),
# PG_HOST, PG_PORT, PG_USER, PGPASSWORD, and SPL_PG_ADMIN_URL, a postgresql:// URL of the
# 'postgres' database without its password. With --database, database NAME is created first
# and SPL_PG_URL names it the same way. Its exit status is this script's; a cluster that
# cannot start fails the run (exit 1), never skips it.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
database=""
if [ "${1:-}" = "--database" ]; then database="${2:-}"; shift 2; fi
[ $# -ge 1 ] || { echo "usage: with-cluster.sh [--database NAME] COMMAND [ARGUMENT...]" >&2; exit 2; }

state="$(mktemp -d /tmp/spl-pg-XXXXXX)"
trap 'bash "$here/cluster.sh" stop "$state" >/dev/null 2>&1 || true; rm -f "$state.env"' EXIT
if ! bash "$here/cluster.sh" start "$state" $$ >"$state.env"; then
    echo "with-cluster.sh: the PostgreSQL cluster did not start" >&2
    exit 1
fi
value() { sed -n "s/^$1=//p" "$state.env"; }
export PG_STATE="$state" PG_HOST="$(value PG_HOST)" PG_PORT="$(value PG_PORT)" PG_USER="$(value PG_USER)"
export PGPASSWORD="$(value PG_PASSWORD)"
export SPL_PG_ADMIN_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/postgres?sslmode=disable"
rm -f "$state.env"
if [ -n "$database" ]; then
    bash "$here/cluster.sh" createdb "$state" "$database" || exit 1
    export SPL_PG_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$database?sslmode=disable"
fi
"$@"
