"""Changes of a member's standing (党籍状态) and of where their record is kept: the one path by
which a member's status or organization changes, through the moves of members.workflow, each
written as a MemberEvent (the member page's timeline, kept forever).

`change_status` is called by the member page's buttons (失联, 恢复联系, 停止党籍, 除名, 去世 ...),
by the development of new members (转正, 取消预备党员资格), by transfers out of the system, and by
an edit of a member's particulars that changes the status (members.services.update_member, the
page's form and the API's PATCH alike), which names its move with workflow.move_between.
`move_organization` is called by transfers within the system (组织关系转接), `extend_probation`
by the development of new members; a member's first event is written by
members.services.create_members."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict, InvalidInput
from jiceng.orgs import rollups
from jiceng.orgs.models import Organization
from jiceng.orgs.services import check_can_write

from . import signals, workflow
from .models import ACTIVE_STATUSES, Member, MemberEvent, MemberStatus
from .workflow import Move


def weight(status: str) -> tuple[int, int]:
    """What a member of this status counts for in the rollups: (members, full members)."""
    return int(status in ACTIVE_STATUSES), int(status == MemberStatus.FULL)


def move_rollups(
    *,
    member_id: int,
    before: Organization,
    before_status: str,
    after: Organization,
    after_status: str,
) -> None:
    """Move the rollups for a member who was `before_status` at `before` and is now
    `after_status` at `after` (the same organization, or another), and tell the apps that
    keep their own (signals.member_moved)."""
    old, new = weight(before_status), weight(after_status)
    if before.pk != after.pk:
        rollups.add_members(organization=before, members=-old[0], full_members=-old[1])
        rollups.add_members(organization=after, members=new[0], full_members=new[1])
    elif old != new:
        rollups.add_members(
            organization=after, members=new[0] - old[0], full_members=new[1] - old[1]
        )
    if before.pk != after.pk or before_status != after_status:
        signals.member_moved.send(
            sender=Member, member_id=member_id, organization_id=after.pk, status=after_status
        )


def check_on(on: dt.date | None, *, joined_on: dt.date) -> dt.date:
    """The date a change happened: today if not given, never in the future nor before joining."""
    on = on or clock.today()
    if on > clock.today():
        raise InvalidInput("日期不能晚于今天", fields={"on": "日期不能晚于今天"})
    if on < joined_on:
        raise InvalidInput("日期不能早于入党日期", fields={"on": "日期不能早于入党日期"})
    return on


def record_event(
    *,
    member: Member,
    move: Move,
    from_status: str,
    to_status: str,
    on: dt.date,
    reason: str,
    by: User | None,
    decision: str = "",
    from_organization: Organization | None = None,
    to_organization: Organization | None = None,
) -> MemberEvent:
    """The event row of a change already written (inside its transaction)."""
    return MemberEvent.objects.create(
        member=member,
        move=move,
        from_status=from_status,
        to_status=to_status,
        on=on,
        reason=reason,
        decision=decision,
        from_organization=from_organization,
        to_organization=to_organization,
        by=by,
    )


def lost_contact_since(member: Member) -> dt.date | None:
    """The day of the member's latest 失去联系, if the platform recorded it."""
    return (
        member.events.filter(move=Move.LOSE_CONTACT)
        .order_by("-on", "-pk")
        .values_list("on", flat=True)
        .first()
    )


def _refuse(problem: str | None, field: str = "on") -> None:
    if problem:
        raise InvalidInput(problem, fields={field: problem})


@transaction.atomic
def change_status(
    *,
    member: Member,
    move: Move,
    to: MemberStatus | str | None = None,
    on: dt.date | None = None,
    reason: str = "",
    decision: str = "",
    by: User | None,
) -> Member:
    """Make `move` (workflow.MOVES) from the member's status; `to` where a move may arrive at
    several statuses (a correction). The status is changed by a conditional UPDATE on the
    status the move was checked from, so a concurrent change makes this one fail (Conflict)
    rather than both pass."""
    check_can_write(by, member.organization, Permission.MANAGE_MEMBERS)
    current = Member.objects.select_related("organization").get(pk=member.pk)
    move = Move(move)
    if move not in workflow.MOVES:
        raise InvalidInput(f"“{move.label}”不在此办理", fields={"status": "请选择党籍变动"})
    if to is None:
        targets = workflow.MOVES[move][1]
        if move in (Move.RESTORE_CONTACT, Move.REINSTATE):
            to = workflow.restored_status(current.full_member_on)
        elif len(targets) == 1:
            (to,) = targets
        else:
            raise InvalidInput("请选择新的党籍状态", fields={"status": "请选择新的党籍状态"})
    target = workflow.check_move(move, current.status, to)
    reason = workflow.check_reason(move, reason)
    decision = workflow.check_decision(move, decision)
    on = check_on(on, joined_on=current.joined_on)
    changes: dict[str, object] = {"status": target}
    if move is Move.BECOME_FULL:
        _refuse(
            workflow.probation_problem(current.joined_on, on, current.probation_extended_months)
        )
        changes["full_member_on"] = on
    elif move is Move.SUSPEND:
        _refuse(workflow.suspension_problem(lost_contact_since(current), on))
    elif target == MemberStatus.FULL:
        if current.full_member_on is None:
            message = "请先在“编辑党员信息”中填写转正日期"
            raise InvalidInput(message, fields={"status": message})
        problem = workflow.probation_problem(
            current.joined_on, current.full_member_on, current.probation_extended_months
        )
        if problem:
            raise InvalidInput(problem, fields={"status": problem})
    elif target == MemberStatus.PROBATIONARY:
        changes["full_member_on"] = None
    moved = Member.objects.filter(pk=current.pk, status=current.status).update(**changes)
    if moved != 1:
        raise Conflict("该党员的党籍状态刚被他人修改，请刷新后重试")
    record_event(
        member=current,
        move=move,
        from_status=current.status,
        to_status=target,
        on=on,
        reason=reason,
        decision=decision,
        by=by,
    )
    move_rollups(
        member_id=current.pk,
        before=current.organization,
        before_status=current.status,
        after=current.organization,
        after_status=target,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.change_status",
        target=current,
        user=by,
        detail={"move": move.value, "from": current.status, "to": target.value},
    )
    return Member.objects.select_related("organization").get(pk=member.pk)


