"""跨省转入: the receiving end of a transfer from another province instance.

The member's record arrives sealed in an inbox message (federation.exchange.receive calls
`take_transfer`): it becomes an IncomingTransfer waiting for the receiving organization, whose
secretary, or the committee above it, accepts it (the member is registered here with a 转入
event, as any arrival from outside the system, and from then on has dues, points and meetings
here) or refuses it with a reason. Either answer goes back to the sending instance in the
outbox, in the same transaction; an organization that cannot receive members (unknown here,
dissolved, not a grassroots one) is refused at once, so the sender is never left waiting.
Who answers is who confirms an arrival within the province: MANAGE_MEMBERS at the receiving
organization (transfers.access, Side.RECEIVER). A probationary member's development file, when
the record carries one, is recreated under the receiving organization in the acceptance's
transaction (development.carrying), so the branch carries on the probation and decides 转正.

A transfer the sender sends again after a refusal (to another organization here, or the same
one after a correction) comes as a new message, so it is a new arrival, answered afresh; each
message is taken once (its inbox row is processed once, and an arrival holds one message).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.development import carrying
from jiceng.members import services as member_services
from jiceng.members import workflow as members_workflow
from jiceng.members.models import Member, MemberStatus, StatusMove
from jiceng.orgs.models import Organization
from jiceng.transfers import workflow as transfers_workflow

from . import exchange
from .models import InboxMessage, IncomingState, IncomingTransfer, MessageKind

ANSWERED = "该转入已有答复（现为“{state}”），请刷新后查看"


def take_transfer(message: InboxMessage, payload: dict[str, Any]) -> IncomingTransfer:
    """The handler of a TRANSFER message: the arrival, waiting for its organization."""
    to = Organization.objects.filter(pk=int(payload["to_local_id"])).first()
    remote_id = payload.get("transfer")
    incoming = IncomingTransfer.objects.create(
        message=message,
        sender=message.sender,
        remote_transfer_id=int(remote_id) if remote_id is not None else None,
        to_organization=to,
        member_name=str(payload["member"]["name"])[:50],
        from_organization_name=str(payload["from_organization"])[:200],
        letter=str(payload.get("letter", ""))[:40],
        arrived_at=clock.now(),
    )
    problem: str | None
    if to is None:
        problem = f"接收方实例中没有编号为{payload['to_local_id']}的党组织"
    else:
        problem = members_workflow.receiving_problem(
            kind=to.kind, is_active=to.is_active, name=to.name
        )
    if problem:
        _refuse(incoming, reason=problem, by=None)
    return incoming


def can_answer(user: User | None, incoming: IncomingTransfer) -> bool:
    """Whether `user` answers for the receiving organization (None: the system itself)."""
    if user is None:
        return True
    to = incoming.to_organization
    if to is None:
        return False
    return scope_of(user).allows(
        Permission.MANAGE_MEMBERS, path=to.path, division_id=to.division_id
    )


def _current(incoming: IncomingTransfer, by: User | None) -> IncomingTransfer:
    current = IncomingTransfer.objects.select_related("to_organization", "message").get(
        pk=incoming.pk
    )
    if current.state != IncomingState.PENDING:
        raise Conflict(ANSWERED.format(state=current.get_state_display()))
    if not can_answer(by, current):
        name = current.to_organization.name if current.to_organization else "接收党组织"
        raise Forbidden(f"此转入由“{name}”办理（须有该组织的党员管理权限）")
    return current


def _answered(incoming: IncomingTransfer, **changes: object) -> None:
    """The conditional move out of 待接收: of two answers at once, one wins."""
    moved = IncomingTransfer.objects.filter(pk=incoming.pk, state=IncomingState.PENDING).update(
        answered_at=clock.now(), **changes
    )
    if moved != 1:
        state = IncomingTransfer.objects.get(pk=incoming.pk).get_state_display()
        raise Conflict(ANSWERED.format(state=state))


def _reply(incoming: IncomingTransfer, *, accepted: bool, reason: str, on: dt.date | None) -> None:
    to = incoming.to_organization
    exchange.queue(
        peer=incoming.sender,
        kind=MessageKind.TRANSFER_ANSWER,
        payload={
            "transfer": incoming.remote_transfer_id,
            # the sending it answers: a transfer sent again since is not answered by this
            "message": str(incoming.message.message_id),
            "accepted": accepted,
            "reason": reason,
            "on": on.isoformat() if on else None,
            "organization": to.name if to else "",
        },
    )


def particulars_of(payload: dict[str, Any]) -> dict[str, object]:
    """The member's particulars in the record, as check_member_input takes them."""
    member = payload["member"]
    return {key: member.get(key) or "" for key in member_services.PARTICULARS}


