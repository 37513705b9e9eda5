#!/usr/bin/env bash
# Differential test of `spl record id --lines` against the Python SDK
# (syncropel==0.7.0, canonical_json + SHA-256). Arguments go to differential.py:
#   Tests/differential/run.sh [COUNT] [--seed SEED] [--invalid N]
# SPL_BIN picks the binary (default .build/debug/spl); SPL_VENV reuses a virtualenv
# instead of creating a throwaway one.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
spl="${SPL_BIN:-$root/.build/debug/spl}"
if [ ! -x "$spl" ]; then
    echo "run.sh: no spl binary at $spl (build it with: swift build --product spl, or set SPL_BIN)" >&2
    exit 2
fi

if [ -n "${SPL_VENV:-}" ]; then
    venv="$SPL_VENV"
else
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    venv="$scratch/venv"
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check syncropel==0.7.0

"$venv/bin/python" "$here/differential.py" "$spl" "$@"
