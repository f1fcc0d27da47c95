"""Background posting of points (the scheduler enqueues it, core.scheduler "points")."""

from __future__ import annotations

from django_tasks import task

from jiceng.core import clock
from jiceng.orglife.rules import add_months, month_of

from .posting import post_month


@task()
def post_points() -> int:
    """This month's and last month's attendance and cases (an attendance struck off after the
    month ended is reversed on the next run). Idempotent: a second run writes nothing."""
    current = month_of(clock.today())
    written = 0
    for month in (add_months(current, -1), current):
        for result in post_month(month).values():
            written += result.posted + result.reversed
    return written
