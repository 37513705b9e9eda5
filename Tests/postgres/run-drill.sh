#!/usr/bin/env bash
# The seed drill (Tests/drill/run.sh) on a home whose store is PostgreSQL: a scratch cluster
# (with-cluster.sh), a new database named in [store] url, the password in PGPASSWORD only.
# Phases 1, 2 and 5 run as the seed writes them; Phase 3 drops the tables and Phase 4 restores
# the off-host copy into the database (see run.sh). The cluster is removed on exit.
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/with-cluster.sh" --database spl_drill \
    bash -c 'SPL_DRILL_STORE_URL="$SPL_PG_URL" exec bash "$0"' "$here/../drill/run.sh"
