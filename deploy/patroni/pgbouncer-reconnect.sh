#!/bin/sh
# Patroni's on_role_change callback (deploy/patroni/patroni.yml: postgresql.callbacks), called
# as `pgbouncer-reconnect.sh ACTION ROLE SCOPE` when this node is promoted or demoted.
#
# PgBouncer keeps the parameters its server reported when the pool first connected, among them
# in_hot_standby, and hands them to every client: after a promotion it would go on telling
# libpq "standby", and target_session_attrs=read-write would skip the new primary for good.
# RECONNECT makes PgBouncer open fresh server connections, which report the node's new role.
# (jiceng/core/tests/test_failover.py runs this script; without it the test fails.)
set -eu
host=${PGBOUNCER_HOST:-/var/run/postgresql}
port=${PGBOUNCER_PORT:-6432}
user=${PGBOUNCER_ADMIN:-postgres}
exec "${PSQL:-psql}" -X -q -h "$host" -p "$port" -U "$user" -d pgbouncer -c RECONNECT
