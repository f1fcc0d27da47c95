"""Rounds past their deadline frozen (core.scheduler "consent_rounds"); a page reading a round
freezes it too, so the job only keeps the lists and the API current. Idempotent."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def freeze_due_rounds() -> int:
    """征询截止: the number of rounds frozen."""
    return services.freeze_due_rounds()
