"""Background work of the notices: sending by the outward channels what a move wrote."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from . import channels


@task()
def deliver_to_users(user_ids: list[int], text: str) -> dict[str, int]:
    """The same text to each user by e-mail and SMS (notices.channels)."""
    recipients = channels.recipients_of_users(user_ids)
    delivered = channels.deliver([(recipients[u], text) for u in user_ids if u in recipients])
    return {"email": delivered.email, "sms": delivered.sms}


def deliver_to_users_on_commit(user_ids: list[int], text: str) -> None:
    """Queues `deliver_to_users` once the transaction has committed, if any outward channel is
    in use and there is anyone to tell."""
    if not user_ids or not channels.channels():
        return
    ids = sorted(set(user_ids))
    transaction.on_commit(lambda: deliver_to_users.enqueue(ids, text))
