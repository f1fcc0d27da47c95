"""Changes of a member's status (党籍状态): the one path by which a status changes, through the
moves of members.workflow, each written as a MemberEvent (the member page's timeline).

`change_status` is called by the member page's buttons (失联, 恢复联系, 去世) and by an edit of a
member's particulars that changes the status (members.services.update_member, the page's form
and the API's PATCH alike), which names its move with workflow.move_between."""

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

from . import workflow
from .models import ACTIVE_STATUSES, Member, MemberEvent, MemberStatus
from .workflow import Move


def weight(status: str) -> tuple[int, int]:
    """What a member of this status counts for in the rollups: (members, full members)."""
    return int(status in ACTIVE_STATUSES), int(status == MemberStatus.FULL)


def move_rollups(
    *, before: Organization, before_status: str, after: Organization, after_status: str
) -> None:
    """Move the rollups for a member who was `before_status` at `before` and is now
    `after_status` at `after` (the same organization, or another)."""
    old, new = weight(before_status), weight(after_status)
    if before.pk != after.pk:
        rollups.add_members(organization=before, members=-old[0], full_members=-old[1])
        rollups.add_members(organization=after, members=new[0], full_members=new[1])
    elif old != new:
        rollups.add_members(
            organization=after, members=new[0] - old[0], full_members=new[1] - old[1]
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
) -> MemberEvent:
    """The event row of a change already written (inside its transaction)."""
    return MemberEvent.objects.create(
        member=member,
        move=move,
        from_status=from_status,
        to_status=to_status,
        on=on,
        reason=reason,
        by=by,
    )


@transaction.atomic
def change_status(
    *,
    member: Member,
    move: Move,
    to: MemberStatus | str | None = None,
    on: dt.date | None = None,
    reason: str = "",
    by: User | None,
) -> Member:
    """Make `move` (workflow.MOVES) from the member's status; `to` where a move may arrive at
    several statuses (a correction). The status is changed by a conditional UPDATE on the
    status the move was checked from, so a concurrent change makes this one fail (Conflict)
    rather than both pass."""
    check_can_write(by, member.organization, Permission.MANAGE_MEMBERS)
    current = Member.objects.select_related("organization").get(pk=member.pk)
    move = Move(move)
    if to is None:
        to = {
            Move.LOSE_CONTACT: MemberStatus.LOST_CONTACT,
            Move.DIE: MemberStatus.DECEASED,
            Move.RESTORE_CONTACT: workflow.restored_status(current.full_member_on),
        }.get(move)
        if to is None:
            raise InvalidInput("请选择新的党籍状态", fields={"status": "请选择新的党籍状态"})
    target = workflow.check_move(move, current.status, to)
    reason = workflow.check_reason(move, reason)
    on = check_on(on, joined_on=current.joined_on)
    changes: dict[str, object] = {"status": target}
    if target == MemberStatus.FULL:
        if current.full_member_on is None:
            message = "请先在“编辑党员信息”中填写转正日期"
            raise InvalidInput(message, fields={"status": message})
        problem = workflow.probation_problem(current.joined_on, current.full_member_on)
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
        by=by,
    )
    move_rollups(
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
