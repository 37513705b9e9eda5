#!/usr/bin/env bash
# HTTPS on the TCP listener, checked with the public Python SDK (syncropel==0.7.0):
# a test CA and a server certificate for 127.0.0.2 are made with openssl, a real
# `spl serve --daemon --host 127.0.0.2` serves them ([server] tls_cert and tls_key) in a
# scratch home with a scratch HOME, and tls_check.py checks that the SDK connects and writes
# with the test CA, that a client without the CA is refused by its own verification, and
# that plain HTTP gets no answer. 127.0.0.2 is loopback on Linux but not the address a
# default client uses, so the check does not pass by accident on 127.0.0.1.
#   SPL_BIN  the binary (default .build/debug/spl)
#   SPL_VENV reuse this virtualenv (default .build/venv-tls, created when missing)
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ -z "${SPL_TLS_UNDER_TIMEOUT:-}" ]; then
    SPL_TLS_UNDER_TIMEOUT=1 exec timeout --kill-after=20 "${SPL_TLS_TIMEOUT:-180}" bash "$0" "$@"
fi
set -uo pipefail

spl="${SPL_BIN:-$root/.build/debug/spl}"
case "$spl" in /*) ;; *) spl="$(pwd)/$spl" ;; esac
command -v openssl >/dev/null || { echo "tls/run.sh: openssl is not installed (apt-get install openssl)" >&2; exit 2; }
source "$root/Tests/sdk-scratch.sh"
sdk_scratch tls/run.sh "$root/.build/venv-tls"
mkdir -p "$scratch/pki"

pki="$scratch/pki"
(
    set -e
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj "/CN=spl test CA" -keyout "$pki/ca.key" -out "$pki/ca.pem"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=127.0.0.2" -keyout "$pki/server.key" -out "$pki/server.csr"
    printf 'subjectAltName=IP:127.0.0.2\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > "$pki/server.ext"
    openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
        -days 2 -extfile "$pki/server.ext" -out "$pki/server.pem"
    chmod 600 "$pki/server.key"
) >"$scratch/openssl.out" 2>&1 || { echo "tls/run.sh: making the test CA failed:" >&2; cat "$scratch/openssl.out" >&2; exit 2; }

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0)); print(s.getsockname()[1])')"
export SYNCROPEL_HOME="$scratch/home"
export HOME="$scratch/user"
unset SPL_BACKUP_ROOT
printf '[server]\ntls_cert = "%s"\ntls_key = "%s"\n' "$pki/server.pem" "$pki/server.key" > "$scratch/home/config.toml"

if ! "$spl" serve --daemon --host 127.0.0.2 --port "$port" >"$scratch/serve.out" 2>&1; then
    echo "tls/run.sh: spl serve --daemon --host 127.0.0.2 --port $port failed:" >&2
    cat "$scratch/serve.out" >&2
    exit 1
fi

"$venv/bin/python" "$here/tls_check.py" --host 127.0.0.2 --port "$port" --ca "$pki/ca.pem"
