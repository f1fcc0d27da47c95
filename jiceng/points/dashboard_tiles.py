"""积分 on the leaders' dashboard (dashboard.tiles): the subtree's points of the year and how
many members earned any, with the distribution's histogram. No names, no ranking."""

from __future__ import annotations

from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.dashboard.tiles import Figure, Tile, tile
from jiceng.orgs.models import Organization

from . import queries


@tile("points", title="党员积分", order=70)
def build(organization: Organization, user: User) -> Tile | None:
    year = queries.this_year()
    found = queries.distribution_of(organization, year)
    url = reverse("points:organization", kwargs={"org": organization.pk}) + f"?year={year}"
    return Tile(
        figures=[
            Figure(f"{year}年积分合计", found.total, url=url),
            Figure("有积分党员", found.scored, url=url),
            Figure("人均积分", f"{found.mean:.1f}", url=url),
        ],
        chart=(
            {
                "kind": "bar",
                "categories": found.labels,
                "series": [{"name": "党员人数", "data": found.counts}],
            }
            if found.shown
            else None
        ),
        url=url,
    )
