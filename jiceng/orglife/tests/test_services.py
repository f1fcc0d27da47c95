"""Services against the database: scheduling, notice, check-in, online, leave, minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.core.models import AuditRecord
from jiceng.orglife import compliance, rules
from jiceng.orglife.attendance import (
    check_in,
    decide_leave,
    join_online,
    leave_online,
    request_leave,
)
from jiceng.orglife.checkin_codes import checkin_token, renew_checkin_code
from jiceng.orglife.minutes import amend_minutes, record_minutes, sign_minutes
from jiceng.orglife.models import (
    Attendance,
    AttendanceStatus,
    Compliance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    MinutesAmendment,
    Notice,
)
from jiceng.orglife.requirements import set_meeting_rule
from jiceng.orglife.scheduling import schedule_meeting, schedule_recurring_meetings
from jiceng.testing.orglife_personas import DURING, THEME_DAY_START, Branch
from jiceng.testing.personas import Tree

BODY = {
    "items": [{"title": "学习党章第一章", "summary": "书记领学，大家交流体会"}],
    "resolutions": ["六月开展社区清洁志愿服务"],
    "tasks": [{"title": "组织志愿服务", "owner": "陈晓", "due_on": "2025-06-10"}],
}


def attendance_of(meeting: Meeting, user: User) -> Attendance:
    assert user.member_id is not None
    return Attendance.objects.get(meeting=meeting, member_id=user.member_id)


def test_schedule_notifies_every_expected_member(theme_day: Meeting, orglife_branch: Branch):
    assert theme_day.month == 202505
    assert theme_day.expected_count == 2
    assert [a.title for a in theme_day.agenda_items.all()] == ["学习党章第一章", "志愿服务安排"]
    rows = Attendance.objects.filter(meeting=theme_day)
    assert {a.status for a in rows} == {AttendanceStatus.ABSENT}
    assert attendance_of(theme_day, orglife_branch.zhao).is_remote
    assert AuditRecord.objects.filter(action="orglife.schedule_meeting").count() == 1


def test_notice_goes_out_after_commit(
    tree: Tree, orglife_branch: Branch, django_capture_on_commit_callbacks
):
    frozen = clock.frozen(dt.datetime(2025, 5, 1, 9))
    with frozen, django_capture_on_commit_callbacks(execute=True):
        meeting = schedule_meeting(
            organization=tree.branch,
            kind=MeetingKind.PARTY_LECTURE,
            title="二季度党课",
            starts_at=THEME_DAY_START,
            ends_at=THEME_DAY_START + dt.timedelta(hours=1),
            by=orglife_branch.secretary,
        )
    notices = Notice.objects.filter(meeting=meeting)
    assert {n.member_id for n in notices} == {
        orglife_branch.chen.member_id,
        orglife_branch.zhao.member_id,
    }
    assert "二季度党课" in notices[0].text


def test_another_branch_secretary_cannot_schedule(tree: Tree, sibling_secretary: User):
    with clock.frozen(dt.datetime(2025, 5, 1, 9)), pytest.raises(NotFound):
        schedule_meeting(
            organization=tree.branch,
            kind=MeetingKind.THEME_DAY,
            title="越权安排",
            starts_at=THEME_DAY_START,
            ends_at=THEME_DAY_START + dt.timedelta(hours=1),
            by=sibling_secretary,
        )
    assert not Meeting.objects.exists()


def test_back_fill_refused_once_the_month_is_closed(tree: Tree, secretary: User):
    with clock.frozen(dt.datetime(2025, 6, 5, 9)), pytest.raises(InvalidInput, match="已结账"):
        schedule_meeting(
            organization=tree.branch,
            kind=MeetingKind.THEME_DAY,
            title="补录五月主题党日",
            starts_at=THEME_DAY_START,
            ends_at=THEME_DAY_START + dt.timedelta(hours=1),
            by=secretary,
        )
    assert not Meeting.objects.exists()


def test_recurring_theme_day_on_the_fifteenth(tree: Tree, orglife_branch: Branch):
    with clock.frozen(dt.datetime(2025, 5, 1, 9)):
        made = schedule_recurring_meetings(
            organization=tree.branch,
            kind=MeetingKind.THEME_DAY,
            title="主题党日",
            first_day=dt.date(2025, 5, 1),
            day_of_month=15,
            count=3,
            start_time=dt.time(15),
            duration=dt.timedelta(hours=2),
            by=orglife_branch.secretary,
        )
    assert [m.starts_at.astimezone(clock.CHINA).date() for m in made] == [
        dt.date(2025, 5, 15),
        dt.date(2025, 6, 15),
        dt.date(2025, 7, 15),
    ]
    assert len({m.series for m in made}) == 1
    assert made[1].title == "主题党日（2025年6月）"


def test_check_in_once_and_only_in_the_window(theme_day: Meeting, orglife_branch: Branch):
    token = checkin_token(theme_day)
    early = clock.frozen(THEME_DAY_START - dt.timedelta(hours=1))
    with early, pytest.raises(InvalidInput, match="不在会议签到时间内"):
        check_in(token=token, by=orglife_branch.chen)
    with clock.frozen(DURING):
        done = check_in(token=token, by=orglife_branch.chen)
        assert done.status == AttendanceStatus.IN_PERSON
        with pytest.raises(Conflict, match="已签到"):
            check_in(token=token, by=orglife_branch.chen)
        with pytest.raises(InvalidInput, match="签到码无效"):
            check_in(token=token + "x", by=orglife_branch.zhao)


def test_renewed_code_voids_the_old_one(theme_day: Meeting, orglife_branch: Branch):
    token = checkin_token(theme_day)
    renew_checkin_code(meeting=theme_day, by=orglife_branch.secretary)
    with clock.frozen(DURING), pytest.raises(InvalidInput, match="已失效"):
        check_in(token=token, by=orglife_branch.chen)


def test_member_outside_the_audience_cannot_check_in(theme_day: Meeting, other_member: User):
    with clock.frozen(DURING), pytest.raises(NotFound):
        check_in(token=checkin_token(theme_day), by=other_member)


def test_online_presence_counts_only_past_the_minimum(theme_day: Meeting, orglife_branch: Branch):
    zhao = orglife_branch.zhao
    with clock.frozen(DURING):
        join_online(meeting=theme_day, by=zhao)
        with pytest.raises(Conflict):
            join_online(meeting=theme_day, by=zhao)
    with clock.frozen(DURING + dt.timedelta(minutes=10)):
        short = leave_online(meeting=theme_day, by=zhao)
    assert short.online_seconds == 600 and short.status == AttendanceStatus.ABSENT
    with clock.frozen(DURING + dt.timedelta(minutes=20)):
        join_online(meeting=theme_day, by=zhao)
    with clock.frozen(DURING + dt.timedelta(minutes=45)):
        counted = leave_online(meeting=theme_day, by=zhao)
    assert counted.online_seconds == 600 + 1500
    assert counted.status == AttendanceStatus.ONLINE and counted.is_remote


def test_leave_request_approved_by_the_secretary(theme_day: Meeting, orglife_branch: Branch):
    with clock.frozen(dt.datetime(2025, 5, 10, 9)):
        with pytest.raises(InvalidInput):
            request_leave(meeting=theme_day, reason="  ", by=orglife_branch.chen)
        asked = request_leave(meeting=theme_day, reason="出差", by=orglife_branch.chen)
        done = decide_leave(attendance=asked, approve=True, by=orglife_branch.secretary)
        with pytest.raises(Conflict):
            decide_leave(attendance=asked, approve=False, by=orglife_branch.secretary)
    assert done.status == AttendanceStatus.EXCUSED and done.leave_status == "APPROVED"


def _hold(meeting: Meeting, branch: Branch, *, online: bool = True) -> Meeting:
    with clock.frozen(DURING):
        check_in(token=checkin_token(meeting), by=branch.chen)
        if online:
            join_online(meeting=meeting, by=branch.zhao)
    with clock.frozen(THEME_DAY_START + dt.timedelta(hours=3)):
        record_minutes(meeting=meeting, body=BODY, by=branch.secretary)
        return sign_minutes(meeting=meeting, by=branch.secretary)


def test_signing_counts_quorum_and_updates_compliance(
    theme_day: Meeting, orglife_branch: Branch, tree: Tree
):
    with clock.frozen(dt.datetime(2025, 5, 2, 9)):
        compliance.rollup_month(202505)
    before = Compliance.objects.get(organization=tree.district, month=202505)
    assert before.branches == 3 and before.missing_theme_day == 3
    held = _hold(theme_day, orglife_branch)
    # the online session still open at sign-off closes at the meeting's end: 110 minutes
    assert held.status == MeetingStatus.HELD and held.quorum_met
    assert (held.expected_count, held.present_count) == (2, 2)
    row = Compliance.objects.get(organization=tree.branch, month=202505)
    assert row.met & rules.KIND_BITS[MeetingKind.THEME_DAY] and row.missing_theme_day == 0
    district = Compliance.objects.get(organization=tree.district, month=202505)
    assert district.missing_theme_day == 2 and district.present == 2
    # the full rebuild agrees with the incremental one
    compliance.rollup_month(202505)
    again = Compliance.objects.get(organization=tree.district, month=202505)
    assert (again.missing_theme_day, again.present, again.branches) == (2, 2, 3)


def test_without_quorum_the_meeting_does_not_count(theme_day: Meeting, orglife_branch: Branch):
    held = _hold(theme_day, orglife_branch, online=False)
    assert held.quorum_met is False
    row = Compliance.objects.get(organization_id=theme_day.organization_id, month=202505)
    assert row.missing & rules.KIND_BITS[MeetingKind.THEME_DAY]


def test_signed_minutes_change_only_by_amendment(theme_day: Meeting, orglife_branch: Branch):
    _hold(theme_day, orglife_branch)
    changed = {**BODY, "resolutions": ["六月十五日开展社区清洁志愿服务"]}
    with clock.frozen(THEME_DAY_START + dt.timedelta(days=1)):
        with pytest.raises(Conflict):
            record_minutes(meeting=theme_day, body=changed, by=orglife_branch.secretary)
        with pytest.raises(InvalidInput):
            amend_minutes(meeting=theme_day, body=changed, reason="", by=orglife_branch.secretary)
        minutes = amend_minutes(
            meeting=theme_day, body=changed, reason="日期写漏", by=orglife_branch.secretary
        )
    amendment = MinutesAmendment.objects.get()
    assert amendment.previous_body["resolutions"] == BODY["resolutions"]
    assert minutes.original_body is not None
    assert minutes.original_body["resolutions"] == BODY["resolutions"]
    assert minutes.body["resolutions"] == changed["resolutions"]


def test_unsigned_minutes_lock_after_seven_days(theme_day: Meeting, orglife_branch: Branch):
    with clock.frozen(THEME_DAY_START + dt.timedelta(hours=3)):
        record_minutes(meeting=theme_day, body=BODY, by=orglife_branch.secretary)
    with clock.frozen(THEME_DAY_START + dt.timedelta(days=8)), pytest.raises(Conflict):
        record_minutes(meeting=theme_day, body=BODY, by=orglife_branch.secretary)


@override_settings(JICENG_MINUTES_LOCK_DAYS=1)
def test_lock_days_come_from_settings(theme_day: Meeting, orglife_branch: Branch):
    with clock.frozen(THEME_DAY_START + dt.timedelta(hours=3)):
        minutes = record_minutes(meeting=theme_day, body=BODY, by=orglife_branch.secretary)
    assert minutes.locks_at == theme_day.ends_at + dt.timedelta(days=1)


def test_minutes_need_owner_and_due_date_for_tasks(theme_day: Meeting, orglife_branch: Branch):
    bad = {**BODY, "tasks": [{"title": "组织志愿服务", "owner": "", "due_on": "六月"}]}
    with pytest.raises(InvalidInput) as refused:
        record_minutes(meeting=theme_day, body=bad, by=orglife_branch.secretary)
    assert set(refused.value.fields) == {"tasks.0.owner", "tasks.0.due_on"}


def test_street_rule_overrides_the_national_default(
    tree: Tree, street_official: User, secretary: User
):
    set_meeting_rule(
        organization=tree.xianlin,
        kind=MeetingKind.PARTY_LECTURE,
        period="MONTH",
        times_per_period=1,
        by=street_official,
    )
    with pytest.raises(NotFound):
        set_meeting_rule(
            organization=tree.branch,
            kind=MeetingKind.PARTY_LECTURE,
            period="MONTH",
            times_per_period=1,
            by=secretary,
        )
    requirements = compliance.Requirements()
    assert requirements.for_path(tree.branch.path)[MeetingKind.PARTY_LECTURE].period == "MONTH"
    assert requirements.for_path(tree.yaohua_branch.path)[MeetingKind.PARTY_LECTURE].period == (
        "QUARTER"
    )
