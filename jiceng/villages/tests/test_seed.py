"""The village seed on the test tree: a team on the village, a year of logs, the monthly
check run; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.datasets.villages import seed_counties
from jiceng.orgs.models import Organization, OrgKind, Sector
from jiceng.testing.personas import Tree, add, add_member
from jiceng.villages.models import Dispatch, MonthlyPresence, Post, WorkDay

pytestmark = pytest.mark.django_db


def test_the_seed_sends_a_team_with_a_year_of_logs_once(tree: Tree, village: Organization) -> None:
    agency = add(
        tree.district,
        name="栖霞区农业农村局机关党支部",
        kind=OrgKind.BRANCH,
        sector=Sector.AGENCY,
        division_id="320113000000",
    )
    for name in ("甲", "乙", "丙"):
        add_member(agency, name=f"干部{name}")
    result = seed_counties(as_of=dt.date(2026, 12, 3), seed=7)
    assert result.teams == 1 and result.dispatches >= 2
    first = Dispatch.objects.get(post=Post.FIRST_SECRETARY)
    assert first.team.organization == village
    assert WorkDay.objects.filter(dispatch=first).count() > 150
    assert MonthlyPresence.objects.filter(dispatch=first).count() >= 12
    assert seed_counties(as_of=dt.date(2026, 12, 3), seed=7).dispatches == 0