@transaction.atomic
def extend_probation(
    *,
    member: Member,
    months: int,
    on: dt.date | None = None,
    decision: str = "",
    reason: str = "",
    by: User | None,
) -> Member:
    """延长预备期: once, by six to twelve months, by the decision of the body that admits; the
    status stays 预备党员 and the earliest full membership moves with it."""
    check_can_write(by, member.organization, Permission.MANAGE_MEMBERS)
    current = Member.objects.select_related("organization").get(pk=member.pk)
    if current.status != MemberStatus.PROBATIONARY:
        message = "只有预备党员可以延长预备期"
        raise InvalidInput(message, fields={"status": message})
    _refuse(workflow.extension_problem(months, current.probation_extended_months), "months")
    decision = workflow.check_decision(Move.EXTEND_PROBATION, decision)
    reason = workflow.check_reason(Move.EXTEND_PROBATION, reason)
    on = check_on(on, joined_on=current.joined_on)
    moved = Member.objects.filter(
        pk=current.pk, status=MemberStatus.PROBATIONARY, probation_extended_months=0
    ).update(probation_extended_months=months)
    if moved != 1:
        raise Conflict("该党员的预备期刚被他人修改，请刷新后重试")
    record_event(
        member=current,
        move=Move.EXTEND_PROBATION,
        from_status=current.status,
        to_status=current.status,
        on=on,
        reason=reason or f"延长预备期{months}个月",
        decision=decision,
        by=by,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.extend_probation",
        target=current,
        user=by,
        detail={"months": months},
    )
    return Member.objects.select_related("organization").get(pk=member.pk)


@transaction.atomic
def move_organization(
    *,
    member: Member,
    to: Organization,
    on: dt.date | None = None,
    reason: str = "",
    decision: str = "",
    by: User | None,
    move: Move = Move.TRANSFER,
    expected_from: Organization | None = None,
) -> Member:
    """Move a member's record to another organization (组织关系转接 within the system): one
    conditional UPDATE on the organization and status it was read with, so the record is in
    one branch at every moment and a concurrent move makes this one fail (Conflict); the
    rollups of both sides move, the event names both organizations.

    Does not check `by`'s rights: its caller (transfers.services) has checked the sending and
    the receiving side, which no single scope holds. `expected_from`: the organization the
    caller's procedure began at (a transfer's sending branch); a record no longer there is a
    Conflict, never moved from where it went meanwhile."""
    current = Member.objects.select_related("organization").get(pk=member.pk)
    if expected_from is not None and current.organization_id != expected_from.pk:
        raise Conflict("该党员的组织关系已不在转出组织，请刷新后重试")
    if to.pk == current.organization_id:
        _refuse("转入组织与现所在组织相同", "organization")
    _refuse(
        workflow.receiving_problem(kind=to.kind, is_active=to.is_active, name=to.name),
        "organization",
    )
    if current.status not in ACTIVE_STATUSES:
        message = f"党籍状态为“{MemberStatus(current.status).label}”的党员不能转接组织关系"
        raise InvalidInput(message, fields={"status": message})
    on = check_on(on, joined_on=current.joined_on)
    moved = Member.objects.filter(
        pk=current.pk, organization_id=current.organization_id, status=current.status
    ).update(organization=to, party_group=None)
    if moved != 1:
        raise Conflict("该党员的组织关系或党籍状态刚被他人修改，请刷新后重试")
    record_event(
        member=current,
        move=move,
        from_status=current.status,
        to_status=current.status,
        on=on,
        reason=reason,
        decision=decision,
        from_organization=current.organization,
        to_organization=to,
        by=by,
    )
    move_rollups(
        member_id=current.pk,
        before=current.organization,
        before_status=current.status,
        after=to,
        after_status=current.status,
    )
    audit.record(
        audit.AuditEvent.WRITE,
        action="members.move_organization",
        target=current,
        user=by,
        detail={"from": current.organization_id, "to": to.pk},
    )
    return Member.objects.select_related("organization").get(pk=member.pk)
