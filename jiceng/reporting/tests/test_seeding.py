"""The 双报到 seed over the small tree: members report, lists fill, hours post to the points
ledger once, the feedback goes to the member's own branch; a second run writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.datasets.reporting import seed_reporting
from jiceng.points.models import PointsEntry, SourceKind
from jiceng.reporting.models import CommunityReport, Feedback, ServiceRecord, SignUp
from jiceng.testing.grid_personas import Grids
from jiceng.testing.personas import Tree, add_member

pytestmark = pytest.mark.django_db


def test_a_year_of_reporting_is_seeded_once(tree: Tree, grids: Grids) -> None:
    members = [add_member(tree.branch, name=f"党员{i:02d}") for i in range(12)]
    pinned = {members[0].pk: "320113007001"}
    done = seed_reporting(as_of=dt.date(2026, 11, 20), seed=3, pinned=pinned)
    assert done.members >= 1 and done.needs > 0
    report = CommunityReport.objects.get(member=members[0])
    assert report.community_id == "320113007001" and report.status == "CONFIRMED"
    records = ServiceRecord.objects.count()
    assert records == done.records > 0
    assert SignUp.objects.filter(member=members[0]).exists()
    posted = PointsEntry.objects.filter(source_kind=SourceKind.SERVICE_HOURS).count()
    assert posted == records
    assert set(Feedback.objects.values_list("organization_id", flat=True)) <= {tree.branch.pk}
    again = seed_reporting(as_of=dt.date(2026, 11, 20), seed=3, pinned=pinned)
    assert again.members == 0
    assert ServiceRecord.objects.count() == records
