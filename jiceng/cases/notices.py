"""Notices (提醒) to the people of a case: who they are, the rows, and the tasks that write them
after a move. The tasks live here, not in `tasks`: the moves queue them and the tick (`tasks`)
runs the moves, so with them there the moves and the task module would import each other."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django_tasks import task

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.core import clock
from jiceng.grid.models import GridWorker
from jiceng.notices import channels
from jiceng.notices.tasks import deliver_to_users_on_commit

from .models import Case, DepartmentStaff, Notice
from .workflow import Level


def handler_user_ids(case: Case) -> list[int]:
    """Who is told about a case at its unit: the grid's workers, the department's staff; a
    station's case goes to the street's officials."""
    if case.level == Level.GRID and case.grid_id is not None:
        return list(
            GridWorker.objects.filter(grid_id=case.grid_id).values_list("user_id", flat=True)
        )
    if case.level == Level.DEPARTMENT and case.department_id is not None:
        return list(
            DepartmentStaff.objects.filter(department_id=case.department_id).values_list(
                "user_id", flat=True
            )
        )
    if case.street_id:
        return list(
            RoleAssignment.objects.filter(
                role=Role.STREET_OFFICIAL, division_id=case.street_id
            ).values_list("user_id", flat=True)
        )
    return []


def send_notices(*, user_ids: Iterable[int], case_id: int, text: str) -> int:
    """Adds one notice per user (a bulk insert; notices are not audited: they change nothing),
    and sends it by e-mail and SMS from a task once committed (notices.channels)."""
    now = clock.now()
    users = sorted(set(user_ids))
    rows = [Notice(user_id=u, case_id=case_id, text=text[:200], created_at=now) for u in users]
    Notice.objects.bulk_create(rows)
    deliver_to_users_on_commit(users, text[:200])
    return len(rows)


def notify_grid_workers(case: Case, now: dt.datetime, *, text: str) -> None:
    """One notice per worker of the case's grid: those `handler_user_ids` gives a grid's case
    (each once, a worker's grid is unique), written as `send_notices` would in one INSERT ...
    SELECT inside the intake's transaction. The other moves notify on commit through a task;
    at intake that was a second write transaction per case (bench/bench_intake.py)."""
    notice, worker = Notice._meta.db_table, GridWorker._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {notice} (user_id, case_id, text, created_at) "  # noqa: S608
            f"SELECT user_id, %s, %s, %s FROM {worker} WHERE grid_id = %s",
            [case.pk, text[:200], connection.ops.adapt_datetimefield_value(now), case.grid_id],
        )
    if case.grid_id is not None and channels.channels():
        # queued inside the intake's transaction (the task's row commits or rolls back with
        # the case): one INSERT more, rather than a second write transaction after it
        deliver_to_grid_workers.enqueue(case.grid_id, text[:200])


@task()
def deliver_to_grid_workers(grid_id: int, text: str) -> int:
    """Sends a grid's notice by e-mail and SMS to the grid's workers (notices.channels)."""
    workers = list(GridWorker.objects.filter(grid_id=grid_id).values_list("user_id", flat=True))
    recipients = channels.recipients_of_users(workers)
    delivered = channels.deliver([(recipients[u], text) for u in workers if u in recipients])
    return delivered.email + delivered.sms


@task()
def notify_handlers(case_id: int, text: str) -> int:
    """Tells the people of the unit now handling the case (the grid's workers ...)."""
    case = Case.objects.select_related("grid", "subject").filter(pk=case_id).first()
    if case is None:
        return 0
    return send_notices(
        user_ids=handler_user_ids(case), case_id=case_id, text=f"{text}（{case.number}）"
    )


@task()
def notify_users(user_ids: list[int], case_id: int, text: str) -> int:
    return send_notices(user_ids=user_ids, case_id=case_id, text=text)


def notify_handlers_on_commit(case: Case, text: str) -> None:
    """Queues `notify_handlers` once the move's transaction has committed."""
    case_id = case.pk
    transaction.on_commit(lambda: notify_handlers.enqueue(case_id, text))


def notify_users_on_commit(user_ids: list[int], case_id: int, text: str) -> None:
    """Queues `notify_users` once the transaction has committed, if there is anyone to tell."""

    def enqueue() -> None:
        if user_ids:
            notify_users.enqueue(user_ids, case_id, text)

    transaction.on_commit(enqueue)
