"""Attendance: the member's check-in (签到), online participation (线上参会) and leave
(请假), the secretary's decision on leave and hand-kept record of who came."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput, NotFound
from jiceng.members.models import Member
from jiceng.points.posting import post_attendances

from . import rules
from .checkin_codes import meeting_of_token
from .checks import check_can_manage, check_month_open
from .models import Attendance, AttendanceStatus, LeaveStatus, Meeting, MeetingStatus


def online_min_minutes() -> int:
    return settings.JICENG_ONLINE_MIN_MINUTES


def _member_of(by: User) -> Member:
    if by.member_id is None:
        raise InvalidInput("您的账号没有关联党员档案，不能参会签到")
    return Member.objects.get(pk=by.member_id)


def _own_attendance(meeting: Meeting, member: Member) -> Attendance:
    found = Attendance.objects.filter(month=meeting.month, meeting=meeting, member=member).first()
    if found is None:
        raise NotFound("您不在本次会议的参会范围内")
    return found


def _check_live(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议已结束或已取消")
    if not rules.in_checkin_window(
        at=clock.now(), starts_at=meeting.starts_at, ends_at=meeting.ends_at
    ):
        raise InvalidInput("不在会议签到时间内（会前30分钟至会议结束）")


@transaction.atomic
def check_in(*, token: str, by: User) -> Attendance:
    """扫码签到: once per member, only while the meeting's window is open."""
    meeting = meeting_of_token(token)
    _check_live(meeting)
    attendance = _own_attendance(meeting, _member_of(by))
    moved = Attendance.objects.filter(pk=attendance.pk, checked_in_at__isnull=True).update(
        status=AttendanceStatus.IN_PERSON, checked_in_at=clock.now()
    )
    if moved != 1:
        raise Conflict("您已签到，无需重复签到")
    audit.record(audit.AuditEvent.WRITE, action="orglife.check_in", target=attendance, user=by)
    post_attendances([attendance.pk])  # 积分 at once: one row, cheap
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def join_online(*, meeting: Meeting, by: User) -> Attendance:
    """线上参会: through the platform's own page; presence counts from when one joins."""
    if not meeting.is_online:
        raise InvalidInput("本次会议不提供线上参会")
    _check_live(meeting)
    attendance = _own_attendance(meeting, _member_of(by))
    now = clock.now()
    moved = Attendance.objects.filter(
        pk=attendance.pk, online_session_started_at__isnull=True
    ).update(
        online_session_started_at=now,
        online_joined_at=Coalesce(F("online_joined_at"), now),
    )
    if moved != 1:
        raise Conflict("您已在线上会议中")
    audit.record(audit.AuditEvent.WRITE, action="orglife.join_online", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


def close_online_session(attendance: Attendance, meeting: Meeting, at: dt.datetime) -> bool:
    """Adds the open session's seconds (up to the meeting's end) and counts the member as
    online once past the threshold. False if no session was open."""
    started = attendance.online_session_started_at
    if started is None:
        return False
    until = min(at, meeting.ends_at)
    seconds = max(0, int((until - max(started, meeting.starts_at)).total_seconds()))
    moved = Attendance.objects.filter(pk=attendance.pk, online_session_started_at=started).update(
        online_seconds=F("online_seconds") + seconds,
        online_session_started_at=None,
        online_left_at=at,
    )
    if moved != 1:
        return False
    total = attendance.online_seconds + seconds
    meeting_seconds = int((meeting.ends_at - meeting.starts_at).total_seconds())
    if rules.online_counts(
        seconds=total, meeting_seconds=meeting_seconds, min_minutes=online_min_minutes()
    ):
        Attendance.objects.filter(
            pk=attendance.pk, status__in=[AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]
        ).update(status=AttendanceStatus.ONLINE)
        post_attendances([attendance.pk])
    return True


@transaction.atomic
def leave_online(*, meeting: Meeting, by: User) -> Attendance:
    attendance = _own_attendance(meeting, _member_of(by))
    if not close_online_session(attendance, meeting, clock.now()):
        raise Conflict("您不在线上会议中")
    audit.record(audit.AuditEvent.WRITE, action="orglife.leave_online", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def request_leave(*, meeting: Meeting, reason: str, by: User) -> Attendance:
    """请假: the member gives a reason; the secretary decides."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请填写请假事由", fields={"reason": "请填写请假事由"})
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议已结束或已取消")
    attendance = _own_attendance(meeting, _member_of(by))
    moved = Attendance.objects.filter(
        pk=attendance.pk,
        status=AttendanceStatus.ABSENT,
        leave_status__in=[LeaveStatus.NONE, LeaveStatus.REFUSED],
    ).update(leave_status=LeaveStatus.REQUESTED, leave_reason=reason[:200])
    if moved != 1:
        raise Conflict("已签到或已请假，不能再请假")
    audit.record(audit.AuditEvent.WRITE, action="orglife.request_leave", target=attendance, user=by)
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def decide_leave(*, attendance: Attendance, approve: bool, by: User | None) -> Attendance:
    meeting = Meeting.objects.select_related("organization").get(pk=attendance.meeting_id)
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    changes: dict[str, Any] = {
        "leave_status": LeaveStatus.APPROVED if approve else LeaveStatus.REFUSED,
        "leave_decided_by": by,
        "leave_decided_at": clock.now(),
    }
    if approve:
        changes["status"] = AttendanceStatus.EXCUSED
    moved = Attendance.objects.filter(
        pk=attendance.pk, leave_status=LeaveStatus.REQUESTED, status=AttendanceStatus.ABSENT
    ).update(**changes)
    if moved != 1:
        raise Conflict("该请假申请已处理")
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.decide_leave",
        target=attendance,
        user=by,
        detail={"approved": approve},
    )
    return Attendance.objects.get(pk=attendance.pk)


@transaction.atomic
def record_attendance(
    *, meeting: Meeting, member_id: int, status: str, by: User | None
) -> Attendance:
    """The secretary records one attendee by hand (a paper sign-in sheet, an absence)."""
    check_can_manage(by, meeting.organization)
    check_month_open(meeting.month)
    if status not in AttendanceStatus.values:
        raise InvalidInput("参会情况不正确", fields={"status": "参会情况不正确"})
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict("会议记录已签发，参会情况不能再改")
    attendance = Attendance.objects.filter(
        month=meeting.month, meeting=meeting, member_id=member_id
    ).first()
    if attendance is None:
        raise NotFound("该党员不在本次会议的参会范围内")
    changes: dict[str, Any] = {"status": status}
    now = clock.now()
    # Ticked while the meeting runs, the time is the check-in's; ticked afterwards from the
    # paper sheet, no time is known and none is made up (the page showed "12:14签到" for a
    # meeting that ended at 09:46).
    if status == AttendanceStatus.IN_PERSON and rules.in_checkin_window(
        at=now, starts_at=meeting.starts_at, ends_at=meeting.ends_at
    ):
        changes["checked_in_at"] = Coalesce(F("checked_in_at"), now)
    Attendance.objects.filter(pk=attendance.pk).update(**changes)
    post_attendances([attendance.pk])  # posted, or reversed when struck off
    audit.record(
        audit.AuditEvent.WRITE,
        action="orglife.record_attendance",
        target=attendance,
        user=by,
        detail={"status": status},
    )
    return Attendance.objects.get(pk=attendance.pk)
