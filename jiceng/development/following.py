"""A development file follows its member's transfer of organizational relation (组织关系转接).

A probationary member (预备党员) who transfers keeps their probation: the receiving side carries
on the education and decides 转正. transfers.services calls these in the transaction of the
step that completes a transfer, so the file is where the member's record is, never behind:

- `follow_within`: the receiving organization of this instance confirmed the arrival (the
  member's record moved, members.lifecycle.move_organization). The member's open case moves to
  that organization: its pipeline, deadlines (by the time rules that cover it there) and the
  right to record the 转正 steps go with it. The steps done before keep the branch that did
  them (StepRecord.branch, written here once); a CaseMove says from where, on which date and
  through which transfer.
- `hand_over`: the member went out of this instance (已转出: another province instance
  accepted them, or the receipt of a letter out of the system came back). The case here is
  closed as CaseStatus.MOVED_OUT, "由接收方继续考察", never as terminated (已终止); another
  province instance recreates it from the file sealed in the record (development.carrying).

Neither moves an admission: AdmissionTally counts it where it was approved (tallies.rebuild
reads a moved step's branch). Neither checks `by`'s rights: the caller has checked the sending
and the receiving side, which no single scope holds (as lifecycle.move_organization).
"""

from __future__ import annotations

import datetime as dt

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import Conflict
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import rules
from .models import Applicant, CaseMove, CaseStatus, Step, StepRecord
from .services import facts_of, rules_for


def _open_cases(member: Member) -> list[Applicant]:
    return list(
        Applicant.objects.select_for_update()
        .filter(member_id=member.pk, status=CaseStatus.OPEN)
        .select_related("organization")
        .order_by("pk")
    )


def _keep_branches(applicant: Applicant) -> None:
    """The steps done so far here were done by the branch that holds the file now (a step
    carried from another province instance names who did it there: it is left as it is)."""
    StepRecord.objects.filter(applicant=applicant, branch__isnull=True, is_carried=False).update(
        branch_id=applicant.organization_id
    )


def follow_within(
    *,
    member: Member,
    to: Organization,
    on: dt.date,
    transfer_id: int | None,
    by: User | None,
) -> list[Applicant]:
    """The member's open development case moves to `to`, the organization that has just
    received them within this instance; its next deadline by the rules that cover `to`."""
    moved: list[Applicant] = []
    for case in _open_cases(member):
        before = case.organization
        if before.pk == to.pk:
            continue
        _keep_branches(case)
        due = rules.next_due(
            last=Step(case.last_step),
            dates=facts_of(case).dates,
            rules=rules_for(to),
            extended_months=case.extended_months,
        )
        changed = Applicant.objects.filter(
            pk=case.pk, organization_id=before.pk, status=CaseStatus.OPEN
        ).update(organization=to, next_due_on=due.on if due else None)
        if changed != 1:
            raise Conflict("该党员的发展党员档案刚被他人修改，请刷新后重试")
        CaseMove.objects.create(
            applicant=case,
            transfer_id=transfer_id,
            from_organization=before,
            to_organization=to,
            moved_on=on,
            recorded_by=by,
            recorded_at=clock.now(),
        )
        audit.record(
            audit.AuditEvent.WRITE,
            action="development.follow_transfer",
            target=case,
            user=by,
            detail={"from": before.pk, "to": to.pk, "transfer": transfer_id, "on": str(on)},
        )
        moved.append(case)
    return moved


def hand_over(
    *,
    member: Member,
    destination: str,
    on: dt.date,
    transfer_id: int | None,
    by: User | None,
) -> list[Applicant]:
    """The member's open development case is closed here as MOVED_OUT: they went out of this
    instance to `destination`, which carries on."""
    closed: list[Applicant] = []
    for case in _open_cases(member):
        changed = Applicant.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(
            status=CaseStatus.MOVED_OUT, next_due_on=None
        )
        if changed != 1:
            raise Conflict("该党员的发展党员档案刚被他人修改，请刷新后重试")
        CaseMove.objects.create(
            applicant=case,
            transfer_id=transfer_id,
            from_organization=case.organization,
            destination=destination[:200],
            moved_on=on,
            recorded_by=by,
            recorded_at=clock.now(),
        )
        audit.record(
            audit.AuditEvent.WRITE,
            action="development.hand_over",
            target=case,
            user=by,
            detail={"transfer": transfer_id, "on": str(on)},
        )
        closed.append(case)
    return closed
