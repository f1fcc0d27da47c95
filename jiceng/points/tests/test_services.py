"""The ledger: posting from attendance (at once and by the month), idempotence, reversal,
caps, exemptions, rules by date and subtree, manual awards and their refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.members.models import Category, Member
from jiceng.orglife.attendance import check_in, join_online, leave_online, record_attendance
from jiceng.orglife.checkin_codes import checkin_token
from jiceng.orglife.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from jiceng.orglife.scheduling import cancel_meeting, schedule_meeting
from jiceng.points import posting, queries
from jiceng.points.awards import award_points, reverse_award, set_rule
from jiceng.points.models import Award, PointsEntry, PointsRule, SourceKind
from jiceng.points.posting import post_attendance_month
from jiceng.testing.orglife_personas import DURING, PNG_BYTES, THEME_DAY_START, Branch
from jiceng.testing.personas import Tree, add_member

MAY = 202505


def total(member_id: int | None, year: int = 2025) -> int:
    found = PointsEntry.objects.filter(member_id=member_id or 0, year=year).aggregate(
        s=Sum("points")
    )
    return int(found["s"] or 0)


def meeting_on(
    tree: Tree, branch: Branch, day: int, kind: str = MeetingKind.PARTY_LECTURE
) -> Meeting:
    start = dt.datetime(2025, 5, day, 19, 0, tzinfo=clock.CHINA)
    with clock.frozen(dt.datetime(2025, 5, 1, 9, tzinfo=clock.CHINA)):
        return schedule_meeting(
            organization=tree.branch,
            kind=kind,
            title=f"5月{day}日学习",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            place="党群服务中心",
            is_online=False,
            agenda=["学习"],
            by=branch.secretary,
        )


def present(meeting: Meeting, branch: Branch, user: User) -> None:
    with clock.frozen(meeting.starts_at + dt.timedelta(minutes=5)):
        record_attendance(
            meeting=meeting,
            member_id=user.member_id or 0,
            status=AttendanceStatus.IN_PERSON,
            by=branch.secretary,
        )


def test_check_in_earns_points_at_once_and_once(theme_day: Meeting, orglife_branch: Branch):
    chen = orglife_branch.chen
    with clock.frozen(DURING):
        check_in(token=checkin_token(theme_day), by=chen)
    assert total(chen.member_id) == 2
    entry = PointsEntry.objects.get(member_id=chen.member_id or 0)
    assert entry.source_kind == SourceKind.ATTENDANCE and entry.month == MAY
    with clock.frozen(dt.datetime(2025, 6, 1, 2, tzinfo=clock.CHINA)):
        again = post_attendance_month(MAY)
        twice = post_attendance_month(MAY)
    assert again.posted == 0 and twice.posted == 0 and twice.reversed == 0
    assert PointsEntry.objects.filter(member_id=chen.member_id or 0).count() == 1


def test_online_attendance_earns_as_the_meeting_not_as_time(
    theme_day: Meeting, orglife_branch: Branch
):
    zhao = orglife_branch.zhao
    with clock.frozen(DURING):
        join_online(meeting=theme_day, by=zhao)
    with clock.frozen(DURING + dt.timedelta(minutes=5)):
        leave_online(meeting=theme_day, by=zhao)
    assert total(zhao.member_id) == 0  # too short to count as attending
    with clock.frozen(DURING + dt.timedelta(minutes=10)):
        join_online(meeting=theme_day, by=zhao)
    with clock.frozen(DURING + dt.timedelta(minutes=90)):
        leave_online(meeting=theme_day, by=zhao)
    assert total(zhao.member_id) == 2  # the same 2 as in person, however long online


def test_absent_member_gets_no_points(theme_day: Meeting, orglife_branch: Branch):
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        result = post_attendance_month(MAY)
    assert result.posted == 0 and not PointsEntry.objects.exists()


def test_attendance_struck_off_is_reversed_once(
    tree: Tree, theme_day: Meeting, orglife_branch: Branch
):
    chen = orglife_branch.chen
    present(theme_day, orglife_branch, chen)
    assert total(chen.member_id) == 2
    with clock.frozen(DURING):
        record_attendance(
            meeting=theme_day,
            member_id=chen.member_id or 0,
            status=AttendanceStatus.ABSENT,
            by=orglife_branch.secretary,
        )
    entries = list(PointsEntry.objects.filter(member_id=chen.member_id or 0).order_by("pk"))
    assert [(e.points, e.is_reversal) for e in entries] == [(2, False), (-2, True)]
    assert entries[0].note == ""  # the first entry is as it was written
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        assert post_attendance_month(MAY).reversed == 0
    assert total(chen.member_id) == 0


def test_cancelled_meeting_is_reversed_by_the_monthly_run(tree: Tree, orglife_branch: Branch):
    meeting = meeting_on(tree, orglife_branch, 20)
    present(meeting, orglife_branch, orglife_branch.chen)
    with clock.frozen(dt.datetime(2025, 5, 20, 21, tzinfo=clock.CHINA)):
        cancel_meeting(meeting=meeting, by=orglife_branch.secretary)
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        result = post_attendance_month(MAY)
        assert post_attendance_month(MAY).reversed == 0
    assert result.reversed == 1 and total(orglife_branch.chen.member_id) == 0


def test_reversals_are_found_across_chunks_and_spare_what_stands(
    tree: Tree, orglife_branch: Branch, monkeypatch: pytest.MonkeyPatch
):
    """The posted entries are looked at a chunk at a time: with chunks of three, the four
    entries make a full chunk and a last one of one (the cancelled meeting's last attendee,
    posted last); each attendance of the cancelled meeting is reversed once, those of the
    meeting held are not."""
    cancelled, held = meeting_on(tree, orglife_branch, 20), meeting_on(tree, orglife_branch, 21)
    for meeting in (held, cancelled):
        for user in (orglife_branch.chen, orglife_branch.zhao):
            present(meeting, orglife_branch, user)
    with clock.frozen(dt.datetime(2025, 5, 20, 21, tzinfo=clock.CHINA)):
        cancel_meeting(meeting=cancelled, by=orglife_branch.secretary)
    monkeypatch.setattr(posting, "REVERSAL_CHUNK", 3)
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        assert post_attendance_month(MAY).reversed == 2
        assert post_attendance_month(MAY).reversed == 0
    reversed_ = set(
        PointsEntry.objects.filter(is_reversal=True).values_list("source_id", flat=True)
    )
    assert reversed_ == set(
        Attendance.objects.filter(meeting=cancelled).values_list("pk", flat=True)
    )


def test_ledger_entries_cannot_be_edited_or_deleted(theme_day: Meeting, orglife_branch: Branch):
    present(theme_day, orglife_branch, orglife_branch.chen)
    entry = PointsEntry.objects.get()
    with pytest.raises(TypeError, match="只增不改"):
        PointsEntry.objects.filter(pk=entry.pk).update(points=99)
    with pytest.raises(TypeError, match="只增不删"):
        PointsEntry.objects.all().delete()
    with pytest.raises(TypeError):
        entry.points = 99
        entry.save()
    assert PointsEntry.objects.get().points == 2


def test_cap_counts_events_per_period(
    tree: Tree, orglife_branch: Branch, district_department: User
):
    with clock.frozen(dt.datetime(2025, 4, 1, tzinfo=clock.CHINA)):
        set_rule(
            organization=tree.xianlin,
            kind=SourceKind.ATTENDANCE,
            valid_from=dt.date(2025, 4, 1),
            points=5,
            cap=2,
            cap_period="MONTH",
            exempt_retired=False,
            exempt_lost_contact=True,
            by=district_department,
        )
    meetings = [meeting_on(tree, orglife_branch, day) for day in (6, 13, 20)]
    for meeting in meetings:
        present(meeting, orglife_branch, orglife_branch.chen)
    rows = list(
        PointsEntry.objects.filter(member_id=orglife_branch.chen.member_id or 0)
        .order_by("occurred_at")
        .values_list("points", "note")
    )
    assert rows == [(5, ""), (5, ""), (0, "已达本周期计分上限")]
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        assert post_attendance_month(MAY).posted == 0  # the capped event stays posted once


def test_retired_member_exempt_where_the_rule_says(
    tree: Tree, theme_day: Meeting, orglife_branch: Branch, street_official: User
):
    retired = add_member(tree.branch, name="孙老", category=Category.RETIRED)
    with clock.frozen(dt.datetime(2025, 5, 2, tzinfo=clock.CHINA)):
        set_rule(
            organization=tree.community,
            kind=SourceKind.ATTENDANCE,
            valid_from=dt.date(2025, 5, 2),
            points=2,
            cap=None,
            cap_period="YEAR",
            exempt_retired=True,
            exempt_lost_contact=True,
            by=street_official,
        )
    # joined the branch after the notice: the secretary's sheet has them as present
    Attendance.objects.create(
        month=MAY, meeting=theme_day, member=retired, status=AttendanceStatus.IN_PERSON
    )
    present(theme_day, orglife_branch, orglife_branch.chen)
    with clock.frozen(dt.datetime(2025, 6, 1, tzinfo=clock.CHINA)):
        result = post_attendance_month(MAY)
    assert result.exempt == 1
    assert not PointsEntry.objects.filter(member=retired).exists()
    assert total(orglife_branch.chen.member_id) == 2


def test_rule_versioned_by_date_and_subtree(
    tree: Tree, orglife_branch: Branch, street_official: User
):
    with clock.frozen(dt.datetime(2025, 5, 1, tzinfo=clock.CHINA)):
        set_rule(
            organization=tree.xianlin,
            kind=SourceKind.ATTENDANCE,
            valid_from=dt.date(2025, 5, 10),
            points=7,
            cap=None,
            cap_period="YEAR",
            exempt_retired=False,
            exempt_lost_contact=True,
            by=street_official,
        )
    before, after = meeting_on(tree, orglife_branch, 6), meeting_on(tree, orglife_branch, 13)
    present(before, orglife_branch, orglife_branch.chen)
    present(after, orglife_branch, orglife_branch.chen)
    points = list(
        PointsEntry.objects.filter(member_id=orglife_branch.chen.member_id or 0)
        .order_by("occurred_at")
        .values_list("points", flat=True)
    )
    assert points == [2, 7]  # the national default before the street's rule, its rule after


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cap": -1}, "cap"),
        ({"points": -3}, "points"),
        ({"valid_from": dt.date(2025, 4, 30)}, "valid_from"),
    ],
)
def test_bad_rule_refused_and_nothing_written(
    tree: Tree, street_official: User, changes: dict[str, object], field: str
):
    fields: dict[str, object] = {
        "organization": tree.xianlin,
        "kind": SourceKind.ATTENDANCE,
        "valid_from": dt.date(2025, 5, 1),
        "points": 2,
        "cap": 12,
        "cap_period": "YEAR",
        "exempt_retired": False,
        "exempt_lost_contact": True,
    } | changes
    frozen = clock.frozen(dt.datetime(2025, 5, 1, tzinfo=clock.CHINA))
    with frozen, pytest.raises(InvalidInput) as refused:
        set_rule(**fields, by=street_official)  # type: ignore[arg-type]
    assert field in refused.value.fields
    if field == "cap":
        assert refused.value.message == "计分次数上限不能为负数"
    assert not PointsRule.objects.exists()


def test_rule_outside_the_scope_not_found(tree: Tree, yaohua_official: User):
    with pytest.raises(Exception, match="不存在"):
        set_rule(
            organization=tree.xianlin,
            kind=SourceKind.ATTENDANCE,
            valid_from=clock.today(),
            points=2,
            cap=None,
            cap_period="YEAR",
            exempt_retired=False,
            exempt_lost_contact=True,
            by=yaohua_official,
        )


def pdf(name: str = "表彰决定.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.7\n" + b"0" * 100, content_type="application/pdf")


def chen_member(branch: Branch) -> Member:
    return Member.objects.select_related("organization").get(pk=branch.chen.member_id or 0)


def test_award_with_evidence_and_approver(orglife_branch: Branch, media_root: Path):
    entry = award_points(
        member=chen_member(orglife_branch),
        points=10,
        reason="抗洪抢险突出表现",
        evidence=pdf(),
        by=orglife_branch.secretary,
    )
    award = Award.objects.get(pk=entry.source_id)
    assert entry.points == 10 and entry.source_kind == SourceKind.AWARD
    assert award.approver == orglife_branch.secretary
    assert award.evidence_type == "application/pdf"
    assert (media_root / str(award.evidence.name)).exists()
    png = SimpleUploadedFile("奖状.png", PNG_BYTES, content_type="image/png")
    award_points(
        member=chen_member(orglife_branch),
        points=3,
        reason="志愿服务",
        evidence=png,
        by=orglife_branch.secretary,
    )
    assert total(orglife_branch.chen.member_id, clock.today().year) == 13


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        (None, "请上传证明材料"),
        (SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"0" * 50), "只能是PDF"),
        (SimpleUploadedFile("a.docx", b"%!PS-Adobe" + b"0" * 50), "只能是PDF"),
        (SimpleUploadedFile("empty.pdf", b""), "请上传证明材料"),
    ],
)
def test_award_without_proper_evidence_refused_and_nothing_written(
    orglife_branch: Branch, media_root: Path, evidence: SimpleUploadedFile | None, message: str
):
    with pytest.raises(InvalidInput, match=message) as refused:
        award_points(
            member=chen_member(orglife_branch),
            points=5,
            reason="表彰",
            evidence=evidence,
            by=orglife_branch.secretary,
        )
    assert "evidence" in refused.value.fields
    assert not PointsEntry.objects.exists() and not Award.objects.exists()
    assert not list(media_root.rglob("*.*")) if media_root.exists() else True


def test_award_over_the_rule_refused(orglife_branch: Branch, media_root: Path):
    with pytest.raises(InvalidInput, match="积分应在1到20之间"):
        award_points(
            member=chen_member(orglife_branch),
            points=50,
            reason="表彰",
            evidence=pdf(),
            by=orglife_branch.secretary,
        )
    assert not PointsEntry.objects.exists()


def test_award_outside_the_scope_not_found(
    orglife_branch: Branch, sibling_secretary: User, media_root: Path
):
    with pytest.raises(Exception, match="不存在"):
        award_points(
            member=chen_member(orglife_branch),
            points=5,
            reason="表彰",
            evidence=pdf(),
            by=sibling_secretary,
        )
    assert not Award.objects.exists()


def test_award_reversed_once(orglife_branch: Branch, media_root: Path):
    entry = award_points(
        member=chen_member(orglife_branch),
        points=8,
        reason="表彰",
        evidence=pdf(),
        by=orglife_branch.secretary,
    )
    reversal = reverse_award(entry=entry, reason="重复记录", by=orglife_branch.secretary)
    assert reversal.points == -8 and reversal.is_reversal
    with pytest.raises(Conflict, match="已冲回"):
        reverse_award(entry=entry, reason="再冲", by=orglife_branch.secretary)
    with pytest.raises(Conflict):
        reverse_award(entry=reversal, reason="冲回冲正", by=orglife_branch.secretary)
    assert total(orglife_branch.chen.member_id, clock.today().year) == 0
    assert PointsEntry.objects.get(pk=entry.pk).points == 8


def test_balance_resets_each_year(tree: Tree, theme_day: Meeting, orglife_branch: Branch):
    present(theme_day, orglife_branch, orglife_branch.chen)
    member = chen_member(orglife_branch)
    assert queries.balance_of(member, 2025) == 2
    assert queries.balance_of(member, 2026) == 0
    assert THEME_DAY_START.year == 2025
