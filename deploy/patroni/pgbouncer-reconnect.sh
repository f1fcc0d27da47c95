#!/bin/sh
# Patroni's on_role_change callback (deploy/patroni/patroni.yml: postgresql.callbacks), called
# as `pgbouncer-reconnect.sh ACTION ROLE SCOPE` when this node is promoted or demoted.
#
# PgBouncer keeps the parameters its server reported when the pool first connected, among them
# in_hot_standby, and hands them to every client: after a promotion it would go on telling
# libpq "standby", and target_session_attrs=read-write would skip the new primary for good.
# RECONNECT makes PgBouncer open fresh server connections, which report the node's new role.
# (jiceng/core/tests/test_failover.py runs this script; without it the test fails.)
#
# Patroni calls this as soon as it has asked for the promotion (`pg_ctl promote -W`, then the
# callback, then the wait), so on a busy machine the node may still be in recovery here, and
# connections opened now would report "standby" again, for good. On a promotion the script
# first waits, at most 60 s, for the node to leave recovery, asking the local PostgreSQL itself
# (POSTGRES_HOST, default its socket directory, POSTGRES_PORT 5432, as the postgres user Patroni
# runs as: Debian's peer authentication, no password).
set -eu
role=${2:-}
host=${PGBOUNCER_HOST:-/var/run/postgresql}
port=${PGBOUNCER_PORT:-6432}
user=${PGBOUNCER_ADMIN:-postgres}

in_recovery() {
    "${PSQL:-psql}" -X -qAt -h "${POSTGRES_HOST:-/var/run/postgresql}" -p "${POSTGRES_PORT:-5432}" \
        -U postgres -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null || echo t
}

case $role in
master | primary)
    tries=0
    while [ "$(in_recovery)" != f ]; do
        tries=$((tries + 1))
        if [ "$tries" -ge 120 ]; then
            echo "pgbouncer-reconnect: the node is still in recovery after 60 s; reconnecting anyway" >&2
            break
        fi
        sleep 0.5
    done
    ;;
esac
exec "${PSQL:-psql}" -X -q -h "$host" -p "$port" -U "$user" -d pgbouncer -c RECONNECT
