"""Notices (提醒) to the people of a case: who they are, the rows, the tasks that write them
after a move, and their sending by e-mail and SMS. The tasks live here, not in `tasks`: the
moves queue them and the tick (`tasks`) runs the moves, so with them there the moves and the
task module would import each other.

A move writes its notices as rows (the notice centre reads them at once); the outward channels
take them in batches (`deliver_pending`, every JICENG_SCHEDULE["case_notices"] seconds), so
that no move, and above all no intake, pays for a queued task of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django_tasks import task

from jiceng.accounts.models import Role, RoleAssignment
from jiceng.core import clock
from jiceng.core.inserts import adapt_datetime
from jiceng.grid.models import GridWorker
from jiceng.notices import channels

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
    """Adds one notice per user (a bulk insert; notices are not audited: they change nothing);
    `deliver_pending` sends it by e-mail and SMS (notices.channels)."""
    now = clock.now()
    users = sorted(set(user_ids))
    rows = [Notice(user_id=u, case_id=case_id, text=text[:200], created_at=now) for u in users]
    Notice.objects.bulk_create(rows)
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
            [case.pk, text[:200], adapt_datetime(connection, now), case.grid_id],
        )


# A batch of notices sent at a time; notices older than this when their turn comes are marked
# and not sent (a notice an hour late says less than the centre already shows: the worker has
# no channel running, or the channels were just turned on over a year of rows).
DELIVERY_BATCH = 500
STALE_AFTER = dt.timedelta(hours=1)


def deliver_pending() -> int:
    """Sends the notices not yet sent, by every channel in use, each once: a batch is claimed
    by marking it with this run's time under a condition (a concurrent run claims others or
    none); the number of messages sent."""
    sent = 0
    while True:
        now = clock.now()
        waiting = list(Notice.objects.filter(sent_at__isnull=True).order_by("pk")[:DELIVERY_BATCH])
        if not waiting:
            return sent
        claimed = Notice.objects.filter(
            pk__in=[n.pk for n in waiting], sent_at__isnull=True
        ).update(sent_at=now)
        if claimed and channels.channels():
            mine = [
                n
                for n in Notice.objects.filter(pk__in=[n.pk for n in waiting], sent_at=now)
                if n.created_at >= now - STALE_AFTER
            ]
            recipients = channels.recipients_of_users(n.user_id for n in mine)
            delivered = channels.deliver(
                [(recipients[n.user_id], n.text) for n in mine if n.user_id in recipients]
            )
            sent += delivered.email + delivered.sms
        if len(waiting) < DELIVERY_BATCH:
            return sent


@task()
def deliver_notices() -> int:
    """The periodic sending of case notices by e-mail and SMS (core.scheduler)."""
    return deliver_pending()


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
