#!/usr/bin/env bash
# The seed drill (Tests/drill/run.sh) on a home whose store is PostgreSQL: a scratch cluster
# (with-cluster.sh), a new database named in [store] url, the password in PGPASSWORD only.
# Phases 1, 2 and 5 run as the seed writes them; Phase 3 drops the tables and Phase 4 restores
# the off-host copy into the database (see run.sh). The cluster is removed on exit.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${PG_STATE:-}" ]; then
    exec bash "$here/with-cluster.sh" bash "$0" "$@"
fi
bash "$here/cluster.sh" createdb "$PG_STATE" spl_drill || exit 1
SPL_DRILL_STORE_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/spl_drill?sslmode=disable" \
    bash "$here/../drill/run.sh"
