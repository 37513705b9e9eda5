#!/usr/bin/env bash
# Runs the operator drill (../shared/seed/backup-restore-drill.txt) against the built `spl`,
# its commands copied verbatim phase by phase, with checks between them. Scratch HOME and
# DRILL_HOME (mktemp -d), port 9300; the daemon is stopped and both folders are removed on
# exit. Prints each phase's wall time and a summary; exits non-zero if any check failed.
#   SPL_BIN           the binary (default .build/debug/spl)
#   SPL_DRILL_TIMEOUT seconds before a hung drill is killed (default 300)
#   SPL_DRILL_STORE_URL a postgresql:// URL (password in PGPASSWORD) for the home's [store] url
#                     (Tests/postgres/run-drill.sh): Phases 1, 2, 5 run as written; Phase 3
#                     drops the database's tables instead of zero-filling hub.db (psql), and
#                     Phase 4 restores the off-host copy into it with 'spl backup restore'.
#
# No `set -e`: some drill lines legitimately fail or print nothing (with per-instance backup
# folders, `ls … | grep hub.db.bak` finds nothing); the checks decide.

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

# A hung daemon must fail the drill, not hang CI: rerun under timeout(1), which signals
# this script's whole process group (the daemon lives in a session of its own).
if [ -z "${SPL_DRILL_UNDER_TIMEOUT:-}" ]; then
    SPL_DRILL_UNDER_TIMEOUT=1 exec timeout --kill-after=20 "${SPL_DRILL_TIMEOUT:-300}" bash "$0" "$@"
fi

spl_bin="${SPL_BIN:-$root/.build/debug/spl}"
if [ ! -x "$spl_bin" ]; then
    echo "run.sh: no spl binary at $spl_bin (build it with: swift build --product spl, or set SPL_BIN)" >&2
    exit 2
fi
for tool in jq sha256sum find; do
    command -v "$tool" >/dev/null || { echo "run.sh: the drill needs $tool on PATH" >&2; exit 2; }
done

scratch="$(mktemp -d)"
mkdir -p "$scratch/bin" "$scratch/home"
ln -s "$spl_bin" "$scratch/bin/spl"
export PATH="$scratch/bin:$PATH"
export HOME="$scratch/home"
# The drill hard-codes the default backup root and names the home on every command.
unset SPL_BACKUP_ROOT SYNCROPEL_HOME
DRILL_HOME="$(mktemp -d)"

