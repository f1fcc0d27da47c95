"""Background work of appraisal: the periodic computation of the current year's scores (the
scheduler's `appraisal` job), so a branch's grade follows its records through the year."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from jiceng.core import clock
from jiceng.orgs.models import Organization

from . import scoring


@task()
def compute_standardization() -> int:
    """The year of yesterday (the last year's final run on 1 January), for the whole tree."""
    year = (clock.today() - dt.timedelta(days=1)).year
    done = 0
    for root in Organization.objects.filter(depth=1).order_by("path"):
        done += scoring.compute_year(root=root, year=year).organizations
    return done
