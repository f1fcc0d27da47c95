"""A transfer to an organization of another province instance (跨省组织关系转接).

It is a LETTER transfer of transfers (the sending committee approves it and issues the numbered
introduction letter, whose receipt closes it), with the receiving organization named by its
province-qualified key. Its approval queues the member's record, sealed for the receiving
instance, in the outbox (federation.exchange.send_transfer, called by transfers.services).
The receiving organization's answer comes back as a message (`take_answer`): accepted, the
receipt is recorded (回执; the member becomes 已转出); refused, the transfer is returned to the
sending branch with the reason (已退回), to correct and send again, or to cancel, as a return
within the province.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import BRANCH_KINDS, GRASSROOTS_KINDS
from jiceng.transfers import services
from jiceng.transfers.models import StepAction, Transfer, TransferKind, TransferState

from . import keys
from .models import InboxMessage, PublishedOrganization, RemoteTransfer


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