cleanup() {
    if [ -d "$DRILL_HOME" ]; then
        SYNCROPEL_HOME="$DRILL_HOME" spl stop >/dev/null 2>&1
    fi
    rm -rf "$scratch" "$DRILL_HOME"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 124' INT TERM

checks=0
failed=()
check() {
    local what="$1"
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "   [check] ok: $what"
    else
        echo "   [check] FAILED: $what"
        failed+=("$what")
    fi
}

phases=()
phase_started=0
phase_begin() {
    phase_name="$1"
    echo
    echo "== $phase_name"
    phase_started="$(date +%s.%N)"
}
phase_end() {
    local seconds
    seconds="$(awk -v a="$phase_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')"
    phases+=("$(printf '%-40s %8s s' "$phase_name" "$seconds")")
    echo "-- $phase_name: $seconds s"
}

status_ok() { grep -qE '^Status:[[:space:]]+ok' <<<"$1"; }
pg="${SPL_DRILL_STORE_URL:-}"
home_has_layout() {
    { [ -n "$pg" ] || [ -f "$DRILL_HOME/hub.db" ]; } && [ -d "$DRILL_HOME/keys" ] && [ -d "$DRILL_HOME/run" ] && [ -d "$DRILL_HOME/logs" ]
}
baseline_ok() { [ "$BASELINE_COUNT" = 3 ] && [[ "$BASELINE_LAST" =~ ^[0-9a-f]{64}$ ]]; }
one_nonempty_backup() {
    local matches=()
    shopt -s nullglob
    matches=("$HOME/.local/share/syncropel/backups/"*/hub.db.bak)
    shopt -u nullglob
    [ "${#matches[@]}" -eq 1 ] && [ -s "${matches[0]}" ]
}
# Every file under the backup root: path, size, mtime (ns) and SHA-256.
backup_fingerprint() {
    local backups="$HOME/.local/share/syncropel/backups"
    find "$backups" -type f -printf '%p %s %T@\n' | sort
    find "$backups" -type f -exec sha256sum {} + | sort
}
error_logged_for_store() {
    # The file may be named in the message or in a field of its own (`path`).
    jq -rR 'fromjson? | select(.level == "ERROR") | [.[] | strings] | join(" ")' "$DRILL_HOME/logs/spl.log" 2>/dev/null \
        | grep -qF "${pg:-$DRILL_HOME/hub.db}"
}
equal() { [ "$1" = "$2" ]; }

drill_started="$(date +%s.%N)"
echo "drill: spl=$spl_bin HOME=$HOME DRILL_HOME=$DRILL_HOME"

# ---------------------------------------------------------------- setup
phase_begin "Setup: spawn the test daemon"
# (The drill's `export DRILL_HOME=/tmp/syncro-drill-$(date +%s)` is replaced by mktemp -d above.)
mkdir -p "$DRILL_HOME"
[ -z "$pg" ] || printf '[store]\nurl = "%s"\n' "$pg" >"$DRILL_HOME/config.toml"
SYNCROPEL_HOME="$DRILL_HOME" spl serve --daemon --port 9300
start_rc=$?
check "spl serve --daemon exits 0 (got $start_rc)" equal "$start_rc" 0

# Verify the test daemon is up + isolated from prod
status_output="$(SYNCROPEL_HOME="$DRILL_HOME" spl status 2>&1 | head -3)"
printf '%s\n' "$status_output"
check "status reports Status: ok" status_ok "$status_output"
ls "$DRILL_HOME"
check "the home holds hub.db, keys/, run/, logs/" home_has_layout
phase_end

# ---------------------------------------------------------------- phase 1
phase_begin "Phase 1: emit baseline records"
SYNCROPEL_HOME="$DRILL_HOME" spl know "drill-baseline-fact-1" --thread th_drill
SYNCROPEL_HOME="$DRILL_HOME" spl know "drill-baseline-fact-2" --thread th_drill
SYNCROPEL_HOME="$DRILL_HOME" spl know "drill-baseline-fact-3" --thread th_drill

# Capture the baseline record count + most-recent record id for verification
BASELINE_COUNT=$(SYNCROPEL_HOME="$DRILL_HOME" spl thread records th_drill -o json | jq 'length')
BASELINE_LAST=$(SYNCROPEL_HOME="$DRILL_HOME" spl thread records th_drill -o json | jq -r '.[-1].id')
echo "baseline: $BASELINE_COUNT records, last=$BASELINE_LAST"
check "baseline: 3 records, last id is 64 hex" baseline_ok
phase_end

# ---------------------------------------------------------------- phase 2
phase_begin "Phase 2: force a backup"
SYNCROPEL_HOME="$DRILL_HOME" spl serve --stop
SYNCROPEL_HOME="$DRILL_HOME" spl serve --daemon --port 9300
restart_rc=$?
check "the restart exits 0 (got $restart_rc)" equal "$restart_rc" 0

# Verify the backup file exists and has non-trivial size
ls -lh "$HOME/.local/share/syncropel/backups/" | grep hub.db.bak
check "backups/*/hub.db.bak matches exactly one non-empty file" one_nonempty_backup

mkdir -p "$DRILL_HOME/offsite"
cp "$HOME/.local/share/syncropel/backups/"*/hub.db.bak "$DRILL_HOME/offsite/hub.db.drill.bak" 2>/dev/null \
  || cp "$HOME/.local/share/syncropel/backups/hub.db.bak" "$DRILL_HOME/offsite/hub.db.drill.bak"

ls -lh "$DRILL_HOME/offsite/"
phase_end

# ---------------------------------------------------------------- phase 3
phase_begin "Phase 3: simulate corruption"
SYNCROPEL_HOME="$DRILL_HOME" spl serve --stop

if [ -z "$pg" ]; then
# Move the good store aside so we can inspect later if needed
mv "$DRILL_HOME/hub.db" "$DRILL_HOME/hub.db.was-good.$(date +%s)"

# Synthesize a "corrupt" hub.db (all zeros — fails SQLite header check)
dd if=/dev/zero of="$DRILL_HOME/hub.db" bs=4096 count=1 2>/dev/null
else
# A PostgreSQL store is lost another way: its tables are gone.
psql -q "$pg" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public'
fi

backups_before="$(backup_fingerprint)"
# Confirm the daemon refuses to start cleanly
SYNCROPEL_HOME="$DRILL_HOME" spl serve --daemon --port 9300 2>&1 | tail -5
refused_rc=${PIPESTATUS[0]}
check "the damaged store is refused with exit 2 (got $refused_rc)" equal "$refused_rc" 2

log_output="$(tail -10 "$DRILL_HOME/logs/spl.log" 2>/dev/null | grep -iE 'error|panic|sqlite' || echo "log empty — check ~/.syncro instead")"
printf '%s\n' "$log_output"
check "logs/spl.log has an ERROR line naming ${pg:-$DRILL_HOME/hub.db}" error_logged_for_store
check "every file under the backup root is unchanged (sha256 + mtime)" equal "$(backup_fingerprint)" "$backups_before"
phase_end

# ---------------------------------------------------------------- phase 4
phase_begin "Phase 4: restore from off-host backup"
if [ -z "$pg" ]; then
# Move the corrupt store aside (don't delete — keep for forensics)
mv "$DRILL_HOME/hub.db" "$DRILL_HOME/hub.db.corrupt.$(date +%s)"
rm -f "$DRILL_HOME/hub.db-wal" "$DRILL_HOME/hub.db-shm"

# Restore from the off-host backup
cp "$DRILL_HOME/offsite/hub.db.drill.bak" "$DRILL_HOME/hub.db"
else
SYNCROPEL_HOME="$DRILL_HOME" spl backup restore "$DRILL_HOME/offsite/hub.db.drill.bak" --yes
restore_rc=$?
check "spl backup restore into the database exits 0 (got $restore_rc)" equal "$restore_rc" 0
fi

# Restart
SYNCROPEL_HOME="$DRILL_HOME" spl serve --daemon --port 9300
restored_rc=$?
check "the restored daemon starts with exit 0 (got $restored_rc)" equal "$restored_rc" 0

# Verify daemon up
status_output="$(SYNCROPEL_HOME="$DRILL_HOME" spl status 2>&1 | head -3)"
printf '%s\n' "$status_output"
check "status reports Status: ok" status_ok "$status_output"
phase_end

# ---------------------------------------------------------------- phase 5
phase_begin "Phase 5: verify state recovered"
RESTORED_COUNT=$(SYNCROPEL_HOME="$DRILL_HOME" spl thread records th_drill -o json | jq 'length')
RESTORED_LAST=$(SYNCROPEL_HOME="$DRILL_HOME" spl thread records th_drill -o json | jq -r '.[-1].id')

echo "baseline:  $BASELINE_COUNT records, last=$BASELINE_LAST"
echo "restored:  $RESTORED_COUNT records, last=$RESTORED_LAST"

verdict="$([ "$BASELINE_COUNT" = "$RESTORED_COUNT" ] && [ "$BASELINE_LAST" = "$RESTORED_LAST" ] \
  && echo "✓ state matches baseline" \
  || echo "✗ state mismatch — investigate")"
printf '%s\n' "$verdict"
check "the verdict is '✓ state matches baseline'" equal "$verdict" "✓ state matches baseline"

SYNCROPEL_HOME="$DRILL_HOME" spl trust 2>&1 | head -5
trust_rc=${PIPESTATUS[0]}
check "spl trust exits 0 (got $trust_rc)" equal "$trust_rc" 0
SYNCROPEL_HOME="$DRILL_HOME" spl config list-rules 2>&1 | head -5
rules_rc=${PIPESTATUS[0]}
check "spl config list-rules exits 0 (got $rules_rc)" equal "$rules_rc" 0
phase_end

# ---------------------------------------------------------------- phase 6
phase_begin "Phase 6: clean up"
SYNCROPEL_HOME="$DRILL_HOME" spl serve --stop
SYNCROPEL_HOME="$DRILL_HOME" spl status >/dev/null 2>&1
stopped_rc=$?
check "no daemon runs before the home is removed (spl status exit $stopped_rc)" equal "$stopped_rc" 3
if [ "$stopped_rc" != 3 ] && [ -f "$DRILL_HOME/run/spl.pid" ]; then
    # Never leave a daemon running on a deleted home.
    kill -9 "$(cat "$DRILL_HOME/run/spl.pid")" 2>/dev/null
fi
rm -rf "$DRILL_HOME"
phase_end

# ---------------------------------------------------------------- summary
total="$(awk -v a="$drill_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')"
echo
echo "== drill summary"
printf '%s\n' "${phases[@]}"
printf '%-40s %8s s\n' "total" "$total"
echo "checks: $checks, failed: ${#failed[@]}"
for what in "${failed[@]}"; do
    echo "  FAILED: $what"
done
[ "${#failed[@]}" -eq 0 ]
