"""交换异常: a message of the exchange tried again at the operator's word.

An outbox message the receiver could not take keeps being tried by itself with a growing wait
(exchange.backoff); once the cause is fixed (the peer's database back, a key corrected) the
operator need not wait out the last wait: `retry_outbox` makes it due now. An inbox message
that could not be acted on (a key that did not open it, a transfer not found) is kept with its
reason and never tried again by itself; `retry_inbox` clears the reason so the next run of the
exchange opens it and acts on it again, once: it stays unprocessed until it succeeds, and the
message id keeps a message from being acted on twice. Neither shows or changes the payload,
which stays sealed. Who may: federation.queries.runs_exchange.
"""

from __future__ import annotations

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, not_found

from . import queries
from .models import InboxMessage, OutboxMessage

DENIED = "跨省交换异常消息由本实例的系统管理员或根组织的组织部门处理"


def check_runs_exchange(user: User) -> None:
    if not queries.runs_exchange(user):
        raise Forbidden(DENIED)


@transaction.atomic
def retry_outbox(*, pk: int, by: User) -> OutboxMessage:
    """重新投递: an undelivered message, due at the exchange's next run."""
    check_runs_exchange(by)
    message = OutboxMessage.objects.defer("body").filter(pk=pk).first()
    if message is None:
        raise not_found("发件箱消息")
    moved = OutboxMessage.objects.filter(pk=pk, delivered_at__isnull=True).update(
        next_attempt_at=clock.now()
    )
    if moved != 1:
        raise Conflict("该消息已送达对方实例，无需重新投递")
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.retry_outbox",
        target=message,
        user=by,
        detail={"peer": message.peer, "kind": message.kind, "attempts": message.attempts},
    )
    return message


@transaction.atomic
def retry_inbox(*, pk: int, by: User) -> InboxMessage:
    """重新处理: a message that failed, opened and acted on again at the exchange's next run
    (its reason kept in the audit record)."""
    check_runs_exchange(by)
    message = InboxMessage.objects.defer("body").filter(pk=pk).first()
    if message is None:
        raise not_found("收件箱消息")
    moved = (
        InboxMessage.objects.filter(pk=pk, processed_at__isnull=True)
        .exclude(error="")
        .update(error="")
    )
    if moved != 1:
        raise Conflict("该消息已处理，或已在等待重新处理")
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.retry_inbox",
        target=message,
        user=by,
        detail={"sender": message.sender, "kind": message.kind, "error": message.error},
    )
    return message
