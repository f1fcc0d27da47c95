"""The scheduler of periodic work (`jiceng scheduler`): it enqueues each periodic task every
JICENG_SCHEDULE seconds; `jiceng db_worker` runs what it enqueues, as any other task.

django-tasks (0.12) has no periodic tasks of its own, and the jobs are a handful of fixed
intervals, so this is a loop rather than a library: due times kept in memory, read from
core.clock (tests drive it with a frozen clock). Each job runs once when the scheduler starts,
then every interval; a job whose last run is still waiting in the queue (the worker is down
or behind) is not queued again, so a stopped worker does not come back to a pile of ticks.
Every task here may run twice without harm (each guards its own writes), so a second
scheduler by mistake costs work, not duplicates."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks.base import Task

from jiceng.core import clock

logger = logging.getLogger(__name__)

# The task each name of JICENG_SCHEDULE enqueues.
PERIODIC_TASKS: dict[str, str] = {
    "tick": "jiceng.cases.tasks.tick",
    "case_notices": "jiceng.cases.notices.deliver_notices",
    "taskforce_notices": "jiceng.taskforces.notices.deliver_notices",
    "meeting_reminders": "jiceng.orglife.tasks.send_meeting_reminders",
    "meeting_warnings": "jiceng.orglife.tasks.warn_secretaries",
    "audit_checkpoint": "jiceng.core.tasks.audit_checkpoint",
    "purge_exports": "jiceng.exports.tasks.purge_expired_exports",
    "weak_organizations": "jiceng.rectification.tasks.detect_weak_organizations",
    "dues_bills": "jiceng.dues.tasks.generate_monthly_bills",
    "transfer_receipts": "jiceng.transfers.tasks.chase_late_receipts",
    "points": "jiceng.points.tasks.post_points",
    "appraisal": "jiceng.appraisal.tasks.compute_standardization",
    "village_presence": "jiceng.villages.tasks.check_village_presence",
    "consent_rounds": "jiceng.consent.tasks.freeze_due_rounds",
    "heartbeat": "jiceng.ops.tasks.beat",
    "partitions": "jiceng.core.tasks.maintain_partitions",
    "federation_outbox": "jiceng.federation.tasks.deliver_outbox",
    "federation_inbox": "jiceng.federation.tasks.receive_inbox",
}


@dataclass(frozen=True)
class Job:
    name: str
    task_path: str
    every: dt.timedelta


def jobs() -> list[Job]:
    """The jobs JICENG_SCHEDULE turns on (an interval of 0 turns one off)."""
    schedule: dict[str, int] = settings.JICENG_SCHEDULE
    unknown = set(schedule) - set(PERIODIC_TASKS)
    if unknown:
        raise ValueError(f"JICENG_SCHEDULE: no periodic task named {', '.join(sorted(unknown))}")
    return [
        Job(name, PERIODIC_TASKS[name], dt.timedelta(seconds=seconds))
        for name, seconds in schedule.items()
        if seconds > 0
    ]


def _still_queued(task: Task[..., object]) -> bool:
    """Whether a run of `task` waits in the database queue (other backends: never)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()


class Scheduler:
    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.next_at: dict[str, dt.datetime] = {}

    def run_pending(self, now: dt.datetime) -> list[str]:
        """Enqueues the jobs due at `now`; their names. The next run is an interval after the
        due time (steady cadence), or after `now` when whole intervals were missed."""
        enqueued = []
        for job in self.jobs:
            due = self.next_at.get(job.name, now)
            if due > now:
                continue
            following = due + job.every
            self.next_at[job.name] = following if following > now else now + job.every
            task: Task[..., object] = import_string(job.task_path)
            if _still_queued(task):
                logger.info("scheduler: %s still waits in the queue, not queued again", job.name)
                continue
            task.enqueue()
            enqueued.append(job.name)
        return enqueued

    def seconds_to_next(self, now: dt.datetime) -> float:
        if not self.next_at:
            return 0.0
        return max(0.0, (min(self.next_at.values()) - now).total_seconds())

    def run(self, stop: threading.Event) -> None:
        """Runs until `stop` is set, waking when the next job is due (at least every 30 s,
        so a clock that jumps is caught up soon)."""
        while not stop.is_set():
            current = clock.now()
            for name in self.run_pending(current):
                logger.info("scheduler: queued %s", name)
            stop.wait(min(30.0, self.seconds_to_next(clock.now())) or 0.5)
