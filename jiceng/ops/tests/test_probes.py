"""Liveness and readiness: answered to anyone, before the host check and the HTTPS redirect,
cheap, and 503 exactly when this process cannot serve (no database, a migration pending)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from jiceng.core import clock, scheduler
from jiceng.ops import checks, heartbeats
from jiceng.ops.models import Heartbeat


@pytest.fixture(autouse=True)
def fresh_migration_check() -> Iterator[None]:
    checks._applied.all = False
    yield
    checks._applied.all = False


def test_healthz_answers_without_the_database(client: Client) -> None:
    """No django_db mark: a query here would fail the test."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_probes_skip_the_host_check_and_the_https_redirect(client: Client, settings: Any) -> None:
    """A balancer probes a process by its address over plain HTTP."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["dangjian.example.gov.cn"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # the pages still get both
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="dangjian.example.gov.cn").status_code == 301


def test_probes_refuse_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ready_on_a_migrated_database(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["migrations"] == "ok"
    assert body["pending_migrations"] == 0
    assert body["background"] == "stale"  # no worker has run the heartbeat yet
    assert body["background_heartbeat_age_seconds"] is None


@pytest.mark.django_db
def test_readyz_is_not_ready_while_a_migration_is_pending(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'ops' AND name = '0001_initial'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"
    assert response.json()["pending_migrations"] == 1


@pytest.mark.django_db
def test_a_clean_migration_check_is_not_repeated(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    client.get("/readyz")
    with django_assert_max_num_queries(2):  # SELECT 1 and the heartbeat's row
        assert client.get("/readyz").status_code == 200


def test_readyz_is_not_ready_when_the_database_does_not_answer(tmp_path: Path) -> None:
    """A real server that is not there: PostgreSQL on a port nothing listens on."""
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps([r.status_code, r.json()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "JICENG_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://nobody@127.0.0.1:9/jiceng?connect_timeout=2",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.splitlines()[-1])
    assert status == 503
    assert body["status"] == "not_ready"
    assert body["database"] == "OperationalError"
    assert "nobody" not in result.stdout  # the error's details stay in the log


@pytest.mark.django_db
def test_the_scheduler_queues_the_heartbeat_and_the_worker_writes_it(
    client: Client, settings: Any
) -> None:
    settings.JICENG_SCHEDULE = {"heartbeat": 30}
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
    with clock.frozen(start):
        assert scheduler.Scheduler(scheduler.jobs()).run_pending(clock.now()) == ["heartbeat"]
        # the tests' task backend runs it at once, as a worker would
        assert Heartbeat.objects.get(name=heartbeats.BACKGROUND).beat_at == start
        body = client.get("/readyz").json()
    assert body["background"] == "ok"
    assert body["background_heartbeat_age_seconds"] == 0.0


@pytest.mark.django_db
def test_a_heartbeat_older_than_three_intervals_and_a_minute_is_stale(settings: Any) -> None:
    settings.JICENG_SCHEDULE = {"heartbeat": 30}
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.CHINA)
    with clock.frozen(start):
        heartbeats.beat()
    with clock.frozen(start + dt.timedelta(seconds=150)):
        assert heartbeats.pulse() == heartbeats.Pulse(age_seconds=150.0, stale=False, checked=True)
    with clock.frozen(start + dt.timedelta(seconds=151)):
        assert heartbeats.pulse().stale


@pytest.mark.django_db
def test_a_heartbeat_turned_off_is_not_judged(client: Client, settings: Any) -> None:
    settings.JICENG_SCHEDULE = {"heartbeat": 0}
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["background"] == "off"
