"""The monthly detection as a periodic task (core.scheduler "weak_organizations"): it judges
the last complete month; run daily, the same month comes out the same (detect_month replaces
its rows), and the first run of a month judges the month just ended."""

from __future__ import annotations

from django_tasks import task

from . import detection


@task()
def detect_weak_organizations() -> int:
    """软弱涣散研判: the number of organizations found."""
    return detection.detect_month().organizations
