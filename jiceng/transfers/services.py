"""Every write of a transfer (组织关系转接): starting it, and each step of transfers.workflow.

A step changes the state by a conditional UPDATE on the state it was checked from, so of two
people acting on one transfer at once one wins and the other gets a Conflict; the step that
completes a transfer moves the member's record (members.lifecycle) in the same transaction,
so the record is in one organization before and in the other after, never both or neither; a
member's open development case follows them in that transaction (development.following)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, Forbidden, InvalidInput
from jiceng.development import following
from jiceng.dues.queries import paid_up_to
from jiceng.federation import exchange
from jiceng.members import lifecycle
from jiceng.members.models import Member, StatusMove
from jiceng.orgs.models import Organization
from jiceng.orgs.services import check_can_write

from . import workflow
from .access import acts_as, organization_of
from .models import OPEN_STATES, StepAction, Transfer, TransferKind, TransferState, TransferStep
from .workflow import Side

A = StepAction
CONFLICT = "该转接刚被他人办理（现为“{state}”），请刷新后查看"


def receipt_days() -> int:
    """回执: expected back this many days after the letter is issued."""
    return int(settings.JICENG_TRANSFER_RECEIPT_DAYS)


def approver_for(organization: Organization) -> Organization:
    """The approving committee of `organization` (workflow.APPROVING_KINDS), itself included."""
    # the ancestors are the prefixes of the path: one read, nearest first
    step = Organization.steplen
    prefixes = [organization.path[:i] for i in range(len(organization.path), 0, -step)]
    by_path = {o.path: o for o in Organization.objects.filter(path__in=prefixes)}
    chain = [by_path[p] for p in prefixes if p in by_path]
    found = workflow.approver_of([(o.pk, o.kind) for o in chain])
    if found is None:
        raise InvalidInput(f"“{organization.name}”之上没有可以审批组织关系转接的党委")
    return next(o for o in chain if o.pk == found)


def _check_receiver(member: Member, to: Organization) -> None:
    problem = workflow.receiving_problem(
        kind=to.kind, is_active=to.is_active, name=to.name, same=to.pk == member.organization_id
    )
    if problem:
        raise InvalidInput(problem, fields={"to_organization": problem})


def _check_member(member: Member) -> None:
    problem = workflow.member_problem(member.status)
    if problem:
        raise InvalidInput(problem, fields={"member": problem})


def _check_destination(destination: str) -> str:
    destination = " ".join(destination.split())
    if not destination:
        message = "请填写接收单位（介绍信抬头）"
        raise InvalidInput(message, fields={"destination": message})
    if len(destination) > 200:
        raise InvalidInput("接收单位不能超过200个字", fields={"destination": "接收单位过长"})
    return destination


def _check_start_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请填写转接原因", fields={"reason": "请填写转接原因"})
    if len(reason) > 200:
        raise InvalidInput("转接原因不能超过200个字", fields={"reason": "转接原因过长"})
    return reason


def _step(
    transfer: Transfer, action: StepAction, before: str, after: str, by: User | None, note: str = ""
) -> None:
    TransferStep.objects.create(
        transfer=transfer,
        action=action,
        from_state=before,
        to_state=after,
        note=note,
        by=by,
        at=clock.now(),
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action=f"transfers.{action.value.lower()}",
        target=transfer,
        user=by,
        detail={"from": before, "to": after},
    )


@transaction.atomic
def start_transfer(
    *,
    member: Member,
    kind: TransferKind | str = TransferKind.WITHIN,
    to_organization: Organization | None = None,
    destination: str = "",
    reason: str,
    leaves_on: dt.date | None = None,
    by: User | None,
) -> Transfer:
    """发起转接: the sending branch (whoever manages the member's organization) starts it."""
    current = Member.objects.select_related("organization").get(pk=member.pk)
    check_can_write(by, current.organization, Permission.MANAGE_MEMBERS)
    kind = TransferKind(kind)
    _check_member(current)
    reason = _check_start_reason(reason)
    today = clock.today()
    leaves_on = workflow.check_leaves_on(
        leaves_on or today, joined_on=current.joined_on, today=today
    )
    in_approver = None
    if kind is TransferKind.WITHIN:
        if to_organization is None:
            message = "请选择接收党组织"
            raise InvalidInput(message, fields={"to_organization": message})
        to = Organization.objects.get(pk=to_organization.pk)
        _check_receiver(current, to)
        in_approver = approver_for(to)
        destination = ""
    else:
        to = None
        destination = _check_destination(destination)
    if Transfer.objects.filter(member=current, state__in=OPEN_STATES).exists():
        message = f"{current.name}已有正在办理的组织关系转接，办结或撤销后才能再发起"
        raise InvalidInput(message, fields={"member": message})
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                member=current,
                kind=kind,
                state=TransferState.SENT,
                from_organization=current.organization,
                to_organization=to,
                destination=destination,
                out_approver=approver_for(current.organization),
                in_approver=in_approver,
                reason=reason,
                leaves_on=leaves_on,
                started_by=by,
            )
    except IntegrityError:  # another secretary started one for this member meanwhile
        raise Conflict(f"{current.name}已有正在办理的组织关系转接，请刷新后查看") from None
    _step(transfer, A.START, TransferState.SENT, TransferState.SENT, by, reason)
    return transfer


