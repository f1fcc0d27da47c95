"""Two members taking the last place at the same time, in two real transactions on two
connections: exactly one gets it. On PostgreSQL the second's UPDATE waits on the first's row
lock and, once the first commits, finds the shift full. On SQLite the test database is in
memory with a shared cache, where a read of a table another connection is writing fails at
once ("database table is locked") instead of reading the last commit as a WAL file does: there
the second attempt starts when the first transaction has ended (SQLite serializes writers at
BEGIN IMMEDIATE anyway), and the test checks the outcome, not the wait."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from jiceng.core.errors import Conflict
from jiceng.taskforces import services
from jiceng.taskforces.models import Assignment, Shift

from .conftest import Force

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_a_lock() -> bool:
    """Whether some other session of this database waits on a lock (PostgreSQL)."""
    with connections["default"].cursor() as cursor:
        # inside a transaction the activity view is a snapshot taken once: clear it each time
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


def test_two_members_race_for_the_last_place(force: Force) -> None:
    shift = force.pump_morning  # one place
    results: dict[str, object] = {}
    second_started, first_done = threading.Event(), threading.Event()

    def second() -> None:
        try:
            second_started.set()
            if connection.vendor != "postgresql":
                first_done.wait()
            results["huang"] = services.sign_up(by=force.huang, shift=shift)
        except Conflict as refused:
            results["huang"] = refused
        finally:
            connections.close_all()

    thread = threading.Thread(target=second)
    with transaction.atomic():
        results["chen"] = services.sign_up(by=force.chen, shift=shift)  # holds the place
        thread.start()
        second_started.wait()
        if connection.vendor == "postgresql":
            # the first transaction stays open until the second waits on its row lock
            for _ in range(1_000_000):
                if _waiting_on_a_lock():
                    break
            else:
                pytest.fail("the second transaction never waited on the first")
    first_done.set()
    thread.join()
    assert isinstance(results["chen"], Assignment)
    assert isinstance(results["huang"], Conflict)
    assert results["huang"].message == services.FULL
    shift.refresh_from_db()
    assert shift.taken == 1
    assert Assignment.objects.filter(shift=shift, is_active=True).count() == 1


def test_one_member_racing_for_two_overlapping_shifts_gets_one(force: Force) -> None:
    results: list[object] = []
    started, first_done = threading.Event(), threading.Event()

    def other_shift() -> None:
        try:
            started.set()
            if connection.vendor != "postgresql":
                first_done.wait()
            results.append(services.sign_up(by=force.chen, shift=force.pump_morning))
        except Exception as refused:
            results.append(refused)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_shift)
    with transaction.atomic():
        results.append(services.sign_up(by=force.chen, shift=force.morning))
        thread.start()
        started.wait()
        if connection.vendor == "postgresql":
            for _ in range(1_000_000):
                if _waiting_on_a_lock():
                    break
            else:
                pytest.fail("the second transaction never waited on the member's row")
    first_done.set()
    thread.join()
    assert isinstance(results[0], Assignment)
    assert "时间重叠" in getattr(results[1], "message", "")
    assert (
        Assignment.objects.filter(member_id=force.chen.member_id or 0, is_active=True).count() == 1
    )
    assert Shift.objects.get(pk=force.pump_morning.pk).taken == 0
