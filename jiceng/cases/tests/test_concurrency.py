"""Two people move one case at the same instant: exactly one move succeeds.

Needs real concurrent transactions, so it runs on PostgreSQL (scripts/with-postgres.sh); SQLite
in memory gives each thread its own empty database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from jiceng.accounts.models import User
from jiceng.cases import services
from jiceng.cases.models import Case, CaseEvent, EventKind
from jiceng.cases.workflow import Status
from jiceng.core.errors import Conflict

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
    ),
]


def race(*moves: Callable[[], Any]) -> list[object]:
    """Runs the moves in threads released together; each result or the exception raised."""
    barrier = threading.Barrier(len(moves))
    results: list[object] = [None] * len(moves)

    def run(index: int, move: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = move()
        except Exception as exc:  # the result under test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_concurrent_accepts_of_one_case_cannot_both_succeed(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    for _ in range(5):  # a few rounds, so an unlucky interleaving would show
        case = submit_case()
        copies = [Case.objects.get(pk=case.pk) for _ in range(2)]
        results = race(*(lambda c=c: services.accept_case(case=c, by=grid_worker) for c in copies))
        assert sorted(type(r).__name__ for r in results) == ["Case", "CaseMoved"]
        assert isinstance(next(r for r in results if not isinstance(r, Case)), Conflict)
        assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
        assert CaseEvent.objects.filter(case=case, kind=EventKind.ACCEPTED).count() == 1


def test_a_return_racing_a_resolve_leaves_one_of_them(
    submit_case: Callable[..., Case], grid_worker: User
) -> None:
    case = services.accept_case(case=submit_case(), by=grid_worker)
    a, b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    results = race(
        lambda: services.resolve_case(case=a, by=grid_worker, resolution="已处理"),
        lambda: services.return_case(case=b, by=grid_worker, reason="不归我管"),
    )
    assert sum(isinstance(r, Case) for r in results) == 1
    final = Case.objects.get(pk=case.pk).status
    assert final in {Status.RESOLVED, Status.RETURNED}
    assert (
        CaseEvent.objects.filter(
            case=case, kind__in=[EventKind.RESOLVED, EventKind.RETURNED]
        ).count()
        == 1
    )
