"""Background work of organizational life (Django's tasks API): the notice of a meeting, the
reminder the day before, and the warning to secretaries whose branch is about to miss a
requirement. `jiceng orglife-remind` (or a scheduler) enqueues the last two."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django_tasks import task

from jiceng.core import clock

from . import rules
from .models import Attendance, Compliance, Meeting, MeetingStatus, Notice, NoticeKind


def _when(meeting: Meeting) -> str:
    return f"{meeting.starts_at.astimezone(clock.CHINA):%m月%d日 %H:%M}"


@task()
def send_meeting_notices(meeting_ids: list[int]) -> int:
    """会议通知: one notice to each expected attendee of each meeting."""
    now = clock.now()
    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=meeting_ids)}
    notices = [
        Notice(
            kind=NoticeKind.MEETING_NOTICE,
            member_id=member_id,
            meeting_id=meeting_id,
            text=f"{_when(meetings[meeting_id])}召开{meetings[meeting_id].title}",
            created_at=now,
        )
        for meeting_id, member_id in Attendance.objects.filter(
            meeting_id__in=list(meetings)
        ).values_list("meeting_id", "member_id")
    ]
    Notice.objects.bulk_create(notices, batch_size=2000)
    return len(notices)


@task()
@transaction.atomic
def remind_upcoming_meetings(hours: int = 24) -> int:
    """会前提醒: meetings starting within `hours` that have not been reminded yet, once."""
    now = clock.now()
    due = list(
        Meeting.objects.select_for_update().filter(
            status=MeetingStatus.SCHEDULED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=hours),
        )
    )
    if not due:
        return 0
    by_pk = {m.pk: m for m in due}
    notices = [
        Notice(
            kind=NoticeKind.MEETING_REMINDER,
            member_id=member_id,
            meeting_id=meeting_id,
            text=f"提醒：{_when(by_pk[meeting_id])}召开{by_pk[meeting_id].title}",
            created_at=now,
        )
        for meeting_id, member_id in Attendance.objects.filter(
            meeting_id__in=list(by_pk), leave_status=""
        ).values_list("meeting_id", "member_id")
    ]
    Notice.objects.bulk_create(notices, batch_size=2000)
    Meeting.objects.filter(pk__in=list(by_pk), reminded_at__isnull=True).update(reminded_at=now)
    return len(notices)


@task()
def warn_secretaries(days: int = 10) -> int:
    """组织生活预警: in the last `days` of a month, each branch whose period ends with this
    month and still lacks a required meeting (as the rollup says) gets one warning a month."""
    today = clock.today()
    month = rules.month_of(today)
    next_month = rules.month_start(rules.add_months(month, 1))
    if (next_month - today).days > days:
        return 0
    warned = set(
        Notice.objects.filter(
            kind=NoticeKind.COMPLIANCE_WARNING,
            created_at__gte=dt.datetime.combine(
                rules.month_start(month), dt.time(), tzinfo=clock.CHINA
            ),
        ).values_list("organization_id", flat=True)
    )
    now = clock.now()
    notices = []
    # The current month's rollup reads "missing" for what its period still needs by the end
    # of this month: exactly what the secretary must hold in the days left.
    for org_id, missing in Compliance.objects.filter(
        month=month, branches=1, missing__gt=0
    ).values_list("organization_id", "missing"):
        due_now = rules.kinds_in(missing)
        if org_id in warned or not due_now:
            continue
        names = "、".join(str(k.label) for k in due_now)
        notices.append(
            Notice(
                kind=NoticeKind.COMPLIANCE_WARNING,
                organization_id=org_id,
                text=f"本期尚未完成：{names}，请在{next_month:%m月%d日}前召开",
                created_at=now,
            )
        )
    Notice.objects.bulk_create(notices, batch_size=2000)
    return len(notices)
