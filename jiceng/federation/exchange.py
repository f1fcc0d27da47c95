"""The exchange between instances: an outbox here, an inbox there (跨实例消息交换).

A message is written to the outbox in the transaction of the change it announces, sealed for
its receiver (federation.keys). `deliver_due` hands each due message to the receiver by
inserting it into the receiver's inbox table with ON CONFLICT (message_id) DO NOTHING: if the
receiver is down the message waits and is tried again after a growing wait (`backoff`); if the
receiver took it but the answer was lost, the next attempt inserts nothing. `receive` opens
each new inbox message once and acts on it. Either side may be down for any time: nothing is
lost (the outbox keeps it) and nothing is done twice (the message id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from jiceng.core import audit, clock, crypto
from jiceng.core.errors import DomainError
from jiceng.core.masking import mask_text
from jiceng.development import carrying
from jiceng.members.services import ID_FIELD, PHONE_FIELD
from jiceng.transfers.models import Transfer

from . import keys
from .models import InboxMessage, MessageKind, OutboxMessage, RemoteTransfer

Sender = Callable[[OutboxMessage], None]
Handler = Callable[[InboxMessage, dict[str, Any]], object]

# What acts on each kind of message, by dotted path (as core.scheduler names its tasks): the
# receiving side of a transfer (federation.arrivals) and the sending side taking the answer
# (federation.crossing) both write through transfers and members, which import this module.
HANDLERS: dict[str, str] = {
    MessageKind.TRANSFER: "jiceng.federation.arrivals.take_transfer",
    MessageKind.TRANSFER_ANSWER: "jiceng.federation.crossing.take_answer",
}
# A message that opens but cannot be acted on (its transfer cancelled meanwhile, a payload of
# another version): kept with its reason, never tried again by itself.
UNUSABLE = (DomainError, KeyError, TypeError, ValueError)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: the base, doubled each time, capped."""
    base = int(settings.JICENG_FEDERATION_RETRY_SECONDS)
    cap = int(settings.JICENG_FEDERATION_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, min(attempts - 1, 30))))


def queue(
    *, peer: str, kind: MessageKind, payload: dict[str, Any], transfer: Transfer | None = None
) -> OutboxMessage:
    """A message for `peer`, sealed now, in the caller's transaction."""
    message = OutboxMessage(peer=peer, kind=kind, transfer=transfer, created_at=clock.now())
    message.next_attempt_at = message.created_at
    message.body = keys.seal_for(
        peer, message_id=str(message.message_id), kind=kind, payload=payload
    )
    message.save()
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.queue",
        target=message,
        detail={"peer": peer, "kind": kind.value},
    )
    return message


def transfer_payload(transfer: Transfer, remote: RemoteTransfer) -> dict[str, Any]:
    """The member's record as the receiving instance needs it to take the member on. A
    probationary member's development file goes with it, as an optional section
    ("development", versioned on its own: development.carrying), which a receiver that does
    not know it ignores: it reads the keys it knows."""
    member = transfer.member
    payload: dict[str, Any] = {
        "transfer": transfer.pk,
        "to_local_id": remote.local_id,
        "to_name": remote.name,
        "from_organization": transfer.from_organization.name,
        "letter": transfer.letter_label,
        "reason": transfer.reason,
        "leaves_on": transfer.leaves_on.isoformat(),
        "dues_paid_to": transfer.dues_paid_to.isoformat() if transfer.dues_paid_to else None,
        "member": {
            "name": member.name,
            "gender": member.gender,
            "ethnicity": member.ethnicity,
            "birth_date": member.birth_date.isoformat(),
            "id_number": crypto.unseal(member.id_number_sealed, field=ID_FIELD),
            "phone": crypto.unseal(member.phone_sealed, field=PHONE_FIELD)
            if member.phone_sealed
            else "",
            "education": member.education,
            "category": member.category,
            "joined_on": member.joined_on.isoformat(),
            "full_member_on": member.full_member_on.isoformat() if member.full_member_on else None,
            "status": member.status,
            "probation_extended_months": member.probation_extended_months,
        },
    }
    development = carrying.file_of(member)
    if development is not None:
        payload["development"] = development
    return payload


def send_transfer(transfer: Transfer) -> OutboxMessage | None:
    """The hook of transfers.services: when a transfer to another province instance is
    approved (its letter issued), the member's record goes to that instance's inbox."""
    remote = RemoteTransfer.objects.filter(transfer=transfer).first()
    if remote is None:
        return None
    current = Transfer.objects.select_related("member", "from_organization").get(pk=transfer.pk)
    return queue(
        peer=remote.province_code,
        kind=MessageKind.TRANSFER,
        payload=transfer_payload(current, remote),
        transfer=current,
    )


