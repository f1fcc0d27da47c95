"""Where reads go (core.replicas): the replica only for the report and dashboard views, only
while it is close behind, never for a user who just wrote, never inside a transaction."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, router, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from jiceng.accounts.models import User
from jiceng.cases.models import Case
from jiceng.config import databases
from jiceng.core import readonly, replicas

factory = RequestFactory()


@pytest.fixture
def replica(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, float]]:
    """A replica configured, whose lag the test sets (`replica["lag"] = 9.0`)."""
    state = {"lag": 0.0}
    monkeypatch.setattr(replicas, "has_replica", lambda: True)
    monkeypatch.setattr(replicas, "replica_lag", lambda: state["lag"])
    replicas.forget_freshness()
    yield state
    replicas.forget_freshness()


def test_without_a_replica_every_read_goes_to_the_primary() -> None:
    with replicas.replica_reads():
        assert router.db_for_read(Case) == "default"


def test_a_report_reads_the_replica_while_it_is_close_behind(replica: dict[str, float]) -> None:
    assert router.db_for_read(Case) == "default"  # outside a report: the primary
    with replicas.replica_reads():
        assert router.db_for_read(Case) == "replica"
        with replicas.primary_reads():  # a read that must be fresh
            assert router.db_for_read(Case) == "default"
    assert router.db_for_write(Case) == "default"


def test_a_lagging_replica_is_bypassed(replica: dict[str, float], settings: Any) -> None:
    settings.JICENG_REPLICA_MAX_LAG_SECONDS = 5
    replica["lag"] = 7.0
    with replicas.replica_reads():
        assert router.db_for_read(Case) == "default"
    replicas.forget_freshness()
    replica["lag"] = 3.0
    with replicas.replica_reads():
        assert router.db_for_read(Case) == "replica"


def test_a_replica_that_does_not_answer_is_bypassed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replicas, "has_replica", lambda: True)
    monkeypatch.setattr(replicas, "replica_lag", lambda: math.inf)
    replicas.forget_freshness()
    with replicas.replica_reads():
        assert router.db_for_read(Case) == "default"
    replicas.forget_freshness()


def test_accounts_and_reads_inside_a_transaction_stay_on_the_primary(
    replica: dict[str, float], db: None
) -> None:
    with replicas.replica_reads():
        assert router.db_for_read(User) == "default"
        with transaction.atomic():  # what it wrote is not on the replica yet
            assert router.db_for_read(Case) == "default"


def test_an_object_read_from_the_replica_is_saved_on_the_primary() -> None:
    case = Case()
    case._state.db = "replica"
    assert router.db_for_write(Case, instance=case) == "default"
    other = Case()
    assert router.db_for_write(Case, instance=other) == "default"
    assert router.allow_relation(case, other) is True


def test_nothing_is_migrated_on_the_replica() -> None:
    routing = replicas.ReplicaRouter()
    assert routing.allow_migrate("replica", "cases") is False
    assert routing.allow_migrate("default", "cases") is None


def where_the_view_reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse(router.db_for_read(Case))


report = replicas.reads_from_replica(where_the_view_reads)


def test_a_report_view_reads_the_replica_unless_the_user_just_wrote(
    replica: dict[str, float],
) -> None:
    assert report(factory.get("/dashboard/")).content == b"replica"
    just_wrote = factory.get("/dashboard/")
    just_wrote.COOKIES[replicas.STICKY_COOKIE] = "1"
    assert report(just_wrote).content == b"default"
    assert report(factory.post("/dashboard/")).content == b"default"
    assert where_the_view_reads(factory.get("/members/")).content == b"default"


def respond(status: int) -> replicas.PrimaryAfterWriteMiddleware:
    return replicas.PrimaryAfterWriteMiddleware(lambda request: HttpResponse(status=status))


def test_a_write_keeps_the_users_reads_on_the_primary_for_a_while(
    replica: dict[str, float], settings: Any
) -> None:
    settings.JICENG_PRIMARY_STICKY_SECONDS = 12
    wrote = respond(302)(factory.post("/cases/1/accept/"))
    assert wrote.cookies[replicas.STICKY_COOKIE]["max-age"] == 12
    assert replicas.STICKY_COOKIE not in respond(200)(factory.get("/cases/")).cookies
    assert replicas.STICKY_COOKIE not in respond(400)(factory.post("/cases/")).cookies


def test_without_a_replica_a_write_sets_no_cookie() -> None:
    assert replicas.STICKY_COOKIE not in respond(302)(factory.post("/cases/")).cookies


def test_a_url_of_several_hosts_reaches_libpq_as_its_lists() -> None:
    config = databases.parse(
        "postgresql://jiceng:pw@10.0.0.11:6432,[fd00::12]:6433,10.0.0.13/jiceng"
        "?target_session_attrs=read-write&connect_timeout=3"
    )
    assert (config["HOST"], config["PORT"]) == ("10.0.0.11,fd00::12,10.0.0.13", "6432,6433,5432")
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("jiceng", "jiceng", "pw")
    assert config["OPTIONS"] == {"target_session_attrs": "read-write", "connect_timeout": 3}
    assert databases.parse("postgres://u@h:6432/db")["PORT"] == 6432
    assert databases.parse("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_the_lag_of_a_primary_is_nothing(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("lag is measured on PostgreSQL")
    with connection.cursor() as cursor:
        assert replicas.lag_seconds(cursor) == 0.0


def test_a_replica_whose_query_fails_counts_as_infinitely_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        vendor = "postgresql"

        def cursor(self) -> None:
            raise DatabaseError("connection refused")

        def close(self) -> None:
            pass

    monkeypatch.setattr(replicas, "connections", {replicas.REPLICA: Broken()})
    assert replicas.replica_lag() == math.inf


def test_sqlite_takes_migrations(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite has no read-only node")
    assert readonly.read_only_reason("default") == ""


def test_a_migration_on_a_read_only_session_refuses_with_a_clear_message(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a read-only node is PostgreSQL's")
    assert readonly.read_only_reason("default") == ""
    source = connection.settings_dict
    url = (
        f"postgresql://{source['USER']}@{source['HOST']}:{source['PORT']}/{source['NAME']}"
        "?options=-c%20default_transaction_read_only%3Don"
    )
    refused = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput"],
        env={
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "jiceng.config.settings.test",
            "PYTHONPATH": str(django_settings.BASE_DIR),
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1
    assert "当前节点只读（事务只读，default_transaction_read_only 已开启）" in refused.stderr
    assert "target_session_attrs=read-write" in refused.stderr
