# Sourced by moto.sh and run-sigv4-differential.sh. s3_ensure_venv makes $s3_venv hold exactly
# requirements.txt (moto[server], boto3, botocore from PyPI), installing only when the venv is
# missing or was made from other requirements, so repeated runs start in a second.
# SPL_S3_VENV picks another folder (default .build/venv-s3 in the package root).

s3_ensure_venv() {
    local root="$1"
    local requirements="$root/Tests/s3/requirements.txt"
    s3_venv="${SPL_S3_VENV:-$root/.build/venv-s3}"
    mkdir -p "$(dirname "$s3_venv")"
    # One installer at a time: the moto fixture and the differential script may start together.
    (
        flock 9
        if cmp -s "$requirements" "$s3_venv/installed-requirements.txt"; then
            exit 0
        fi
        rm -rf "$s3_venv"
        python3 -m venv "$s3_venv" \
            && "$s3_venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" \
            && cp "$requirements" "$s3_venv/installed-requirements.txt"
    ) 9>"$s3_venv.lock" || { echo "venv.sh: could not install $requirements into $s3_venv" >&2; return 1; }
}
