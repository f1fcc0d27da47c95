"""A transfer to an organization of another province instance (跨省组织关系转接).

It is a LETTER transfer of transfers (the sending committee approves it and issues the numbered
introduction letter, whose receipt closes it), with the receiving organization named by its
province-qualified key. Its approval queues the member's record, sealed for the receiving
instance, in the outbox (federation.exchange.send_transfer, called by transfers.services).
The receiving organization's answer comes back as a message (`take_answer`): accepted, the
receipt is recorded (回执; the member becomes 已转出); refused, the transfer is returned to the
sending branch with the reason (已退回), to correct and send again, to address to another
receiving organization (`redirect_cross_province_transfer`, here or in another peer instance),
or to cancel, as a return within the province. Each sending after a return is a new letter
approved by the sending committee and a new message; an answer names the message it answers,
so an answer to an earlier sending never closes or returns the current one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS
from jiceng.transfers import services
from jiceng.transfers.access import acts_as
from jiceng.transfers.models import StepAction, Transfer, TransferKind, TransferState
from jiceng.transfers.workflow import Side

from . import keys
from .models import InboxMessage, MessageKind, OutboxMessage, PublishedOrganization, RemoteTransfer

SAME_RECEIVER = "这就是被退回时的接收党组织；仍发往该组织请直接“重新提交”"


def check_receiver(*, province: str, local_id: int, name: str) -> str:
    """The receiving organization's name, checked against the published tree when this
    instance holds it (a national view, or a province subscribing to others)."""
    if province == keys.province_code():
        message = "接收党组织在本省实例内，请使用系统内转接"
        raise InvalidInput(message, fields={"province": message})
    if province not in keys.peers():
        message = f"未与实例 {province} 建立交换（JICENG_FEDERATION_PEER_KEYS）"
        raise InvalidInput(message, fields={"province": message})
    known = PublishedOrganization.objects.filter(province_code=province, local_id=local_id).first()
    if known is not None:
        if known.dissolved_on is not None or known.kind not in GRASSROOTS_KINDS | BRANCH_KINDS:
            message = f"“{known.name}”不能接收党员组织关系"
            raise InvalidInput(message, fields={"local_id": message})
        return known.name
    name = " ".join(name.split())
    if not name:
        message = "请填写接收党组织名称"
        raise InvalidInput(message, fields={"name": message})
    return name[:180]  # with the province code after it, the transfer's destination


@transaction.atomic
def start_cross_province_transfer(
    *,
    member: Member,
    province: str,
    local_id: int,
    name: str = "",
    reason: str,
    leaves_on: dt.date | None = None,
    by: User | None,
) -> Transfer:
    """发起跨省转接: as a transfer out with a letter, whose receiver is another instance's."""
    receiver = check_receiver(province=province, local_id=local_id, name=name)
    transfer = services.start_transfer(
        member=member,
        kind=TransferKind.LETTER,
        destination=f"{receiver}（{province}）",
        reason=reason,
        leaves_on=leaves_on,
        by=by,
    )
    RemoteTransfer.objects.create(
        transfer=transfer, province_code=province, local_id=local_id, name=receiver
    )
    return transfer