def send_to_peer(message: OutboxMessage) -> None:
    """Hands one message to its receiver: an INSERT into the receiver's inbox table, in the
    receiver's database (JICENG_FEDERATION_PEER_DATABASES; a role that may only insert there).
    Raises on any failure; a message the receiver already holds is a success."""
    url = settings.JICENG_FEDERATION_PEER_DATABASES.get(message.peer)
    if not url:
        raise keys.KeyProblem(
            f"未配置实例 {message.peer} 的数据库（JICENG_FEDERATION_PEER_DATABASES）"
        )
    timeout = int(settings.JICENG_FEDERATION_CONNECT_TIMEOUT)
    with psycopg.connect(url, connect_timeout=timeout, autocommit=True) as peer:
        peer.execute(
            "INSERT INTO federation_inboxmessage"
            " (message_id, sender, kind, body, received_at, processed_at, error)"
            " VALUES (%s, %s, %s, %s, now(), NULL, '') ON CONFLICT (message_id) DO NOTHING",
            [message.message_id, keys.province_code(), message.kind, bytes(message.body)],
        )


@dataclass(frozen=True)
class Delivery:
    delivered: int
    failed: int


def deliver_due(*, send: Sender = send_to_peer, limit: int = 100) -> Delivery:
    """Hands over the messages whose time has come; each failure waits longer (`backoff`)."""
    delivered = failed = 0
    now = clock.now()
    due = OutboxMessage.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now)
    for pk in list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            # a second deliverer running at once skips the rows this one holds
            locked = OutboxMessage.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            message = locked.filter(pk=pk, delivered_at__isnull=True).first()
            if message is None:
                continue
            attempts = message.attempts + 1
            try:
                send(message)
            except Exception as problem:  # any failure of the far side: retry
                error = f"{type(problem).__name__}: {problem}"[:300]
                OutboxMessage.objects.filter(pk=pk).update(
                    attempts=attempts, next_attempt_at=now + backoff(attempts), last_error=error
                )
                audit.record(
                    audit.AuditEvent.WRITE,
                    action="federation.deliver",
                    target=message,
                    result=audit.AuditResult.FAILURE,
                    detail={"peer": message.peer, "attempts": attempts},
                )
                failed += 1
                continue
            OutboxMessage.objects.filter(pk=pk).update(
                attempts=attempts, delivered_at=clock.now(), last_error=""
            )
            audit.record(
                audit.AuditEvent.WRITE,
                action="federation.deliver",
                target=message,
                detail={"peer": message.peer, "attempts": attempts},
            )
            delivered += 1
    return Delivery(delivered, failed)


def payload_of(message: InboxMessage) -> dict[str, Any]:
    """What the sender sealed in `message`, opened (KeyProblem if it does not authenticate)."""
    return keys.open_from(
        message.sender, message_id=str(message.message_id), kind=message.kind, body=message.body
    )


def receive(*, limit: int = 100) -> int:
    """Opens and acts on each message not yet processed, once; returns how many."""
    done = 0
    waiting = InboxMessage.objects.filter(processed_at__isnull=True, error="")
    for pk in list(waiting.order_by("received_at", "pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            message = (
                InboxMessage.objects.select_for_update()
                .filter(pk=pk, processed_at__isnull=True)
                .first()
            )
            if message is None:
                continue
            try:
                payload = payload_of(message)
            except keys.KeyProblem as problem:
                InboxMessage.objects.filter(pk=pk).update(error=str(problem)[:300])
                audit.record(
                    audit.AuditEvent.WRITE,
                    action="federation.receive",
                    target=message,
                    result=audit.AuditResult.REFUSED,
                    detail={"sender": message.sender},
                )
                continue
            try:
                handler: Handler = import_string(HANDLERS[message.kind])
                with transaction.atomic():
                    handler(message, payload)
            except UNUSABLE as problem:
                text = problem.message if isinstance(problem, DomainError) else repr(problem)
                InboxMessage.objects.filter(pk=pk).update(error=mask_text(text)[:300])
                audit.record(
                    audit.AuditEvent.WRITE,
                    action="federation.receive",
                    target=message,
                    result=audit.AuditResult.FAILURE,
                    detail={"sender": message.sender, "kind": message.kind},
                )
                continue
            InboxMessage.objects.filter(pk=pk).update(processed_at=clock.now())
            audit.record(
                audit.AuditEvent.WRITE,
                action="federation.receive",
                target=message,
                detail={"sender": message.sender, "kind": message.kind},
            )
            done += 1
    return done
