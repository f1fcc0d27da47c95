#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, and only what is missing:
# PostgreSQL 15 (its server binaries), Chromium (for the browser tests in e2e/) and the Noto CJK
# fonts, without which Chromium draws Chinese as empty boxes in screenshots; Patroni, etcd and
# PgBouncer for the failover test.
set -euo pipefail

need=()
if [[ ! -x "$("$(dirname "$0")/pg-bindir.sh" 2>/dev/null)/initdb" ]]; then
    need+=(postgresql-15)
fi
if [[ ! -x ${JICENG_CHROMIUM:-/usr/bin/chromium} ]]; then
    need+=(chromium)
fi
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    need+=(fonts-noto-cjk)
fi
# The failover test's cluster (jiceng/core/tests/test_failover.py, deploy/patroni/): Patroni,
# etcd as its store, PgBouncer in front.
if ! command -v patroni >/dev/null; then
    need+=(patroni)
fi
if ! command -v etcd >/dev/null; then
    need+=(etcd-server)
fi
if ! command -v pgbouncer >/dev/null && [[ ! -x /usr/sbin/pgbouncer ]]; then
    need+=(pgbouncer)
fi
if [[ ${#need[@]} -eq 0 ]]; then
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
        echo "system-deps: missing ${need[*]}; install them as root (apt-get install ${need[*]})" >&2
        exit 1
    fi
    sudo=(sudo)
fi

# The tests start their own server on a free port (scripts/with-postgres.sh); Debian's package
# would otherwise create and start a "main" cluster on 5432 that nothing uses.
if [[ " ${need[*]} " == *" postgresql-15 "* && ! -e /etc/postgresql-common/createcluster.d/jiceng.conf ]]; then
    "${sudo[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" |
        "${sudo[@]}" tee /etc/postgresql-common/createcluster.d/jiceng.conf >/dev/null
fi

echo "system-deps: installing ${need[*]} from Debian's packages"
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 "${need[@]}" >/dev/null
echo "system-deps: installed in $((SECONDS - start)) s"