def _check_can_act(by: User | None, transfer: Transfer, side: Side) -> None:
    if not acts_as(by, transfer, side):
        where = organization_of(transfer, side)
        name = where.name if where else "相应党组织"
        raise Forbidden(f"此步骤由“{name}”办理（须有该组织的党员管理权限）")


@transaction.atomic
def take_step(
    *,
    transfer: Transfer,
    action: StepAction | str,
    by: User | None,
    reason: str = "",
    on: dt.date | None = None,
    valid_days: int | None = None,
) -> Transfer:
    """One step of workflow.STEPS on the transfer as the user saw it (`transfer.state`): the
    approvals, the confirmation (the record moves), a return with its reason, a resubmission,
    a cancellation, the receipt of a letter (the member becomes 已转出)."""
    action = StepAction(action)
    seen = TransferState(transfer.state)
    current = Transfer.objects.select_related(
        "member", "from_organization", "to_organization", "out_approver", "in_approver"
    ).get(pk=transfer.pk)
    if current.state != seen:
        raise Conflict(CONFLICT.format(state=current.get_state_display()))
    _, side = workflow.step(current.kind, action, seen)
    _check_can_act(by, current, side)
    target = workflow.arrival(
        current.kind, action, seen, same_approver=current.in_approver_id == current.out_approver_id
    )
    note = workflow.check_reason(action, reason)
    today = clock.today()
    changes: dict[str, object] = {"state": target, "updated_at": clock.now()}
    arrived = received = today
    if action is A.RETURN:
        changes["returned_reason"] = note
    elif action is A.RESUBMIT:
        _check_member(current.member)
        if current.to_organization is not None:
            _check_receiver(current.member, current.to_organization)
        changes["returned_reason"] = ""
    elif action is A.CONFIRM:
        arrived = workflow.check_after(
            on or today,
            earliest=current.leaves_on,
            what="转入日期",
            after_what="转出日期",
            field="on",
        )
        if arrived > today:
            raise InvalidInput("转入日期不能晚于今天", fields={"on": "转入日期不能晚于今天"})
        changes["arrived_on"] = arrived
    elif action is A.APPROVE_OUT and current.kind == TransferKind.LETTER:
        changes.update(_letter(current, today=today, valid_days=valid_days))
    elif action is A.RECORD_RECEIPT:
        assert current.letter_issued_on is not None  # issued with the approval
        received = workflow.check_after(
            on or today,
            earliest=current.letter_issued_on,
            what="回执收回日期",
            after_what="介绍信开具日期",
            field="on",
        )
        if received > today:
            raise InvalidInput("回执收回日期不能晚于今天", fields={"on": "日期不能晚于今天"})
        changes["receipt_on"] = received
    moved = Transfer.objects.filter(pk=current.pk, state=seen).update(**changes)
    if moved != 1:
        state = Transfer.objects.get(pk=current.pk).get_state_display()
        raise Conflict(CONFLICT.format(state=state))
    if action is A.CONFIRM:
        assert current.to_organization is not None  # a transfer within the system names it
        lifecycle.move_organization(
            member=current.member,
            to=current.to_organization,
            on=arrived,
            reason=f"组织关系转接：{current.reason}"[:200],
            decision=f"由{current.from_organization.name}转入",
            by=by,
            expected_from=current.from_organization,
        )
        # a probationary member's development file goes with them: the receiving branch
        # carries on the probation and decides 转正
        following.follow_within(
            member=current.member,
            to=current.to_organization,
            on=arrived,
            transfer_id=current.pk,
            by=by,
        )
    elif action is A.RECORD_RECEIPT:
        lifecycle.change_status(
            member=current.member,
            move=StatusMove.TRANSFER_OUT,
            on=received,
            reason=f"组织关系转出至{current.destination}"[:200],
            decision=f"组织关系介绍信{current.letter_label}",
            by=by,
        )
        # out of this instance: the development file is closed here, the receiving side
        # carries on (another province instance recreates it from the sealed record)
        following.hand_over(
            member=current.member,
            destination=current.destination,
            on=received,
            transfer_id=current.pk,
            by=by,
        )
    elif action is A.APPROVE_OUT and current.kind == TransferKind.LETTER:
        # a letter to another province instance: the member's record goes to its outbox
        exchange.send_transfer(current)
    _step(current, action, seen, target, by, note)
    return Transfer.objects.get(pk=current.pk)


