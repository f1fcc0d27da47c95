"""The scheduler of periodic tasks (core.scheduler), driven by a frozen clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django_tasks import task_backends
from django_tasks_db.models import DBTaskResult

from jiceng.core import clock, scheduler

START = dt.datetime(2025, 5, 12, 9, 0, tzinfo=clock.CHINA)
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def queued() -> list[str]:
    return [r.task.name for r in task_backends["default"].results]  # type: ignore[attr-defined]


def run_at(s: scheduler.Scheduler, at: dt.datetime) -> list[str]:
    with clock.frozen(at):
        return s.run_pending(clock.now())


def test_the_schedule_setting_names_the_jobs_and_their_intervals(settings: Any) -> None:
    settings.JICENG_SCHEDULE = {"tick": 30, "meeting_reminders": 60, "audit_checkpoint": 0}
    jobs = {job.name: job for job in scheduler.jobs()}
    assert set(jobs) == {"tick", "meeting_reminders"}  # 0 turns the checkpoint off
    assert jobs["tick"].every == dt.timedelta(seconds=30)
    assert jobs["tick"].task_path == "jiceng.cases.tasks.tick"


def test_a_job_the_scheduler_does_not_know_is_refused(settings: Any) -> None:
    settings.JICENG_SCHEDULE = {"tikc": 60}
    with pytest.raises(ValueError, match="tikc"):
        scheduler.jobs()


def test_each_task_is_queued_at_start_then_every_interval(settings: Any) -> None:
    settings.TASKS = DUMMY
    settings.JICENG_SCHEDULE = {
        "tick": 60,
        "meeting_reminders": 60,
        "meeting_warnings": 3600,
        "audit_checkpoint": 86400,
    }
    s = scheduler.Scheduler(scheduler.jobs())

    assert run_at(s, START) == ["tick", "meeting_reminders", "meeting_warnings", "audit_checkpoint"]
    assert run_at(s, START + dt.timedelta(seconds=59)) == []
    assert run_at(s, START + dt.timedelta(seconds=60)) == ["tick", "meeting_reminders"]
    assert run_at(s, START + dt.timedelta(seconds=61)) == []
    assert run_at(s, START + dt.timedelta(hours=1)) == [
        "tick",
        "meeting_reminders",
        "meeting_warnings",
    ]
    assert run_at(s, START + dt.timedelta(days=1)) == [
        "tick",
        "meeting_reminders",
        "meeting_warnings",
        "audit_checkpoint",
    ]
    assert queued().count("audit_checkpoint") == 2
    assert queued().count("warn_secretaries") == 3
    assert queued().count("send_meeting_reminders") == 4


def test_missed_intervals_are_not_made_up_in_a_burst(settings: Any) -> None:
    settings.TASKS = DUMMY
    settings.JICENG_SCHEDULE = {"tick": 60}
    s = scheduler.Scheduler(scheduler.jobs())
    run_at(s, START)
    # the machine slept for ten minutes: one tick now, the next a minute later
    assert run_at(s, START + dt.timedelta(minutes=10, seconds=5)) == ["tick"]
    assert run_at(s, START + dt.timedelta(minutes=10, seconds=30)) == []
    assert run_at(s, START + dt.timedelta(minutes=11, seconds=5)) == ["tick"]
    assert s.seconds_to_next(START + dt.timedelta(minutes=11, seconds=35)) == 30


@pytest.mark.django_db
def test_a_run_still_waiting_in_the_queue_is_not_queued_again(settings: Any) -> None:
    """A worker that is down does not come back to a pile of ticks."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JICENG_SCHEDULE = {"tick": 60}
    s = scheduler.Scheduler(scheduler.jobs())
    assert run_at(s, START) == ["tick"]
    assert run_at(s, START + dt.timedelta(minutes=1)) == []
    assert DBTaskResult.objects.filter(task_path="jiceng.cases.tasks.tick").count() == 1

    DBTaskResult.objects.update(status="SUCCESSFUL")  # the worker ran it
    assert run_at(s, START + dt.timedelta(minutes=2)) == ["tick"]
    assert DBTaskResult.objects.filter(task_path="jiceng.cases.tasks.tick").count() == 2


def test_every_periodic_task_is_a_task_and_on_by_default(settings: Any) -> None:
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for path in scheduler.PERIODIC_TASKS.values():
        assert isinstance(import_string(path), Task), path
    assert set(scheduler.PERIODIC_TASKS) == {job.name for job in scheduler.jobs()}
