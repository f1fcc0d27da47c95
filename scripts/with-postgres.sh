#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD...
#
# Starts a private, throwaway PostgreSQL 15 server (trust auth, 127.0.0.1, a free port chosen
# now), runs CMD with DATABASE_URL pointing at it, then stops the server and removes its files,
# whether CMD passed, failed or was interrupted. Exits with CMD's status.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 CMD..." >&2
    exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$("$root/scripts/pg-bindir.sh")

# initdb refuses to run as root: as root, the server runs as Debian's postgres user.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
    owner=postgres
    if ! id "$owner" >/dev/null 2>&1; then
        owner=jiceng-pg
        id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    fi
    as_owner=(runuser -u "$owner" --)
fi

# The cluster lives under var/ unless the server's user cannot reach it there (a clone under
# /root, say, which only root may enter); then under the system's temporary directory.
mkdir -p "$root/var"
pgdir=$(mktemp -d "$root/var/pg.XXXXXX")
if [[ ${#as_owner[@]} -gt 0 ]]; then
    chown "$owner" "$pgdir"
    if ! "${as_owner[@]}" test -w "$pgdir"; then
        rmdir "$pgdir"
        pgdir=$(mktemp -d "${TMPDIR:-/tmp}/jiceng-pg.XXXXXX")
        chown "$owner" "$pgdir"
    fi
fi
data=$pgdir/data

# shellcheck disable=SC2317  # called by the trap
stop() {
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -s stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log" >&2; exit 1; }

# A test cluster holds nothing worth a crash-safe write: skip the fsyncs.
started=
for _ in 1 2 3; do
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # pg_ctl hands these options to a shell: they must stay on one line.
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$pgdir'"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -l "$pgdir/server.log" -w -t 60 -s \
        -o "$opts" start; then
        started=1
        break
    fi
    # Another process may have taken the port between choosing it and binding it.
    tail -n 5 "$pgdir/server.log" >&2 || true
done
if [[ -z $started ]]; then
    echo "with-postgres: the server did not start" >&2
    exit 1
fi

"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres jiceng
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/jiceng"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $DATABASE_URL" >&2

status=0
"$@" || status=$?
exit "$status"
