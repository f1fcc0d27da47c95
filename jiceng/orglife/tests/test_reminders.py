"""The reminder before a meeting and the secretary's warning (orglife.reminders): when they are
written, to whom, and never twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import mail

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.notices.sms import LocmemBackend
from jiceng.orglife import reminders, tasks
from jiceng.orglife.models import (
    Attendance,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Notice,
    NoticeKind,
)
from jiceng.orglife.scheduling import schedule_meeting
from jiceng.testing.orglife_personas import THEME_DAY_START, Branch
from jiceng.testing.personas import Tree

DAY_BEFORE = THEME_DAY_START - dt.timedelta(days=1)


def reminders_of(meeting: Meeting) -> list[Notice]:
    return list(Notice.objects.filter(meeting=meeting, kind=NoticeKind.MEETING_REMINDER))


def test_the_reminder_goes_out_the_lead_time_before_the_meeting(
    theme_day: Meeting, orglife_branch: Branch
) -> None:
    with clock.frozen(DAY_BEFORE - dt.timedelta(minutes=1)):
        assert reminders.remind_meetings() == []
    with clock.frozen(DAY_BEFORE):
        written = reminders.remind_meetings()

    expected = set(Attendance.objects.filter(meeting=theme_day).values_list("member_id", flat=True))
    assert {n.member_id for n in written} == expected
    assert {orglife_branch.chen.member_id, orglife_branch.zhao.member_id} <= expected
    assert (
        written[0].text
        == "提醒：5月15日 15:00召开五月主题党日：学习党章，地点：文苑社区党群服务中心"
    )
    theme_day.refresh_from_db()
    assert theme_day.reminded_at == DAY_BEFORE


def test_the_lead_time_is_a_setting(theme_day: Meeting, settings: Any) -> None:
    settings.JICENG_MEETING_REMINDER_LEAD = 30
    with clock.frozen(THEME_DAY_START - dt.timedelta(minutes=31)):
        assert reminders.remind_meetings() == []
    with clock.frozen(THEME_DAY_START - dt.timedelta(minutes=29)):
        assert reminders.remind_meetings() != []


def test_a_meeting_is_reminded_once_however_often_the_task_runs(theme_day: Meeting) -> None:
    with clock.frozen(DAY_BEFORE):
        first = reminders.remind_meetings()
    for minutes in (0, 1, 60):
        with clock.frozen(DAY_BEFORE + dt.timedelta(minutes=minutes)):
            assert reminders.remind_meetings() == []
    assert len(reminders_of(theme_day)) == len(first) > 0


def test_a_member_on_approved_leave_gets_no_reminder(
    theme_day: Meeting, orglife_branch: Branch
) -> None:
    Attendance.objects.filter(meeting=theme_day, member=orglife_branch.zhao.member).update(
        leave_status=LeaveStatus.APPROVED
    )
    with clock.frozen(DAY_BEFORE):
        written = reminders.remind_meetings()
    assert orglife_branch.zhao.member_id not in {n.member_id for n in written}
    assert orglife_branch.chen.member_id in {n.member_id for n in written}


def test_a_meeting_called_at_short_notice_gets_its_notice_and_no_second_message(
    tree: Tree, orglife_branch: Branch
) -> None:
    starts = THEME_DAY_START + dt.timedelta(days=3)
    with clock.frozen(starts - dt.timedelta(hours=3)):
        meeting = schedule_meeting(
            organization=tree.branch,
            kind=MeetingKind.PARTY_LECTURE,
            title="临时党课",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            by=orglife_branch.secretary,
        )
        assert reminders.remind_meetings() == []
    meeting.refresh_from_db()
    assert meeting.reminded_at is not None  # marked, so the scan passes it by from now on
    assert reminders_of(meeting) == []


def test_a_cancelled_meeting_gets_no_reminder(theme_day: Meeting) -> None:
    Meeting.objects.filter(pk=theme_day.pk).update(status=MeetingStatus.CANCELLED)
    with clock.frozen(DAY_BEFORE):
        assert reminders.remind_meetings() == []


def test_the_reminder_task_sends_by_sms_and_email(
    theme_day: Meeting, orglife_branch: Branch
) -> None:
    User.objects.filter(pk=orglife_branch.chen.pk).update(email="chen@example.cn")
    LocmemBackend.outbox.clear()
    mail.outbox.clear()
    with clock.frozen(DAY_BEFORE):
        written = tasks.send_meeting_reminders.call()
    assert written == len(reminders_of(theme_day))
    assert [m.to for m in mail.outbox] == [["chen@example.cn"]]
    assert "提醒：5月15日 15:00召开五月主题党日" in mail.outbox[0].body
    assert len(LocmemBackend.outbox) == written  # every member of the tests has a phone
    assert all(m.text.startswith("【基层党建】提醒：") for m in LocmemBackend.outbox)


# -- the secretaries' warnings -----------------------------------------------------------------

MAY_20 = dt.datetime(2025, 5, 20, 9, 0, tzinfo=clock.CHINA)


def test_no_warning_before_the_day_of_the_month(tree: Tree) -> None:
    with clock.frozen(MAY_20 - dt.timedelta(days=1)):
        assert reminders.warn_secretaries() == []


def test_a_branch_without_its_monthly_meeting_is_warned_once(
    tree: Tree, theme_day: Meeting
) -> None:
    with clock.frozen(MAY_20):
        written = reminders.warn_secretaries()
    warned = {n.organization_id: n.text for n in written}
    # the first branch has its theme day; the others have not scheduled one
    assert tree.branch.pk not in warned
    assert warned[tree.sibling.pk] == "2025年5月尚未安排：主题党日（月底前须召开）"
    assert tree.yaohua_branch.pk in warned
    assert all(n.kind == NoticeKind.COMPLIANCE_WARNING for n in written)

    with clock.frozen(MAY_20 + dt.timedelta(days=2)):
        assert reminders.warn_secretaries() == []
    with clock.frozen(dt.datetime(2025, 6, 20, 9, 0, tzinfo=clock.CHINA)):
        june = {n.organization_id: n.text for n in reminders.warn_secretaries()}
    # June ends a quarter: the quarter's general meeting and lecture are named too
    assert "支部党员大会" in june[tree.branch.pk] and "主题党日" in june[tree.branch.pk]


def test_the_warning_day_is_a_setting(tree: Tree, settings: Any) -> None:
    settings.JICENG_MEETING_WARNING_DAY = 25
    with clock.frozen(MAY_20):
        assert reminders.warn_secretaries() == []


def test_a_cancelled_meeting_does_not_count_as_scheduled(tree: Tree, theme_day: Meeting) -> None:
    Meeting.objects.filter(pk=theme_day.pk).update(status=MeetingStatus.CANCELLED)
    with clock.frozen(MAY_20):
        warned = {n.organization_id for n in reminders.warn_secretaries()}
    assert tree.branch.pk in warned


def test_the_warning_task_tells_the_secretary(
    tree: Tree, theme_day: Meeting, sibling_secretary: User
) -> None:
    User.objects.filter(pk=sibling_secretary.pk).update(email="wang@example.cn")
    mail.outbox.clear()
    with clock.frozen(MAY_20):
        assert tasks.warn_secretaries.call() == 2
    assert [m.to for m in mail.outbox] == [["wang@example.cn"]]
    assert "尚未安排：主题党日" in mail.outbox[0].body
