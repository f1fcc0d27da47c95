"""/api/v1/organizations: the tree, its nodes, and the writes of orgs.services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member

from . import queries, rules, services
from .forms import division_of
from .models import Organization, OrgKind, Post, Sector

router = Router(tags=["organizations"])

OrgId = PathId


class OrganizationOut(Schema):
    id: int
    name: str
    kind: OrgKind
    kind_label: str
    sector: Sector | None
    division_code: str | None
    depth: int
    parent_id: int | None = None
    has_children: bool
    founded_on: dt.date | None
    dissolved_on: dt.date | None
    member_count: int
    full_member_count: int
    subtree_member_count: int
    subtree_branch_count: int
    subtree_org_count: int

    @staticmethod
    def from_org(org: Organization) -> OrganizationOut:
        return OrganizationOut(
            id=org.pk,
            name=org.name,
            kind=OrgKind(org.kind),
            kind_label=org.get_kind_display(),
            sector=Sector(org.sector) if org.sector else None,
            division_code=org.division_id,
            depth=org.depth,
            has_children=org.numchild > 0,
            founded_on=org.founded_on,
            dissolved_on=org.dissolved_on,
            member_count=org.member_count,
            full_member_count=org.full_member_count,
            subtree_member_count=org.subtree_member_count,
            subtree_branch_count=org.subtree_branch_count,
            subtree_org_count=org.subtree_org_count,
        )


class SeatOut(Schema):
    member_id: int
    name: str
    post: str
    post_label: str


class CommitteeOut(Schema):
    term_start: dt.date
    term_due: dt.date
    term_status: str
    seats: list[SeatOut]


class OrganizationDetailOut(OrganizationOut):
    ancestors: list[int]
    warnings: list[str]
    committee: CommitteeOut | None


class OrganizationIn(Schema):
    parent_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=200)
    kind: OrgKind
    sector: Sector | None = None
    division_code: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    founded_on: dt.date | None = None


class OrganizationPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    sector: Sector | None = None
    division_code: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    founded_on: dt.date | None = None


class MoveIn(Schema):
    new_parent_id: int = Field(ge=1, le=MAX_ID)


class DissolveIn(Schema):
    on: dt.date | None = None


class SeatIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    post: Post


class CommitteeIn(Schema):
    term_start: dt.date
    seats: list[SeatIn] = Field(min_length=1, max_length=15)


class TermDueOut(Schema):
    organization_id: int
    organization_name: str
    term_start: dt.date
    term_due: dt.date
    overdue: bool


def _detail(request: AuthedRequest, org: Organization) -> OrganizationDetailOut:
    view = queries.overview(org)
    committee = None
    if view.committee is not None:
        committee = CommitteeOut(
            term_start=view.committee.term_start,
            term_due=view.committee.term_due,
            term_status=view.term_status or "ok",
            seats=[
                SeatOut(
                    member_id=s.member_id,
                    name=s.member.name,
                    post=s.post,
                    post_label=s.get_post_display(),
                )
                for s in view.committee.seats.all()
            ],
        )
    base = OrganizationOut.from_org(org).model_dump()
    return OrganizationDetailOut(
        **base,
        ancestors=[a.pk for a in queries.ancestors(request.user, org)],
        warnings=view.warnings,
        committee=committee,
    )


@router.get("/tree", response=list[OrganizationOut], summary="The user's top organizations")
@api_requires(Permission.VIEW_ORGANIZATIONS)
def tree(request: AuthedRequest) -> list[OrganizationOut]:
    return [OrganizationOut.from_org(o) for o in queries.tree_roots(request.user)]


@router.get("", response=list[OrganizationOut], summary="Search organizations by name")
@api_requires(Permission.VIEW_ORGANIZATIONS)
def search(
    request: AuthedRequest,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[OrganizationOut]:
    found = queries.search(request.user, name=q, limit=limit)
    return [OrganizationOut.from_org(o) for o in found]


@router.get("/{org_id}", response={200: OrganizationDetailOut, 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS)
def detail(request: AuthedRequest, org_id: OrgId) -> OrganizationDetailOut:
    return _detail(request, queries.access_organization(request.user, org_id))


@router.get("/{org_id}/children", response={200: list[OrganizationOut], 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS)
def children(request: AuthedRequest, org_id: OrgId) -> list[OrganizationOut]:
    org = queries.access_organization(request.user, org_id)
    return [OrganizationOut.from_org(o) for o in queries.children(request.user, org)]


@router.get("/{org_id}/subtree", response={200: list[OrganizationOut], 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS)
def subtree(
    request: AuthedRequest,
    org_id: OrgId,
    max_depth: Annotated[int, Query(ge=0, le=10)] = 2,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[OrganizationOut]:
    """The organization and its descendants down to `max_depth` levels, in tree order."""
    org = queries.access_organization(request.user, org_id)
    rows = queries.subtree(request.user, org, max_depth=max_depth)[offset : offset + limit]
    return [OrganizationOut.from_org(o) for o in rows]


@router.get("/{org_id}/terms-due", response={200: list[TermDueOut], 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS)
def terms_due(
    request: AuthedRequest,
    org_id: OrgId,
    within_days: Annotated[int, Query(ge=0, le=3650)] = rules.DUE_SOON_DAYS,
) -> list[TermDueOut]:
    """Organizations in the subtree whose term is overdue or due within `within_days`."""
    org = queries.access_organization(request.user, org_id)
    found = queries.terms_due(request.user, under=org, within_days=within_days)[:1000]
    today = clock.today()
    return [
        TermDueOut(
            organization_id=c.organization_id,
            organization_name=c.organization.name,
            term_start=c.term_start,
            term_due=c.term_due,
            overdue=c.term_due < today,
        )
        for c in found
    ]


@router.post("", response={201: OrganizationDetailOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def create(request: AuthedRequest, payload: OrganizationIn) -> Status[OrganizationDetailOut]:
    parent = queries.access_organization(request.user, payload.parent_id)
    org = services.create_organization(
        parent=parent,
        name=payload.name,
        kind=payload.kind,
        sector=payload.sector or "",
        division=division_of(payload.division_code),
        founded_on=payload.founded_on,
        by=request.user,
    )
    return Status(201, _detail(request, org))


@router.patch("/{org_id}", response={200: OrganizationDetailOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def update(
    request: AuthedRequest, org_id: OrgId, payload: OrganizationPatch
) -> OrganizationDetailOut:
    org = queries.access_organization(request.user, org_id)
    org = services.update_organization(
        organization=org,
        name=payload.name,
        sector=payload.sector.value if payload.sector else None,
        division=division_of(payload.division_code),
        founded_on=payload.founded_on,
        by=request.user,
    )
    return _detail(request, org)


@router.post("/{org_id}/move", response={200: OrganizationDetailOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def move(request: AuthedRequest, org_id: OrgId, payload: MoveIn) -> OrganizationDetailOut:
    org = queries.access_organization(request.user, org_id)
    target = queries.access_organization(request.user, payload.new_parent_id)
    moved = services.move_organization(organization=org, new_parent=target, by=request.user)
    return _detail(request, moved)


@router.post("/{org_id}/dissolve", response={200: OrganizationDetailOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def dissolve(request: AuthedRequest, org_id: OrgId, payload: DissolveIn) -> OrganizationDetailOut:
    org = queries.access_organization(request.user, org_id)
    done = services.dissolve_organization(organization=org, on=payload.on, by=request.user)
    return _detail(request, done)


@router.post(
    "/{org_id}/committee",
    response={201: OrganizationDetailOut, 400: Error, 403: Error, 404: Error},
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def elect_committee(
    request: AuthedRequest, org_id: OrgId, payload: CommitteeIn
) -> Status[OrganizationDetailOut]:
    """Record a new term (换届): the seats name members on the roll of this organization or of
    those below it. The new committee's accounts get their roles at the organization (支部书记,
    支委) and the old committee's lose them, so only whoever may grant those roles records it
    (the organization department above): others get 403."""
    org = queries.access_organization(request.user, org_id)
    found = Member.objects.in_bulk([seat.member_id for seat in payload.seats])
    missing = [seat.member_id for seat in payload.seats if seat.member_id not in found]
    if missing:
        raise InvalidInput(f"党员编号{missing[0]}不存在或不是本组织党员")
    seats = [(found[seat.member_id], seat.post.value) for seat in payload.seats]
    services.elect_committee(
        organization=org, term_start=payload.term_start, seats=seats, by=request.user
    )
    return Status(201, _detail(request, queries.access_organization(request.user, org_id)))
