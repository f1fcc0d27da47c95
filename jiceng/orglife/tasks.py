"""Background work of organizational life (Django's tasks API): the notice of a meeting when it
is scheduled; the reminders before meetings and the secretaries' warnings, which the scheduler
enqueues (core.scheduler). Each writes the notices (the centre shows them) and sends them by
the outward channels (notices.channels)."""

from __future__ import annotations

from collections.abc import Sequence

from django_tasks import task

from jiceng.core import clock
from jiceng.notices import channels

from . import reminders
from .models import Attendance, Meeting, Notice, NoticeKind


def _deliver_to_members(notices: Sequence[Notice]) -> int:
    recipients = channels.recipients_of_members(n.member_id for n in notices if n.member_id)
    delivered = channels.deliver(
        [(recipients[n.member_id], n.text) for n in notices if n.member_id in recipients]
    )
    return delivered.email + delivered.sms


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
            text=f"{reminders.when(meetings[meeting_id])}召开{meetings[meeting_id].title}",
            created_at=now,
        )
        for meeting_id, member_id in Attendance.objects.filter(
            meeting_id__in=list(meetings)
        ).values_list("meeting_id", "member_id")
    ]
    Notice.objects.bulk_create(notices, batch_size=2000)
    if channels.channels():
        _deliver_to_members(notices)
    return len(notices)


@task()
def send_meeting_reminders() -> int:
    """会前提醒 of the meetings starting within JICENG_MEETING_REMINDER_LEAD (once each)."""
    notices = reminders.remind_meetings()
    if channels.channels():
        _deliver_to_members(notices)
    return len(notices)


@task()
def warn_secretaries() -> int:
    """组织生活预警 of the branches that have not scheduled a required meeting of the month."""
    notices = reminders.warn_secretaries()
    if notices and channels.channels():
        secretaries = reminders.secretaries_of([n.organization_id or 0 for n in notices])
        recipients = channels.recipients_of_users(u for ids in secretaries.values() for u in ids)
        channels.deliver(
            [
                (recipients[user_id], n.text)
                for n in notices
                for user_id in secretaries.get(n.organization_id or 0, [])
                if user_id in recipients
            ]
        )
    return len(notices)
