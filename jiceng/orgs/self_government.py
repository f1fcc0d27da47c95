"""The election of a village's villagers' committee (村民委员会) or a community's residents'
committee (居民委员会), recorded at the village's or community's party organization: the other
of the 两委. Its term is five years (村民委员会组织法 and 城市居民委员会组织法 as amended in
2018, aligned with the party organization's term).

The villagers or residents elect it, so its members need not be party members and are named
by name; a seat names a member of the organization too where the holder is one (书记、主任
一肩挑 is then visible). No role follows from these posts: they are not users of the party
platform by office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.members.models import Member

from .models import (
    Organization,
    Sector,
    SelfGovernmentCommittee,
    SelfGovernmentKind,
    SelfGovernmentPost,
    SelfGovernmentSeat,
)
from .services import audit_write, check_can_write, locked, members_on_roll_under

TERM_YEARS = 5
MAX_SEATS = 9  # 村民委员会由主任、副主任和委员共三至七人组成; a residents' committee five to nine
KIND_OF_SECTOR = {
    Sector.VILLAGE: SelfGovernmentKind.VILLAGERS,
    Sector.COMMUNITY: SelfGovernmentKind.RESIDENTS,
}


@dataclass(frozen=True)
class SeatInput:
    name: str
    post: str
    member: Member | None = None


def kind_for(organization: Organization) -> SelfGovernmentKind | None:
    """村民委员会 for a village's party organization, 居民委员会 for a community's, else none.
    Only the village's or community's own organization (the top of its sector: its parent is
    a street's or township's) has one, not the branches of its grids or buildings below it."""
    kind = KIND_OF_SECTOR.get(Sector(organization.sector)) if organization.sector else None
    if kind is None or organization.depth <= 1:
        return kind
    parent_path = organization.path[: -Organization.steplen]
    parent_sector = (
        Organization.objects.filter(path=parent_path).values_list("sector", flat=True).first()
    )
    return None if parent_sector == organization.sector else kind


def term_due(start: dt.date) -> dt.date:
    try:
        return start.replace(year=start.year + TERM_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + TERM_YEARS, day=28)


@transaction.atomic
def elect_self_government(
    *,
    organization: Organization,
    term_start: dt.date,
    seats: Sequence[SeatInput],
    by: User | None,
) -> SelfGovernmentCommittee:
    """Record a villagers' or residents' committee election (村/居委会换届): the current term
    ends, the new one starts with its seats."""
    check_can_write(by, organization)
    organization = locked(organization)
    kind = kind_for(organization)
    if kind is None:
        raise InvalidInput("只有村、社区的党组织录入村（居）民委员会")
    if term_start > clock.today():
        message = "本届开始日期不能晚于今天"
        raise InvalidInput(message, fields={"term_start": message})
    cleaned = [
        SeatInput(
            name=" ".join(s.name.split()) or (s.member.name if s.member else ""),
            post=s.post,
            member=s.member,
        )
        for s in seats
    ]
    problem = _seat_problem(organization, cleaned, kind)
    if problem:
        raise InvalidInput(problem, fields={"seats": problem})
    previous = SelfGovernmentCommittee.objects.filter(
        organization=organization, ended_on__isnull=True
    ).first()
    if previous is not None and term_start < previous.term_start:
        message = f"本届开始日期不能早于上一届的开始日期{previous.term_start:%Y-%m-%d}"
        raise InvalidInput(message, fields={"term_start": message})
    SelfGovernmentCommittee.objects.filter(organization=organization, ended_on__isnull=True).update(
        ended_on=term_start
    )
    committee = SelfGovernmentCommittee.objects.create(
        organization=organization, kind=kind, term_start=term_start, term_due=term_due(term_start)
    )
    SelfGovernmentSeat.objects.bulk_create(
        SelfGovernmentSeat(committee=committee, name=s.name, member=s.member, post=s.post)
        for s in cleaned
    )
    audit_write(
        "elect_self_government",
        organization,
        by,
        kind=kind.value,
        term_start=term_start,
        seats=len(cleaned),
    )
    return committee


def _seat_problem(
    organization: Organization, seats: Sequence[SeatInput], kind: SelfGovernmentKind
) -> str | None:
    if not seats:
        return "请填写委员会成员"
    if len(seats) > MAX_SEATS:
        return f"{kind.label}成员不超过{MAX_SEATS}人"
    if [s.post for s in seats].count(SelfGovernmentPost.CHAIR) != 1:
        return f"{kind.label}应有且只有一名主任"
    eligible = set(
        members_on_roll_under(organization)
        .filter(pk__in=[s.member.pk for s in seats if s.member is not None])
        .values_list("pk", flat=True)
    )
    names: set[str] = set()
    for seat in seats:
        if seat.post not in SelfGovernmentPost.values:
            return "职务不正确"
        if seat.member is not None:
            if seat.member.pk not in eligible:
                return f"{seat.member.name}不是本组织的在册党员"
            if seat.name and seat.name != seat.member.name:
                return f"姓名“{seat.name}”与所选党员{seat.member.name}不一致"
        name = seat.name or (seat.member.name if seat.member else "")
        if not name:
            return "请填写每位成员的姓名"
        if len(name) > 50:
            return "姓名不能超过50个字"
        if name in names:
            return f"{name}在本届委员会中出现了两次"
        names.add(name)
    return None
