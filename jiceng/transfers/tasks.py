"""Background work of transfers that the scheduler enqueues (core.scheduler): chasing the
receipts of letters that are late."""

from __future__ import annotations

from django_tasks import task

from jiceng.notices import channels
from jiceng.orglife.reminders import secretaries_of

from . import receipts


@task()
def chase_late_receipts() -> int:
    """回执催收: one notice per late letter, to the sending branch (and by the outward
    channels to its secretaries)."""
    notices = receipts.chase_late_receipts()
    if notices and channels.channels():
        secretaries = secretaries_of([n.organization_id or 0 for n in notices])
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