@transaction.atomic
def redirect_cross_province_transfer(
    *,
    transfer: Transfer,
    province: str,
    local_id: int,
    name: str = "",
    reason: str | None = None,
    leaves_on: dt.date | None = None,
    by: User | None,
) -> Transfer:
    """改选接收党组织: a cross-province transfer returned to its sending branch (the receiving
    organization answered 不予接收) is addressed to another receiving organization, in the same
    or another peer instance, checked as the start form checks it, and resubmitted (重新提交)
    with the change in its history. The letter names its receiver, so the sending committee
    approves again and issues a new letter; that approval seals the record for the new
    receiver in a new outbox message (exchange.send_transfer), one for each approval."""
    current = Transfer.objects.select_related("from_organization", "member").get(pk=transfer.pk)
    if not acts_as(by, current, Side.SENDER):
        where = current.from_organization.name
        raise Forbidden(f"此转接由“{where}”办理（须有该组织的党员管理权限）")
    remote = RemoteTransfer.objects.filter(transfer=current).first()
    if remote is None:
        raise InvalidInput("这不是跨省组织关系转接，请在转接页修改后重新提交")
    # as the sender saw it (`transfer.state`) and as it is: a move meanwhile is a conflict
    if transfer.state != TransferState.RETURNED or current.state != TransferState.RETURNED:
        state = current.get_state_display()
        raise Conflict(f"该转接现为“{state}”，只有已退回的才能改选接收党组织，请刷新后查看")
    if (province, local_id) == (remote.province_code, remote.local_id):
        raise InvalidInput(SAME_RECEIVER, fields={"local_id": SAME_RECEIVER})
    receiver = check_receiver(province=province, local_id=local_id, name=name)
    before = f"{remote.name}（{remote.province_code}）"
    after = f"{receiver}（{province}）"
    revised = services.revise_transfer(
        transfer=current, destination=after, reason=reason, leaves_on=leaves_on, by=by
    )
    RemoteTransfer.objects.filter(pk=remote.pk).update(
        province_code=province, local_id=local_id, name=receiver
    )
    # the letter issued for the first receiver is void: its QR code no longer checks as valid
    # (its number stays on the row until the new letter's, so no number is issued twice)
    Transfer.objects.filter(pk=current.pk).update(letter_token=None)
    void = f"原介绍信{current.letter_label}作废；" if current.letter_number else ""
    # the conditional move out of 已退回: of two changes at once, one wins, the other's
    # revision and receiver are rolled back with it
    resubmitted = services.take_step(
        transfer=revised,
        action=StepAction.RESUBMIT,
        by=by,
        reason=f"{void}改选接收党组织：由{before}改为{after}"[:200],
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.redirect_transfer",
        target=resubmitted,
        user=by,
        detail={
            "from": f"{remote.province_code}:{remote.local_id}",
            "to": f"{province}:{local_id}",
        },
    )
    return resubmitted


def latest_sending(transfer_id: int) -> OutboxMessage | None:
    """The message that carried the transfer's record the last time it was sent."""
    return (
        OutboxMessage.objects.filter(transfer_id=transfer_id, kind=MessageKind.TRANSFER)
        .order_by("-created_at", "-pk")
        .first()
    )


def take_answer(message: InboxMessage, payload: dict[str, Any]) -> Transfer:
    """The handler of a TRANSFER_ANSWER message: the receiving organization's answer, from
    the instance the transfer went to (an answer naming another instance's transfer is
    refused), taken once: the step's conditional UPDATE refuses a second one."""
    remote = (
        RemoteTransfer.objects.select_related("transfer")
        .filter(transfer_id=int(payload["transfer"]), province_code=message.sender)
        .first()
    )
    if remote is None:
        raise InvalidInput(f"实例 {message.sender} 答复的跨省转接在本实例中不存在")
    transfer = remote.transfer
    # the answer names the message it answers (answers of older versions do not): an answer
    # to an earlier sending of a transfer sent again since never acts on the current one
    answered = payload.get("message")
    if answered is not None:
        latest = latest_sending(transfer.pk)
        if latest is None or str(latest.message_id) != str(answered):
            raise Conflict("该答复针对此前一次发送的跨省转接（之后已重新发送），不再处理")
    if transfer.state != TransferState.LETTER_ISSUED:
        raise Conflict(f"跨省转接的答复到达时，该转接已是“{transfer.get_state_display()}”")
    if payload["accepted"]:
        # the day the member arrived there, within the letter's issue and today here
        assert transfer.letter_issued_on is not None  # issued with the approval
        arrived = dt.date.fromisoformat(payload["on"]) if payload.get("on") else clock.today()
        on = min(max(arrived, transfer.letter_issued_on), clock.today())
        return services.take_step(
            transfer=transfer,
            action=StepAction.RECORD_RECEIPT,
            by=None,
            on=on,
            reason=f"{remote.name}已接收（跨省转接，{message.sender}）"[:200],
        )
    reason = f"{remote.name}不予接收：{payload.get('reason') or '未说明原因'}"
    return services.take_step(
        transfer=transfer, action=StepAction.RETURN, by=None, reason=reason[:200]
    )
