#!/usr/bin/env bash
# The SDK conformance suite (Tests/conformance) against a daemon whose store is PostgreSQL:
# a scratch cluster (with-cluster.sh), a new database, the password in PGPASSWORD only,
# [store] url in the scratch home's config.toml. The cluster is stopped and removed on exit;
# a cluster that cannot start fails the run.
#   SPL_BIN  the binary (default .build/debug/spl)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${PG_STATE:-}" ]; then
    exec bash "$here/with-cluster.sh" bash "$0" "$@"
fi
bash "$here/cluster.sh" createdb "$PG_STATE" spl_conformance || exit 1
SPL_CONFORMANCE_STORE_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/spl_conformance?sslmode=disable" \
    bash "$here/../conformance/run.sh"
