"""The heartbeat task: the scheduler queues it (JICENG_SCHEDULE's `heartbeat`), a worker runs
it, and readiness and the metrics read how long ago that last happened."""

from __future__ import annotations

from django_tasks import task

from . import heartbeats


@task()
def beat() -> None:
    heartbeats.beat()
