#!/usr/bin/env bash
# The SDK conformance suite (Tests/conformance) against a daemon whose store is PostgreSQL:
# a scratch cluster (with-cluster.sh), a new database, the password in PGPASSWORD only,
# [store] url in the scratch home's config.toml. The cluster is stopped and removed on exit;
# a cluster that cannot start fails the run.
#   SPL_BIN  the binary (default .build/debug/spl)
here="$(cd "$(dirname "$0")" && pwd)"
exec bash "$here/with-cluster.sh" --database spl_conformance \
    bash -c 'SPL_CONFORMANCE_STORE_URL="$SPL_PG_URL" exec bash "$0"' "$here/../conformance/run.sh"
