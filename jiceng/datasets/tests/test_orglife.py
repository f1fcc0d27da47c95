"""The orglife part of the synthetic data set, on the persona tree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from jiceng.datasets.demo import load_demo_orglife
from jiceng.datasets.orglife import fill_branch_year, seed_orglife
from jiceng.orglife import compliance
from jiceng.orglife.models import (
    Attendance,
    AttendanceStatus,
    Compliance,
    HeartToHeartTalk,
    Meeting,
    MeetingStatus,
    Minutes,
)
from jiceng.testing.personas import Tree, add_member


def test_a_year_of_meetings_then_nothing_more(tree: Tree):
    for org in (tree.branch, tree.sibling, tree.yaohua_branch):
        add_member(org)
        add_member(org)
    from jiceng.orgs import rollups

    rollups.rebuild()
    result = seed_orglife(as_of=dt.date(2026, 1, 1), seed=3)
    assert result.meetings == Meeting.objects.count() > 3 * 12
    assert set(Meeting.objects.values_list("month", flat=True)) == {
        202500 + m for m in range(1, 13)
    }
    assert result.attendances == Attendance.objects.count() == 6
    assert seed_orglife(as_of=dt.date(2026, 1, 1), seed=3).meetings == 0
    done = compliance.rollup_month(202512)
    assert done.branches == 3
    root = Compliance.objects.get(organization=tree.root, month=202512)
    assert root.branches == 3 and root.compliant == done.compliant
    # This year's heart-to-heart talks come with it: diligent branches talked with everyone.
    talks = HeartToHeartTalk.objects.all()
    assert talks.count() >= 2
    assert {t.year for t in talks} == {2025}
    assert all(dt.date(2025, 1, 1) <= t.talked_on <= dt.date(2025, 12, 31) for t in talks)
    assert all(t.member.organization_id == t.organization_id for t in talks)
    branches = Compliance.objects.filter(
        organization__in=[tree.branch, tree.sibling, tree.yaohua_branch], month=202512
    )
    assert any(row.members_without_talk == 0 for row in branches)
    assert root.compliant >= 1


def test_demo_loader_is_idempotent(tree: Tree):
    add_member(tree.branch)
    first = load_demo_orglife()
    assert first.meetings > 0
    assert load_demo_orglife().meetings == 0
    assert Meeting.objects.exclude(organization__path__startswith=tree.district.path).count() == 0


def test_the_orglife_seed_command_reports_what_it_wrote(
    tree: Tree, capsys: pytest.CaptureFixture[str]
):
    add_member(tree.branch)
    call_command("orglife-seed", "--as-of", "2026-01-01", "--seed", "3")
    meetings = Meeting.objects.count()
    assert meetings > 12
    assert f"会议 {meetings:,} 次" in capsys.readouterr().out


def test_the_demo_branch_gets_its_year_in_full(tree: Tree):
    for _ in range(6):
        add_member(tree.branch)
    add_member(tree.sibling)
    seed_orglife(as_of=dt.date(2026, 1, 1), seed=3)
    filled = fill_branch_year(organization_id=tree.branch.pk, secretary_user_id=None, seed=1)
    held = Meeting.objects.filter(organization=tree.branch, status=MeetingStatus.HELD)
    assert filled == held.count() > 12
    for meeting in held:
        assert meeting.minutes.signed_at is not None and meeting.minutes.body["items"]
        rows = list(meeting.attendances.all())
        assert rows and meeting.expected_count == len(rows)
        came = [
            a for a in rows if a.status in (AttendanceStatus.IN_PERSON, AttendanceStatus.ONLINE)
        ]
        assert meeting.present_count == len(came)
    # only the demo branch; and a second run fills nothing
    assert not Minutes.objects.exclude(meeting__organization=tree.branch).exists()
    assert fill_branch_year(organization_id=tree.branch.pk, secretary_user_id=None, seed=1) == 0


def test_branches_in_chunks_get_the_same_kind_of_year(
    tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One branch a chunk (a province's are 20,000): every branch still gets its twelve months,
    each attendance and talk is of a member of the meeting's branch, and the ids run on
    across the chunks without a gap or a repeat."""
    from jiceng.datasets import orglife
    from jiceng.orgs import rollups

    branches = (tree.branch, tree.sibling, tree.yaohua_branch)
    for org in branches:
        add_member(org)
        add_member(org)
    rollups.rebuild()
    monkeypatch.setattr(orglife, "CHUNK_BRANCHES", 1)
    result = seed_orglife(as_of=dt.date(2026, 1, 1), seed=3)
    for org in branches:
        months = set(Meeting.objects.filter(organization=org).values_list("month", flat=True))
        assert months == {202500 + m for m in range(1, 13)}
    attendances = Attendance.objects.select_related("meeting", "member")
    assert result.attendances == attendances.count() == 6
    assert all(a.member.organization_id == a.meeting.organization_id for a in attendances)
    assert all(a.meeting.kind == "THEME_DAY" and a.month == 202512 for a in attendances)
    talks = HeartToHeartTalk.objects.select_related("member")
    assert talks.exists()
    assert all(t.member.organization_id == t.organization_id for t in talks)
    for model in (Meeting, Attendance, HeartToHeartTalk):
        ids = sorted(model.objects.values_list("pk", flat=True))
        assert ids == list(range(ids[0], ids[0] + len(ids)))
