#!/usr/bin/env bash
# Differential test of the S3 request signer (AWSSignatureV4) against botocore 1.44.18:
# sigv4_vectors.py makes COUNT random requests (methods, keys with odd characters, query
# strings with repeats, empty values and encoded characters, headers with repeats and
# untrimmed values, payloads, regions, session tokens, dates) and signs them with botocore's
# S3SigV4Auth; the Swift test AWSSignatureV4VectorTests/matchesBotocoreOnFreshVectors signs
# each again and must produce the same Authorization, X-Amz-Date and X-Amz-Content-SHA256.
#
#   Tests/s3/run-sigv4-differential.sh [COUNT] [--seed SEED]
#
# Needs the test build (swift build --build-tests). botocore comes from PyPI into the cached
# venv .build/venv-s3 (venv.sh). Fails unless the Swift test ran and checked COUNT vectors.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=venv.sh
. "$here/venv.sh"

count="${1:-2000}"
shift || true
s3_ensure_venv "$root"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
"$s3_venv/bin/python" "$here/sigv4_vectors.py" --count "$count" "$@" >"$scratch/vectors.jsonl"

cd "$root"
SPL_SIGV4_VECTORS="$scratch/vectors.jsonl" SPL_SIGV4_RESULT="$scratch/checked" \
    swift test --skip-build --filter "AWSSignatureV4VectorTests/matchesBotocoreOnFreshVectors" >"$scratch/swift-test.log" 2>&1 \
    || { tail -40 "$scratch/swift-test.log" >&2; echo "run-sigv4-differential.sh: the signer differs from botocore" >&2; exit 1; }
checked="$(cat "$scratch/checked" 2>/dev/null || echo 0)"
if [ "$checked" != "$count" ]; then
    tail -20 "$scratch/swift-test.log" >&2
    echo "run-sigv4-differential.sh: the Swift test checked $checked of $count vectors" >&2
    exit 1
fi
echo "sigv4 differential: $count requests signed identically by botocore and AWSSignatureV4"
