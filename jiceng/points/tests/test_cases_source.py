"""A case resolved (办结) by a member's account earns that member points, once, within the
rule's monthly cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from jiceng.accounts.models import User
from jiceng.cases.models import Case, CaseEvent, EventKind
from jiceng.core import clock
from jiceng.points.models import PointsEntry, SourceKind
from jiceng.points.posting import post_case_month


def test_resolved_cases_earn_their_handler_points_once(
    submit_case: Callable[..., Case], member_user: User, street_official: User
):
    case = submit_case()
    at = dt.datetime(2025, 7, 8, 10, tzinfo=clock.CHINA)
    for i in range(12):  # the default rule: 3 points, at most 10 cases a month
        CaseEvent.objects.create(
            case=case, kind=EventKind.RESOLVED, at=at + dt.timedelta(hours=i), actor=member_user
        )
    CaseEvent.objects.create(case=case, kind=EventKind.RESOLVED, at=at, actor=street_official)
    with clock.frozen(dt.datetime(2025, 8, 1, tzinfo=clock.CHINA)):
        first = post_case_month(202507)
        again = post_case_month(202507)
    entries = PointsEntry.objects.filter(source_kind=SourceKind.CASE)
    assert first.posted == 12 and first.capped == 2 and again.posted == 0
    assert entries.count() == 12  # the official has no member record: nothing for him
    assert sum(entries.values_list("points", flat=True)) == 30
    assert set(entries.values_list("member_id", flat=True)) == {member_user.member_id}
