#!/usr/bin/env bash
# Usage: scripts/pitr-drill.sh [--keep]
#
# The point-in-time recovery drill of docs/部署与运维手册.md, on a private throwaway PostgreSQL
# cluster: nothing of an installation is touched.
#
#   1. a primary with archive_mode on, whose archive_command copies each WAL file to archive/
#   2. a base backup (pg_basebackup), then rows written after it
#   3. a target time noted, then more rows written, the WAL switched and archived
#   4. the base backup restored into a new directory with restore_command (from archive/) and
#      recovery_target_time, started, promoted
#   5. the rows written before the target are there, those written after it are not
#
# The clusters listen on a Unix socket in their own temporary directory only (no TCP port),
# so drills run side by side (pytest-xdist) without meeting. Every wait is bounded; the
# directory is removed at the end (--keep leaves it, to read the logs). Exits 0 when the
# restore holds exactly what it should.
set -euo pipefail

keep=
[[ ${1:-} == --keep ]] && keep=1

root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$("$root/scripts/pg-bindir.sh")

# initdb refuses to run as root: as root, the servers run as Debian's postgres user (as in
# scripts/with-postgres.sh).
as_owner=()
owner=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    owner=postgres
    if ! id "$owner" >/dev/null 2>&1; then
        owner=jiceng-pg
        id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    fi
    as_owner=(runuser -u "$owner" --)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/jiceng-pitr.XXXXXX")
chmod 755 "$work"
mkdir -p "$work/archive" "$work/sock"
[[ $(id -u) -eq 0 ]] && chown -R "$owner" "$work"

primary=$work/primary
restored=$work/restored

# shellcheck disable=SC2317  # called by the trap
finish() {
    for data in "$primary" "$restored"; do
        if [[ -f $data/postmaster.pid ]]; then
            "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -s stop >/dev/null 2>&1 || true
        fi
    done
    if [[ -n $keep ]]; then
        echo "pitr-drill: kept $work"
    else
        rm -rf "$work"
    fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { echo "pitr-drill: $*"; }
sql() { "$bindir/psql" -h "$work/sock" -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -Atqc "$1"; }
fail() {
    echo "pitr-drill: FAILED: $*" >&2
    for log in "$primary.log" "$restored.log"; do
        [[ -f $log ]] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
    done
    exit 1
}
# Waits up to $1 seconds for the query $2 to answer $3.
wait_for() {
    local deadline=$((SECONDS + $1))
    until [[ $(sql "$2" 2>/dev/null || true) == "$3" ]]; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

# 1. The primary: WAL archived to archive/ by a copy that never overwrites a file.
"${as_owner[@]}" "$bindir/initdb" -D "$primary" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
cat >>"$primary/postgresql.conf" <<EOF
listen_addresses = ''
port = 5432
unix_socket_directories = '$work/sock'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $work/archive/%f && cp %p $work/archive/%f'
# a throwaway cluster: no fsync
fsync = off
EOF
"${as_owner[@]}" "$bindir/pg_ctl" -D "$primary" -l "$primary.log" -w -t 60 -s start ||
    fail "the primary did not start"

sql "CREATE TABLE drill (id integer PRIMARY KEY, phase text NOT NULL,
     written_at timestamptz NOT NULL DEFAULT clock_timestamp())"
sql "INSERT INTO drill (id, phase) SELECT g, 'before-base' FROM generate_series(1, 100) g"

# 2. The base backup, then rows that only the archived WAL holds.
"${as_owner[@]}" "$bindir/pg_basebackup" -h "$work/sock" -p 5432 -U postgres -D "$work/base" \
    -Fp -X stream -c fast >"$work/basebackup.log" 2>&1 || fail "pg_basebackup: $(cat "$work/basebackup.log")"
say "base backup taken"
sql "INSERT INTO drill (id, phase) SELECT g, 'before-target' FROM generate_series(101, 200) g"

# 3. The target: a time after the last commit above (UTC, to the microsecond; the guide's
# drill names a minute, the same setting). Then rows after it, and their WAL archived.
target=$(sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sql "INSERT INTO drill (id, phase) SELECT g, 'after-target' FROM generate_series(201, 300) g"
segment=$(sql "SELECT pg_walfile_name(pg_current_wal_lsn())")
sql "SELECT pg_switch_wal()" >/dev/null
wait_for 60 "SELECT last_archived_wal >= '$segment' FROM pg_stat_archiver" t ||
    fail "WAL $segment was not archived within 60 s"
say "target $target; WAL archived up to $segment"
"${as_owner[@]}" "$bindir/pg_ctl" -D "$primary" -m fast -w -t 60 -s stop

# 4. The restore: the base backup in a new directory, recovering from the archive to the target.
cp -a "$work/base" "$restored"
cat >>"$restored/postgresql.conf" <<EOF
archive_mode = off
restore_command = 'cp $work/archive/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
"${as_owner[@]}" touch "$restored/recovery.signal"
"${as_owner[@]}" "$bindir/pg_ctl" -D "$restored" -l "$restored.log" -w -t 120 -s start ||
    fail "the restored cluster did not start"
wait_for 120 "SELECT pg_is_in_recovery()" f || fail "recovery did not end within 120 s"
grep -q "recovery stopping before commit" "$restored.log" ||
    fail "the server log does not say where recovery stopped"

# 5. What the restore holds.
found=$(sql "SELECT string_agg(phase || '=' || n, ' ' ORDER BY phase)
             FROM (SELECT phase, count(*) AS n FROM drill GROUP BY phase) t")
expected="before-base=100 before-target=100"
[[ $found == "$expected" ]] || fail "restored rows: '$found', expected '$expected'"
say "restored to $target: $found, none written after the target"
say "OK"
