"""The points seed: a year posted from the seeded attendance through the posting path, a few
awards, and nothing more when run again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiceng.core import clock
from jiceng.datasets.points import seed_points
from jiceng.orglife.models import Attendance, AttendanceStatus, Meeting
from jiceng.points.models import Award, PointsEntry, SourceKind
from jiceng.testing.orglife_personas import Branch
from jiceng.testing.personas import Tree, add_member


def test_seed_posts_the_years_attendance_and_some_awards_once(
    tree: Tree, theme_day: Meeting, orglife_branch: Branch, media_root: Path
):
    for i in range(120):
        add_member(tree.branch, name=f"成员{i:03d}")
    Attendance.objects.filter(meeting=theme_day).update(status=AttendanceStatus.IN_PERSON)
    with clock.frozen(dt.datetime(2025, 6, 10, 9, tzinfo=clock.CHINA)):
        first = seed_points(as_of=dt.date(2025, 6, 10), seed=3)
        again = seed_points(as_of=dt.date(2025, 6, 10), seed=3)
    attended = Attendance.objects.filter(meeting=theme_day).count()
    assert PointsEntry.objects.filter(source_kind=SourceKind.ATTENDANCE).count() == attended
    assert first.posted == attended and again.posted == 0
    assert 0 < first.awards < 20 and again.awards == 0
    assert Award.objects.count() == first.awards
    assert PointsEntry.objects.filter(source_kind=SourceKind.AWARD).count() == first.awards
