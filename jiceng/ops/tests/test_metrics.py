"""/metrics: the Prometheus text format, to the allowed addresses only; requests by view;
the domain figures; the counters of several worker processes summed in multiprocess mode."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from jiceng.cases.models import Case
from jiceng.cases.workflow import Status
from jiceng.core import clock
from jiceng.ops import heartbeats, metrics


def scrape(client: Client, **extra: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_of(found: dict[Any, float], view: str, status: str = "200") -> float:
    key = ("jiceng_http_requests_total", (("method", "GET"), ("status", status), ("view", view)))
    return found.get(key, 0.0)


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_view_name(client: Client) -> None:
    before = scrape(client)
    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no/such/page/")
    after = scrape(client)
    assert requests_of(after, "accounts:login") - requests_of(before, "accounts:login") == 2
    assert requests_of(after, "unresolved", "404") - requests_of(before, "unresolved", "404") == 1
    count = ("jiceng_http_request_duration_seconds_count", (("view", "accounts:login"),))
    assert after[count] - before.get(count, 0.0) == 2
    # the probes are not counted
    assert not [key for key in after if ("view", "ops:metrics") in key[1]]


@pytest.mark.django_db
def test_other_addresses_are_refused(client: Client, settings: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.JICENG_METRICS_ALLOW = ["10.8.0.0/16"]
    assert client.get("/metrics").status_code == 403  # 127.0.0.1 no longer listed
    assert client.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 200
    settings.JICENG_METRICS_ALLOW = []
    assert client.get("/metrics", REMOTE_ADDR="10.8.3.4").status_code == 403


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_address_is_the_one_checked(
    client: Client, settings: Any
) -> None:
    """Through nginx, an outside visitor arrives from 127.0.0.1: the address nginx saw counts."""
    settings.JICENG_PROXY_COUNT = 1
    outside = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert outside.status_code == 403
    assert client.get("/metrics").status_code == 200  # Prometheus on the host, no proxy


@pytest.mark.django_db
def test_a_token_when_set_is_required_as_well(client: Client, settings: Any) -> None:
    settings.JICENG_METRICS_TOKEN = "s3cret-scrape-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")


@pytest.mark.django_db
def test_the_domain_figures_are_read_at_each_scrape(
    client: Client, submit_case: Callable[..., Case]
) -> None:
    now = clock.now()
    late = submit_case()
    Case.objects.filter(pk=late.pk).update(
        status=Status.DISPATCHED, accept_due_at=now - dt.timedelta(hours=1)
    )
    submit_case()
    done = submit_case()
    Case.objects.filter(pk=done.pk).update(status=Status.CLOSED)
    heartbeats.beat()

    found = scrape(client)
    assert found[("jiceng_domain_up", ())] == 1
    assert found[("jiceng_cases_open", ())] == 2
    assert found[("jiceng_cases_overdue", ())] == 1
    assert 0 <= found[("jiceng_background_heartbeat_age_seconds", ())] < 60


@pytest.mark.django_db
def test_the_task_queue_is_measured_on_the_database_backend(client: Client, settings: Any) -> None:
    from jiceng.ops.tasks import beat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    beat.enqueue()
    beat.enqueue()
    found = scrape(client)
    assert found[("jiceng_tasks_queued", ())] == 2
    assert found[("jiceng_tasks_oldest_queued_age_seconds", ())] >= 0


def record_in_a_process_of_its_own(directory: Path, var_dir: Path) -> None:
    code = (
        "import django; django.setup()\n"
        "from jiceng.ops import metrics\n"
        "metrics.record(view='cases:detail', method='GET', status=200, seconds=0.02)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "JICENG_VAR_DIR": str(var_dir),
            metrics.MULTIPROCESS_DIR: str(directory),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_multiprocess_mode_sums_the_worker_processes(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """granian --workers 2: each worker writes its counters to the directory, a scrape
    answered by either sums both."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    record_in_a_process_of_its_own(directory, tmp_path)
    record_in_a_process_of_its_own(directory, tmp_path)
    assert len(list(directory.glob("counter_*.db"))) == 2

    monkeypatch.setenv(metrics.MULTIPROCESS_DIR, str(directory))
    found = scrape(client)
    assert requests_of(found, "cases:detail") == 2
    assert found[("jiceng_cases_open", ())] == 0  # the domain figures come along


def test_a_scrape_answers_when_the_domain_figures_cannot_be_read(tmp_path: Path) -> None:
    """A database without the tables (or down): the request metrics still, and domain_up 0."""
    code = (
        "import django; django.setup()\n"
        "from jiceng.ops import metrics\n"
        "print(metrics.exposition().decode())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "JICENG_VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "jiceng_domain_up 0.0" in result.stdout
    assert "jiceng_cases_open" not in result.stdout
