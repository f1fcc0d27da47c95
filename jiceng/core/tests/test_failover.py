"""The primary dies under intake load: Patroni promotes the synchronous standby, libpq's
multi-host URL finds it, intake resumes within 120 seconds, and every case whose intake was
answered with success is on the new primary (synchronous replication: a commit the citizen
was told of is on the standby before the answer).

PostgreSQL pass only (`scripts/with-postgres.sh`), on 127.0.0.1 with its own etcd and two
Patroni nodes, each behind its PgBouncer, on free ports under a temporary directory
(jiceng.testing.patroni_cluster); `make test` installs patroni, etcd and pgbouncer
(scripts/system-deps.sh). Bounded: each wait has a
timeout, the load stops by itself, and every process is killed at the end however the test
ends. The recovery time is printed (bench/RESULTS.md keeps the measured figure).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from jiceng.core import replicas
from jiceng.testing import patroni_cluster
from jiceng.testing.patroni_cluster import Cluster, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("patroni")]

LOAD = [sys.executable, "-m", "jiceng.testing.failover_load"]
RESUME_LIMIT = 120.0  # seconds the issue gives intake to resume after the primary dies


def run(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env, cwd=cwd
    )


def django_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
        "PYTHONPATH": str(settings.BASE_DIR),
    }


def copy_schema(cluster: Cluster, tmp_path: Path) -> None:
    """The Jiceng schema onto the cluster: the test database's, as `migrate` left it (its
    tables, indexes, triggers and the record of applied migrations), through the primary.
    A full `migrate` takes a minute and a half on the shared test machine; the copy, seconds."""
    bindir = patroni_cluster.pg_bindir()
    assert bindir is not None
    source = connection.settings_dict
    dump = tmp_path / "schema.sql"
    common = [f"--host={source['HOST']}", f"--port={source['PORT']}"]
    common += [f"--username={source['USER']}", "--no-owner", "--no-privileges"]
    schema = run([str(bindir / "pg_dump"), *common, "--schema-only", source["NAME"]])
    assert schema.returncode == 0, schema.stderr
    applied = run(
        [
            str(bindir / "pg_dump"),
            *common,
            "--data-only",
            "--table=django_migrations",
            source["NAME"],
        ]
    )
    assert applied.returncode == 0, applied.stderr
    dump.write_text(schema.stdout + applied.stdout)
    created = run([str(bindir / "psql"), cluster.dsn(), "-qc", "CREATE DATABASE jiceng"])
    assert created.returncode == 0, created.stderr
    loaded = run(
        [
            str(bindir / "psql"),
            cluster.dsn("jiceng"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-f",
            str(dump),
        ]
    )
    assert loaded.returncode == 0, loaded.stderr


class Load:
    """The intake load (jiceng.testing.failover_load) in its own process; its answers are
    collected by a thread as they come."""

    def __init__(self, database_url: str, stop: Path, seconds: float) -> None:
        self.stop = stop
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*LOAD, "--seconds", str(seconds), "--stop", str(stop)],
            env=django_env(database_url),
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    def answered(self, *, after: float = 0.0) -> list[tuple[int, float]]:
        """(case id, time) of each case answered with success, after `after` (unix time)."""
        cases = [line.split() for line in list(self.lines) if line.startswith("ok ")]
        return [(int(pk), float(at)) for _, pk, at in cases if float(at) > after]

    def failures(self) -> int:
        return sum(1 for line in list(self.lines) if line.startswith("fail "))

    def finish(self) -> str:
        self.stop.touch()
        try:
            _, errors = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        self.reader.join(timeout=5)
        return errors or ""


def test_intake_resumes_after_the_primary_dies_and_loses_no_answered_case(
    db: None, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the failover test runs in the PostgreSQL pass (scripts/with-postgres.sh)")
    missing = patroni_cluster.binaries_missing()
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (scripts/system-deps.sh)")
    started = time.monotonic()
    with patroni_cluster.running_cluster(timeout=60) as cluster:
        primary, standby = cluster.wait_for_leader_and_sync_standby(timeout=30)
        copy_schema(cluster, tmp_path)

        # The router's lag measure (core.replicas): the synchronous standby is close behind,
        # the primary is no replica at all.
        for node, most in ((standby, 5.0), (primary, 0.0)):
            with psycopg.connect(cluster.node_dsn(node)) as database:
                assert replicas.lag_seconds(cast(Any, database.cursor())) <= most

        # A migration on the hot standby refuses, saying why, and writes nothing.
        refused = run(
            [sys.executable, "-m", "django", "migrate", "--noinput"],
            env=django_env(cluster.node_dsn(standby, "jiceng")),
            cwd=settings.BASE_DIR,
        )
        assert refused.returncode != 0
        assert "当前节点只读（热备库" in refused.stderr, refused.stderr[-2000:]

        # Django reaches the nodes through their PgBouncers, and libpq's check of each
        # connection passes through them: read-write finds the primary, standby the standby.
        for attrs, in_recovery in (("read-write", False), ("standby", True)):
            dsn = cluster.dsn("jiceng", bouncers=True, target_session_attrs=attrs)
            with psycopg.connect(dsn) as database:
                found = database.execute("SELECT pg_is_in_recovery()").fetchone()
                assert found == (in_recovery,)
        url = cluster.dsn(
            "jiceng", bouncers=True, target_session_attrs="read-write", connect_timeout="2"
        )
        prepared = run(
            [*LOAD, "--prepare", "--seconds", "0", "--stop", str(tmp_path / "stop")],
            env=django_env(url),
            cwd=settings.BASE_DIR,
        )
        assert prepared.returncode == 0, prepared.stderr[-3000:]

        load = Load(url, tmp_path / "stop", seconds=RESUME_LIMIT + 60)
        try:
            wait_for("20 cases", lambda: len(load.answered()) >= 20 or None, timeout=60)
            cluster.kill_node(primary)
            killed_at = time.time()
            first = wait_for(
                "intake to resume on the new primary",
                lambda: next(iter(load.answered(after=killed_at)), None),
                timeout=RESUME_LIMIT,
            )
            recovery = first[1] - killed_at
            wait_for(
                "10 cases after the failover",
                lambda: len(load.answered(after=killed_at)) >= 10 or None,
                timeout=30,
            )
        finally:
            errors = load.finish()
        answered = [pk for pk, _ in load.answered()]

        assert cluster.node_in_role("leader") == standby, cluster.members()
        with psycopg.connect(cluster.node_dsn(standby, "jiceng")) as database:
            kept = {
                row[0]
                for row in database.execute(
                    "SELECT id FROM cases_case WHERE id = ANY(%s)", [answered]
                )
            }
        assert sorted(set(answered) - kept) == [], errors[-3000:]
        assert recovery < RESUME_LIMIT
    print(
        f"\nfailover: intake resumed {recovery:.1f} s after the primary was killed; "
        f"{len(answered)} cases answered, none lost, {load.failures()} intakes refused "
        f"meanwhile; whole test {time.monotonic() - started:.0f} s"
    )
