"""Background work of cases that a scheduler enqueues (Django's tasks API): the deadline tick.
The notices' tasks, which the moves queue, are in `notices`."""

from __future__ import annotations

from django_tasks import task

from jiceng.core import audit

from . import deadlines


@task()
def tick() -> dict[str, int]:
    """The same as `jiceng tick`, for a scheduler that enqueues tasks."""
    with audit.acting(username="tick"):
        result = deadlines.tick()
    return dict(vars(result))
