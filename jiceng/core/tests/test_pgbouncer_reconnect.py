"""deploy/patroni/pgbouncer-reconnect.sh, Patroni's on_role_change callback: on a promotion it
reconnects PgBouncer only once the node has left recovery (Patroni calls it before the
promotion is done), on any other change at once. The real script runs; `psql` is a stand-in
that writes down what it was asked and says "in recovery" the first time (a real node cannot
be held half-promoted; test_failover runs the script against a real cluster)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "deploy" / "patroni" / "pgbouncer-reconnect.sh"

PSQL = """#!/bin/sh
echo "$*" >> "$LOG"
case "$*" in
*pg_is_in_recovery*)
    if [ -e "$LOG.asked" ]; then echo f; else touch "$LOG.asked"; echo t; fi ;;
esac
"""


def run(tmp_path: Path, *arguments: str) -> list[str]:
    psql = tmp_path / "psql"
    psql.write_text(PSQL)
    psql.chmod(0o755)
    log = tmp_path / "log"
    env = {"PATH": "/usr/bin:/bin", "PSQL": str(psql), "LOG": str(log), "POSTGRES_PORT": "5999"}
    done = subprocess.run(
        ["/bin/sh", str(SCRIPT), *arguments], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return log.read_text().splitlines()


def test_a_promotion_reconnects_once_the_node_has_left_recovery(tmp_path: Path) -> None:
    asked = run(tmp_path, "on_role_change", "master", "jiceng")
    assert len(asked) == 3
    assert all("pg_is_in_recovery" in line and "-p 5999" in line for line in asked[:2])
    assert asked[2].endswith("-d pgbouncer -c RECONNECT")


def test_a_demotion_reconnects_at_once(tmp_path: Path) -> None:
    asked = run(tmp_path, "on_role_change", "replica", "jiceng")
    assert len(asked) == 1 and asked[0].endswith("-c RECONNECT")
