"""/api/v1/taskforces: 党员突击队 through the same queries and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpResponse, JsonResponse
from django.utils.timezone import localtime
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires, api_signed_in
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member
from jiceng.orgs.queries import access_organization

from . import checkin, notices, queries, services
from .models import Assignment, Kind, Site, TaskForce

router = Router(tags=["taskforces"])
MANAGERS = Permission.MANAGE_MEETINGS


class TaskForceOut(Schema):
    id: int
    name: str
    kind: str
    organization_id: int
    organization: str
    starts_on: dt.date
    ends_on: dt.date
    is_open: bool
    places_needed: int
    places_taken: int
    hours_confirmed: float
    coverage: int = Field(description="已报名人次占需要人次的百分比")

    @staticmethod
    def of(tf: TaskForce) -> TaskForceOut:
        return TaskForceOut(
            id=tf.pk,
            name=tf.name,
            kind=tf.kind,
            organization_id=tf.organization_id,
            organization=tf.organization.name,
            starts_on=tf.starts_on,
            ends_on=tf.ends_on,
            is_open=tf.is_open,
            places_needed=tf.places_needed,
            places_taken=tf.places_taken,
            hours_confirmed=tf.hours_confirmed,
            coverage=tf.coverage,
        )


class TaskForceIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(max_length=100)
    kind: Kind = Kind.EVENT
    purpose: str = Field("", max_length=200)
    starts_on: dt.date
    ends_on: dt.date


class SiteIn(Schema):
    name: str = Field(max_length=100)
    address: str = Field("", max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    community_code: str = Field("", max_length=12)
    lead_member_id: int | None = Field(None, ge=1, le=MAX_ID)


class SiteOut(Schema):
    id: int
    name: str
    address: str
    lon: float
    lat: float
    community_code: str
    grid_id: int | None
    lead: str

    @staticmethod
    def of(site: Site) -> SiteOut:
        return SiteOut(
            id=site.pk,
            name=site.name,
            address=site.address,
            lon=site.lon,
            lat=site.lat,
            community_code=site.community_id,
            grid_id=site.grid_id,
            lead=site.lead.name if site.lead else "",
        )


class ShiftsIn(Schema):
    first_day: dt.date
    last_day: dt.date
    slots: str = Field(max_length=200, description="每天的班次，如 08:00-12:00, 12:00-16:00")
    needed: int = Field(ge=1, le=services.MAX_PLACES)


class ShiftOut(Schema):
    id: int
    site_id: int
    site: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    taken: int


class ShiftsOut(Schema):
    created: int


class AssignmentOut(Schema):
    id: int
    shift_id: int
    task_force_id: int
    site: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    minutes_confirmed: int | None
    confirmed_how: str

    @staticmethod
    def of(a: Assignment) -> AssignmentOut:
        return AssignmentOut(
            id=a.pk,
            shift_id=a.shift_id,
            task_force_id=a.task_force_id,
            site=a.shift.site.name,
            starts_at=localtime(a.starts_at),
            ends_at=localtime(a.ends_at),
            checked_in_at=a.checked_in_at,
            checked_out_at=a.checked_out_at,
            minutes_confirmed=a.minutes_confirmed,
            confirmed_how=a.confirmed_how,
        )


class AtSiteIn(Schema):
    code: str = Field("", max_length=200, description="点位二维码中的签到码")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class HoursConfirmIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    hours: float | None = Field(None, ge=0, le=48)


class BoardShiftOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    taken: int
    people: list[str]


class BoardSiteOut(Schema):
    id: int
    name: str
    shifts: list[BoardShiftOut]


class BoardOut(Schema):
    day: dt.date
    needed: int
    taken: int
    sites_with_gaps: int
    page: int
    pages: int
    sites: list[BoardSiteOut]


class GapOut(Schema):
    shift_id: int
    site_id: int
    site: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    gap: int


class GapsOut(Schema):
    shifts: int
    places: int
    page: int
    pages: int
    items: list[GapOut]


class GapNoticeOut(Schema):
    recipients: int


class FiguresOut(Schema):
    organization_id: int
    year: int
    task_forces: int
    people: int
    places_needed: int
    places_taken: int
    hours: float
    coverage: int


@router.get("/open", response={200: list[TaskForceOut]}, summary="Task forces open to me")
@api_signed_in
def open_list(request: AuthedRequest) -> list[TaskForceOut]:
    member = queries.member_of(request.user)
    return [TaskForceOut.of(tf) for tf in queries.open_to(member)[:100]] if member else []


@router.get("/mine", response={200: list[AssignmentOut]}, summary="My shifts to come")
@api_signed_in
def my_shifts(request: AuthedRequest) -> list[AssignmentOut]:
    if request.user.member_id is None:
        return []
    return [AssignmentOut.of(a) for a in queries.my_assignments(request.user.member_id)[:200]]


@router.post("", response={201: TaskForceOut, 400: Error, 403: Error, 404: Error})
@api_requires(MANAGERS)
def form(request: AuthedRequest, payload: TaskForceIn) -> Status[TaskForceOut]:
    organization = access_organization(request.user, payload.organization_id)
    tf = services.form_task_force(
        by=request.user,
        organization=organization,
        name=payload.name,
        kind=payload.kind.value,
        purpose=payload.purpose,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, TaskForceOut.of(tf))


@router.get("/figures", response={200: FiguresOut, 403: Error, 404: Error})
@api_requires(MANAGERS, Permission.VIEW_ORGANIZATIONS)
def figures(
    request: AuthedRequest,
    organization_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> FiguresOut:
    organization = access_organization(request.user, organization_id)
    year = year or clock.today().year
    f = queries.figures(organization, year=year)
    return FiguresOut(
        organization_id=organization.pk,
        year=year,
        task_forces=f.task_forces,
        people=f.people,
        places_needed=f.places_needed,
        places_taken=f.places_taken,
        hours=f.hours,
        coverage=f.coverage,
    )


@router.get("/{task_force_id}", response={200: TaskForceOut, 404: Error})
@api_signed_in
def detail(request: AuthedRequest, task_force_id: PathId) -> TaskForceOut:
    return TaskForceOut.of(queries.access_task_force(request.user, task_force_id))


@router.get("/{task_force_id}/shifts", response={200: list[ShiftOut], 404: Error})
@api_signed_in
def open_shifts(request: AuthedRequest, task_force_id: PathId) -> list[ShiftOut]:
    """The shifts still to come with places left."""
    tf = queries.access_task_force(request.user, task_force_id)
    return [
        ShiftOut(
            id=s.pk,
            site_id=s.site_id,
            site=s.site.name,
            starts_at=localtime(s.starts_at),
            ends_at=localtime(s.ends_at),
            needed=s.needed,
            taken=s.taken,
        )
        for s in queries.open_shifts(tf)
    ]


def _managed(request: AuthedRequest, task_force_id: int) -> TaskForce:
    tf = queries.access_task_force(request.user, task_force_id)
    services.check_can_manage(request.user, tf.organization)
    return tf


@router.post("/{task_force_id}/sites", response={201: SiteOut, 400: Error, 404: Error})
@api_requires(MANAGERS)
def site_add(request: AuthedRequest, task_force_id: PathId, payload: SiteIn) -> Status[SiteOut]:
    tf = _managed(request, task_force_id)
    lead = None
    if payload.lead_member_id is not None:
        lead = Member.objects.filter(pk=payload.lead_member_id).first()
        if lead is None:
            raise InvalidInput("未找到该党员", fields={"lead_member_id": "未找到该党员"})
    site = services.add_site(
        by=request.user,
        task_force=tf,
        name=payload.name,
        address=payload.address,
        lon=payload.lon,
        lat=payload.lat,
        community_code=payload.community_code,
        lead=lead,
    )
    return Status(201, SiteOut.of(site))


@router.post("/sites/{site_id}/shifts", response={201: ShiftsOut, 400: Error, 404: Error})
@api_requires(MANAGERS)
def shifts_add(request: AuthedRequest, site_id: PathId, payload: ShiftsIn) -> Status[ShiftsOut]:
    site = queries.access_site(request.user, site_id)
    made = services.add_shifts(
        by=request.user,
        site=site,
        first_day=payload.first_day,
        last_day=payload.last_day,
        slots=services.parse_slots(payload.slots),
        needed=payload.needed,
    )
    return Status(201, ShiftsOut(created=len(made)))


@router.post(
    "/shifts/{shift_id}/sign-up",
    response={201: AssignmentOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Take a place on a shift (409 when the shift is full)",
)
@api_signed_in
def sign_up(request: AuthedRequest, shift_id: PathId) -> Status[AssignmentOut]:
    shift = queries.access_shift(request.user, shift_id)
    assignment = services.sign_up(by=request.user, shift=shift)
    assignment.shift = shift
    return Status(201, AssignmentOut.of(assignment))


@router.post(
    "/assignments/{assignment_id}/cancel", response={204: None, 400: Error, 404: Error, 409: Error}
)
@api_signed_in
def cancel(request: AuthedRequest, assignment_id: PathId) -> Status[None]:
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        raise not_found("班次")
    if assignment.member_id != request.user.member_id:
        queries.access_task_force(request.user, assignment.task_force_id)
    services.cancel(by=request.user, assignment=assignment)
    return Status(204, None)


@router.post(
    "/sites/{site_id}/check-in",
    response={200: AssignmentOut, 400: Error, 403: Error, 404: Error, 409: Error},
)
@api_signed_in
def check_in(request: AuthedRequest, site_id: PathId, payload: AtSiteIn) -> AssignmentOut:
    site = queries.access_site(request.user, site_id)
    a = services.check_in(
        by=request.user, site=site, code=payload.code, lon=payload.lon, lat=payload.lat
    )
    return AssignmentOut.of(Assignment.objects.select_related("shift__site").get(pk=a.pk))


@router.post(
    "/sites/{site_id}/check-out",
    response={200: AssignmentOut, 400: Error, 403: Error, 404: Error, 409: Error},
)
@api_signed_in
def check_out(request: AuthedRequest, site_id: PathId, payload: AtSiteIn) -> AssignmentOut:
    site = queries.access_site(request.user, site_id)
    a = services.check_out(
        by=request.user, site=site, code=payload.code, lon=payload.lon, lat=payload.lat
    )
    return AssignmentOut.of(Assignment.objects.select_related("shift__site").get(pk=a.pk))


class SiteCheckinCodeOut(Schema):
    token: str


@router.get("/sites/{site_id}/checkin-code", response={200: SiteCheckinCodeOut, 404: Error})
@api_signed_in
def checkin_code(request: AuthedRequest, site_id: PathId) -> SiteCheckinCodeOut:
    """What the QR code at the site carries (its lead and the committee)."""
    site = queries.access_site(request.user, site_id)
    if not services.may_confirm(request.user, site):
        raise not_found("点位")
    return SiteCheckinCodeOut(token=checkin.site_token(site.pk, site.checkin_secret))


@router.post(
    "/shifts/{shift_id}/confirm", response={200: AssignmentOut, 400: Error, 404: Error, 409: Error}
)
@api_signed_in
def confirm(request: AuthedRequest, shift_id: PathId, payload: HoursConfirmIn) -> AssignmentOut:
    """The site lead confirms a member's hours on a shift (default: the whole shift)."""
    shift = queries.access_shift(request.user, shift_id)
    if not services.may_confirm(request.user, shift.site):
        raise not_found("班次")
    assignment = services.assignment_of(shift=shift, member_id=payload.member_id)
    minutes = None if payload.hours is None else round(payload.hours * 60)
    a = services.confirm_hours(by=request.user, assignment=assignment, minutes=minutes)
    return AssignmentOut.of(Assignment.objects.select_related("shift__site").get(pk=a.pk))


