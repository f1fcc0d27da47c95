"""Heart-to-heart talks (谈心谈话): recording one, which brings the month's compliance up to
date; whether each talk counts for its branch (`HeartToHeartTalk.counted`), kept as members
move."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

from jiceng.accounts.models import User
from jiceng.core import audit, clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import compliance, rules
from .checks import check_can_manage
from .models import HeartToHeartTalk


@transaction.atomic
def record_talk(
    *, organization: Organization, member: Member, talked_on: dt.date, summary: str, by: User | None
) -> HeartToHeartTalk:
    """谈心谈话. The member's branch and status are read again under the row's lock: a move
    of the member (members.lifecycle, a conditional UPDATE of the same row) comes wholly
    before or after, so the talk's `counted` is right either way."""
    check_can_manage(by, organization)
    organization_id, status = (
        Member.objects.select_for_update()
        .filter(pk=member.pk)
        .values_list("organization_id", "status")
        .get()
    )
    if organization_id != organization.pk:
        raise InvalidInput("该党员不属于本党组织", fields={"member_id": "不属于本党组织"})
    if talked_on > clock.today():
        raise InvalidInput("谈话日期不能晚于今天", fields={"talked_on": "日期不正确"})
    talk = HeartToHeartTalk.objects.create(
        organization=organization,
        member=member,
        talked_on=talked_on,
        year=talked_on.year,
        summary=summary.strip()[:5000],
        recorded_by=by,
        counted=status in compliance.ACTIVE_STATUSES,
    )
    compliance.refresh_branch(organization=organization, month=rules.month_of(talked_on))
    audit.record(audit.AuditEvent.WRITE, action="orglife.record_talk", target=talk, user=by)
    return talk


def follow_member(*, member_id: int, organization_id: int, status: str, **_: Any) -> None:
    """members.signals.member_moved: a member's talks count only in the branch the member is now
    in, and only while active (a full or probationary member)."""
    active = status in compliance.ACTIVE_STATUSES
    talks = HeartToHeartTalk.objects.filter(member_id=member_id)
    talks.exclude(organization_id=organization_id).filter(counted=True).update(counted=False)
    talks.filter(organization_id=organization_id).exclude(counted=active).update(counted=active)


@transaction.atomic
def recount() -> int:
    """Mark every talk counted or not from the member rows, as `follow_member` keeps them, for
    rows written around the services (the tests' fixtures, as orgs.rollups.rebuild for the
    roster counts); returns the talks changed. Migration 0011 marks existing talks the same
    way."""
    table = connection.ops.quote_name(HeartToHeartTalk._meta.db_table)
    members = connection.ops.quote_name(Member._meta.db_table)
    active = ", ".join(["%s"] * len(compliance.ACTIVE_STATUSES))
    counts = (
        f"EXISTS (SELECT 1 FROM {members} m WHERE m.id = {table}.member_id "  # noqa: S608 - our tables
        f"AND m.organization_id = {table}.organization_id AND m.status IN ({active}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET counted = {counts} WHERE counted <> {counts}",  # noqa: S608
            [*compliance.ACTIVE_STATUSES] * 2,
        )
        return int(cursor.rowcount)
