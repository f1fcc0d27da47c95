"""/api/v1/points: a member's own ledger, one member's ledger in scope, a subtree's
distribution and totals (never a list of members by points), the rules, and taking an award
back. A manual award, with its evidence file, is made on the member's page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.orgs.queries import access_organization

from . import queries
from .awards import reverse_award, set_rule
from .models import CapPeriod, PointsEntry, SourceKind
from .rules import DEFAULTS, RuleBook

router = Router(tags=["points"])

Year = Annotated[int | None, Query(ge=2000, le=2100)]


class PointsEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    source_kind: SourceKind
    source_label: str
    source_id: int
    is_reversal: bool
    points: int
    note: str

    @staticmethod
    def of(e: PointsEntry) -> PointsEntryOut:
        return PointsEntryOut(
            id=e.pk,
            occurred_at=e.occurred_at,
            source_kind=SourceKind(e.source_kind),
            source_label=e.get_source_kind_display(),
            source_id=e.source_id,
            is_reversal=e.is_reversal,
            points=e.points,
            note=e.note,
        )


class PointsLedgerOut(Schema):
    member_id: int
    year: int
    balance: int = Field(description="该年度积分（年度清零重计）")
    entries: list[PointsEntryOut]


class PointsDistributionOut(Schema):
    organization_id: int
    year: int
    members: int
    scored: int
    total: int
    by_kind: dict[str, int]
    bins: list[str] = Field(description="积分区间；党员不足10名时为空")
    counts: list[int] = Field(description="各区间的党员人数（无姓名，不排名）")


class PointsRuleIn(Schema):
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    kind: SourceKind
    valid_from: dt.date
    points: int = Field(ge=-32768, le=32767)
    cap: int | None = Field(default=None, ge=-32768, le=32767)
    cap_period: CapPeriod = CapPeriod.YEAR
    exempt_retired: bool = False
    exempt_lost_contact: bool = True


class PointsRuleOut(Schema):
    kind: SourceKind
    points: int
    cap: int | None
    cap_period: CapPeriod
    exempt_retired: bool
    exempt_lost_contact: bool
    valid_from: dt.date


class PointsReverseIn(Schema):
    reason: str = Field(min_length=1, max_length=100)


def _ledger(member_id: int, year: int, request: AuthedRequest) -> PointsLedgerOut:
    member = queries.access_member_points(request.user, member_id)
    return PointsLedgerOut(
        member_id=member.pk,
        year=year,
        balance=queries.balance_of(member, year),
        entries=[PointsEntryOut.of(e) for e in queries.entries_of(member, year)[:1000]],
    )


@router.get(
    "/me", response={200: PointsLedgerOut, 404: Error}, summary="The signed-in member's ledger"
)
@api_requires(Permission.ATTEND_MEETINGS, Permission.VIEW_OWN_RECORD)
def my_points(request: AuthedRequest, year: Year = None) -> PointsLedgerOut:
    if request.user.member_id is None:
        raise not_found("党员")
    return _ledger(request.user.member_id, year or queries.this_year(), request)


@router.get("/members/{member_id}", response={200: PointsLedgerOut, 404: Error})
@api_requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_points(request: AuthedRequest, member_id: PathId, year: Year = None) -> PointsLedgerOut:
    return _ledger(member_id, year or queries.this_year(), request)


@router.get(
    "/organizations/{org_id}/distribution", response={200: PointsDistributionOut, 404: Error}
)
@api_requires(Permission.VIEW_MEMBERS)
def distribution(
    request: AuthedRequest, org_id: PathId, year: Year = None
) -> PointsDistributionOut:
    organization = access_organization(request.user, org_id)
    year = year or queries.this_year()
    found = queries.distribution_of(organization, year)
    return PointsDistributionOut(
        organization_id=organization.pk,
        year=year,
        members=found.members,
        scored=found.scored,
        total=found.total,
        by_kind=dict(found.by_kind),
        bins=found.labels if found.shown else [],
        counts=found.counts if found.shown else [],
    )


@router.get("/organizations/{org_id}/rules", response={200: list[PointsRuleOut], 404: Error})
@api_requires(Permission.VIEW_MEMBERS)
def rules_in_force(request: AuthedRequest, org_id: PathId) -> list[PointsRuleOut]:
    """The rule of each kind in force today for the organization (its nearest ancestor's)."""
    organization = access_organization(request.user, org_id)
    today = clock.today()
    out = []
    for kind in SourceKind.values:
        rule = RuleBook.load(kind).rule_for(organization.path, today)
        out.append(
            PointsRuleOut(
                kind=SourceKind(kind),
                points=rule.points,
                cap=rule.cap,
                cap_period=CapPeriod(rule.cap_period),
                exempt_retired=rule.exempt_retired,
                exempt_lost_contact=rule.exempt_lost_contact,
                valid_from=rule.valid_from,
            )
        )
    assert len(out) == len(DEFAULTS)
    return out


@router.post("/rules", response={201: PointsRuleOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEETING_RULES)
def rule_create(request: AuthedRequest, payload: PointsRuleIn) -> Status[PointsRuleOut]:
    organization = (
        access_organization(request.user, payload.organization_id)
        if payload.organization_id
        else None
    )
    rule = set_rule(
        organization=organization,
        kind=payload.kind.value,
        valid_from=payload.valid_from,
        points=payload.points,
        cap=payload.cap,
        cap_period=payload.cap_period.value,
        exempt_retired=payload.exempt_retired,
        exempt_lost_contact=payload.exempt_lost_contact,
        by=request.user,
    )
    return Status(
        201,
        PointsRuleOut(
            kind=SourceKind(rule.kind),
            points=rule.points,
            cap=rule.cap,
            cap_period=CapPeriod(rule.cap_period),
            exempt_retired=rule.exempt_retired,
            exempt_lost_contact=rule.exempt_lost_contact,
            valid_from=rule.valid_from,
        ),
    )


@router.post(
    "/entries/{entry_id}/reverse",
    response={201: PointsEntryOut, 400: Error, 404: Error, 409: Error},
)
@api_requires(Permission.MANAGE_MEMBERS)
def entry_reverse(
    request: AuthedRequest, entry_id: PathId, payload: PointsReverseIn
) -> Status[PointsEntryOut]:
    entry = PointsEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise not_found("积分记录")
    queries.access_member_points(request.user, entry.member_id)
    return Status(
        201, PointsEntryOut.of(reverse_award(entry=entry, reason=payload.reason, by=request.user))
    )