def _visible(request: AuthedRequest, task_force_id: int) -> TaskForce:
    found = queries.visible(request.user).filter(pk=task_force_id).first()
    if found is None:
        raise not_found("突击队")
    return found


@router.get("/{task_force_id}/board", response={200: BoardOut, 404: Error})
@api_signed_in
def board(
    request: AuthedRequest,
    task_force_id: PathId,
    day: dt.date | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=queries.BOARD_PAGE_MAX)] = queries.BOARD_PAGE,
    gaps_only: bool = False,
) -> HttpResponse:
    """The coverage board of one day: the totals over every site, then a page of sites
    (`size`, at most 200; `pages` says how many), shift by shift, who is on."""
    tf = _visible(request, task_force_id)
    b = queries.board(tf, day or clock.today(), page=page, size=size, gaps_only=gaps_only)
    times: dict[dt.datetime, str] = {}  # a day has a few distinct shift times

    def iso(moment: dt.datetime) -> str:
        if moment not in times:
            times[moment] = localtime(moment).isoformat()
        return times[moment]

    # Built as plain JSON, in BoardOut's shape (the OpenAPI document names it): a thousand
    # sites through the schema's per-object validation cost seconds (bench/RESULTS.md).
    return JsonResponse(
        {
            "day": b.day.isoformat(),
            "needed": b.needed,
            "taken": b.taken,
            "sites_with_gaps": b.sites_with_gaps,
            "page": b.page,
            "pages": b.pages,
            "sites": [
                {
                    "id": s.pk,
                    "name": s.name,
                    "shifts": [
                        {
                            "id": h.pk,
                            "starts_at": iso(h.starts_at),
                            "ends_at": iso(h.ends_at),
                            "needed": h.needed,
                            "taken": h.taken,
                            "people": [name for name, _ in h.people],
                        }
                        for h in s.shifts
                    ],
                }
                for s in b.sites
            ],
        }
    )


@router.get("/{task_force_id}/gaps", response={200: GapsOut, 404: Error})
@api_signed_in
def gaps(
    request: AuthedRequest,
    task_force_id: PathId,
    days: Annotated[int, Query(ge=1, le=92)] = 30,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> GapsOut:
    tf = _visible(request, task_force_id)
    g = queries.gaps(tf, start=clock.now(), days=days, page=page)
    return GapsOut(
        shifts=g.shifts,
        places=g.places,
        page=g.page,
        pages=g.pages,
        items=[
            GapOut(
                shift_id=r.shift_id,
                site_id=r.site_id,
                site=r.site_name,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                gap=r.gap,
            )
            for r in g.rows
        ],
    )


@router.post("/{task_force_id}/gap-notice", response={201: GapNoticeOut, 400: Error, 404: Error})
@api_requires(MANAGERS)
def gap_notice(request: AuthedRequest, task_force_id: PathId) -> Status[GapNoticeOut]:
    tf = _managed(request, task_force_id)
    return Status(
        201, GapNoticeOut(recipients=notices.send_gap_notice(by=request.user, task_force=tf))
    )