def _letter(transfer: Transfer, *, today: dt.date, valid_days: int | None) -> dict[str, object]:
    """The letter's number (per issuing committee and year, the next after the highest), its
    verification token, validity and the receipt's due date. The issuer's row is locked while
    the number is taken (PostgreSQL; SQLite's writers are serialized anyway), and the unique
    constraint stands behind it."""
    issuer = Organization.objects.select_for_update().get(pk=transfer.out_approver_id)
    days = workflow.letter_valid_days(valid_days)
    highest = Transfer.objects.filter(letter_issuer=issuer, letter_year=today.year).aggregate(
        n=Max("letter_number")
    )["n"]
    return {
        "letter_issuer": issuer,
        "letter_year": today.year,
        "letter_number": (highest or 0) + 1,
        "letter_token": secrets.token_urlsafe(18),
        "letter_issued_on": today,
        "letter_valid_until": today + dt.timedelta(days=days),
        "receipt_due": today + dt.timedelta(days=receipt_days()),
        "dues_paid_to": paid_up_to(transfer.member),
    }


@transaction.atomic
def revise_transfer(
    *,
    transfer: Transfer,
    to_organization: Organization | None = None,
    destination: str | None = None,
    reason: str | None = None,
    leaves_on: dt.date | None = None,
    by: User | None,
) -> Transfer:
    """A returned transfer corrected by its sender before it is resubmitted (重新提交)."""
    current = Transfer.objects.select_related("member", "from_organization").get(pk=transfer.pk)
    if current.state != TransferState.RETURNED:
        raise Conflict(CONFLICT.format(state=current.get_state_display()))
    _check_can_act(by, current, Side.SENDER)
    changes: dict[str, object] = {"updated_at": clock.now()}
    if reason is not None:
        changes["reason"] = _check_start_reason(reason)
    if leaves_on is not None:
        changes["leaves_on"] = workflow.check_leaves_on(
            leaves_on, joined_on=current.member.joined_on, today=clock.today()
        )
    if current.kind == TransferKind.WITHIN and to_organization is not None:
        to = Organization.objects.get(pk=to_organization.pk)
        _check_receiver(current.member, to)
        changes["to_organization"] = to
        changes["in_approver"] = approver_for(to)
    if current.kind == TransferKind.LETTER and destination is not None:
        changes["destination"] = _check_destination(destination)
    moved = Transfer.objects.filter(pk=current.pk, state=TransferState.RETURNED).update(**changes)
    if moved != 1:
        raise Conflict(CONFLICT.format(state="已变更"))
    return Transfer.objects.get(pk=current.pk)
