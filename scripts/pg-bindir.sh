#!/usr/bin/env bash
# Prints the directory of the PostgreSQL 15 server programs (initdb, pg_ctl, postgres).
# Debian keeps them out of PATH, under /usr/lib/postgresql/15/bin.
set -euo pipefail
for dir in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
        echo "$dir"
        exit 0
    fi
done
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    exit 0
fi
echo "pg-bindir: no PostgreSQL server programs found (apt-get install postgresql-15)" >&2
exit 1