@transaction.atomic
def accept_incoming(
    *, incoming: IncomingTransfer, by: User | None, on: dt.date | None = None
) -> Member:
    """接收: the member is registered in the receiving organization, arrived `on` (today by
    default), and the sender is told; their transfer closes there (回执)."""
    current = _current(incoming, by)
    payload = exchange.payload_of(current.message)
    today = clock.today()
    arrived = transfers_workflow.check_after(
        on or today,
        earliest=dt.date.fromisoformat(payload["leaves_on"]),
        what="转入日期",
        after_what="转出日期",
        field="on",
    )
    if arrived > today:
        raise InvalidInput("转入日期不能晚于今天", fields={"on": "转入日期不能晚于今天"})
    try:
        data = member_services.check_member_input(
            particulars_of(payload), organization=current.to_organization, today=today
        )
        data = replace(data, probation_extended_months=extension_of(payload, data.status))
    except InvalidInput as problem:
        message = f"转来的党员信息不完整或有误，无法登记：{problem.message}"
        raise InvalidInput(message, fields={"member": message}) from None
    # a file that cannot be read is shown on the arrival's page before the answer; the member
    # is registered without it
    carried, _ = carrying.file_in(payload.get("development"), status=data.status)
    paid = payload.get("dues_paid_to")
    dues = f"，党费交至{paid}" if paid else ""
    decision = f"由{current.from_organization_name}转入（跨省，介绍信{current.letter}{dues}）"
    try:
        member = member_services.create_member(
            data=data, by=by, move=StatusMove.TRANSFER_IN, on=arrived, decision=decision[:200]
        )
    except InvalidInput as problem:  # the ID number registered here already (回流, a slip)
        raise InvalidInput(problem.message, fields={"member": problem.message}) from None
    applicant = None
    if carried is not None:
        applicant = carrying.take_carried_file(
            carried=carried,
            member=member,
            province=current.sender,
            from_organization=current.from_organization_name,
            letter=current.letter,
            on=arrived,
            by=by,
        )
    _answered(
        current, state=IncomingState.ACCEPTED, answered_by=by, arrived_on=arrived, member=member
    )
    _reply(current, accepted=True, reason="", on=arrived)
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.accept_incoming",
        target=current,
        user=by,
        detail={
            "sender": current.sender,
            "member": member.pk,
            "development": applicant.pk if applicant else None,
        },
    )
    return member


def extension_of(payload: dict[str, Any], status: str) -> int:
    """延长预备期 of a probationary member as the sender decided it (0 from a sender of an
    older version, which does not send it), checked by the rule of an extension."""
    months = payload["member"].get("probation_extended_months") or 0
    if status != MemberStatus.PROBATIONARY or not months:
        return 0
    if not isinstance(months, int):
        raise InvalidInput("延长预备期有误", fields={"member": "延长预备期有误"})
    problem = members_workflow.extension_problem(months, 0)
    if problem:
        raise InvalidInput(problem, fields={"member": problem})
    return months


def check_refusal(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        message = "不予接收须说明原因"
        raise InvalidInput(message, fields={"reason": message})
    if len(reason) > 200:
        message = "原因不能超过200个字"
        raise InvalidInput(message, fields={"reason": message})
    return reason


def _refuse(incoming: IncomingTransfer, *, reason: str, by: User | None) -> None:
    _answered(incoming, state=IncomingState.REFUSED, answered_by=by, refused_reason=reason)
    _reply(incoming, accepted=False, reason=reason, on=None)
    audit.record(
        audit.AuditEvent.WRITE,
        action="federation.refuse_incoming",
        target=incoming,
        user=by,
        detail={"sender": incoming.sender},
    )


@transaction.atomic
def refuse_incoming(*, incoming: IncomingTransfer, by: User | None, reason: str) -> None:
    """不予接收, with its reason (不得无故拒绝接收): the sender's transfer comes back to the
    sending branch (已退回) with it, to correct and send again, or to cancel."""
    current = _current(incoming, by)
    _refuse(current, reason=check_refusal(reason), by=by)
