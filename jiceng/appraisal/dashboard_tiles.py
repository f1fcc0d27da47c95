"""The standardization tile of the leaders' dashboard (dashboard.tiles): the year's branches
by stars and the model organizations named, each figure a link to its list."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.dashboard.tiles import Figure, Tile, tile
from jiceng.orgs.models import Organization

from . import queries
from .models import Nomination

STARS = {5: "五星级", 4: "四星级", 3: "三星级", 2: "二星级", 1: "一星级"}


@tile("appraisal.standardization", title="标准化规范化与模范党组织", order=60)
def build(organization: Organization, user: User) -> Tile | None:
    year = clock.today().year
    distribution = queries.distribution(organization, year)
    if not any(distribution.values()):
        year -= 1
        distribution = queries.distribution(organization, year)
        if not any(distribution.values()):
            return None
    grades = f"{reverse('appraisal:grades')}?org={organization.pk}&year={year}"
    models = f"{reverse('appraisal:models')}?org={organization.pk}&year={year}"
    named = sum(1 for m in queries.nominations(organization, year) if m.status == Nomination.NAMED)
    figures = [Figure(f"{year}年{STARS[s]}", n, grades) for s, n in distribution.items()]
    figures.append(Figure(f"{year}年度模范党组织", named, models))
    chart = {
        "kind": "bar",
        "categories": [STARS[s] for s in distribution],
        "series": [{"name": "党支部", "data": list(distribution.values())}],
    }
    return Tile(figures=figures, chart=chart, url=grades)
