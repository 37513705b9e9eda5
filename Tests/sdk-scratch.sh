# Sourced by the scripts that drive a real daemon through the public Python SDK
# (Tests/conformance/run.sh, Tests/tls/run.sh). `sdk_scratch NAME [VENV]` checks $spl, makes
# $scratch with a scratch home and HOME (the daemon stopped and the folder removed on exit),
# and $venv with syncropel==0.7.0: SPL_VENV, else VENV, else a throwaway one in $scratch.
# Exports SPL_BOOTSTRAP_TOKEN, the admin token the daemon mints at its first start and the
# scripts send: the Swift tests' TestToken.bootstrap.
sdk_scratch() {
    export SPL_BOOTSTRAP_TOKEN="spl_prod_sa_7e57700000000001_5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed"
    local name="$1"
    if [ ! -x "$spl" ]; then
        echo "$name: no spl binary at $spl (build it with: swift build --product spl, or set SPL_BIN)" >&2
        exit 2
    fi
    scratch="$(mktemp -d)"
    mkdir -p "$scratch/home" "$scratch/user"
    trap sdk_scratch_cleanup EXIT
    trap "echo '$name: interrupted' >&2; exit 124" INT TERM
    venv="${SPL_VENV:-${2:-$scratch/venv}}"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv" || { echo "$name: python3 -m venv failed" >&2; exit 2; }
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check syncropel==0.7.0 \
        || { echo "$name: pip install syncropel==0.7.0 failed" >&2; exit 2; }
}

sdk_scratch_cleanup() {
    if [ -d "$scratch/home/run" ]; then
        SYNCROPEL_HOME="$scratch/home" HOME="$scratch/user" "$spl" stop >/dev/null 2>&1
    fi
    rm -rf "$scratch"
}
