"""How an attendance reads on the pages, as the meeting's time stands: a member of a meeting
still to come is not "absent" (缺席) but expected, one who has not checked in while it runs
has not yet checked in. The stored status stays ABSENT until they check in, join online or
are excused (orglife.attendance); only the words change with the clock."""

from __future__ import annotations

import datetime as dt

from django import template

from jiceng.core import clock
from jiceng.orglife.models import Attendance, AttendanceStatus, MeetingStatus

register = template.Library()

NOT_STARTED = ("未开始", "upcoming")
RUNNING = ("未签到", "running")
CANCELLED = ("会议已取消", "cancelled")


def attendance_state(
    *,
    status: str,
    label: str,
    meeting_status: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
) -> tuple[str, str]:
    """(words, css suffix) for one attendance: the stored status once the meeting is over,
    "未开始" before it starts, "未签到" while it runs for someone not yet there."""
    if meeting_status == MeetingStatus.CANCELLED:
        return CANCELLED
    if status != AttendanceStatus.ABSENT or meeting_status == MeetingStatus.HELD:
        return label, status.lower()
    if now < starts_at:
        return NOT_STARTED
    if now <= ends_at:
        return RUNNING
    return label, status.lower()


def _state(attendance: Attendance) -> tuple[str, str]:
    meeting = attendance.meeting
    return attendance_state(
        status=attendance.status,
        label=attendance.get_status_display(),
        meeting_status=meeting.status,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        now=clock.now(),
    )


@register.filter
def attendance_label(attendance: Attendance) -> str:
    """{{ a|attendance_label }}: 签到 / 线上参会 / 请假 / 缺席, or 未开始 / 未签到."""
    return _state(attendance)[0]


@register.filter
def attendance_class(attendance: Attendance) -> str:
    """{{ a|attendance_class }}: the css class of the label (status-absent, status-upcoming…)."""
    return f"status-{_state(attendance)[1]}"
