"""Background work of organizational life (Django's tasks API): the notice of a meeting."""

from __future__ import annotations

from django_tasks import task

from jiceng.core import clock

from .models import Attendance, Meeting, Notice, NoticeKind


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
