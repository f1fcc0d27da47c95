"""/api/v1/households: household contacts (联系户) through the same queries and services as
the pages: the same scope, the same refusals (in Chinese, per field), the same audit of each
look at a resident in full (a POST, as on the page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.paginator import Paginator
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member

from . import queries, services
from .models import Household, HouseholdContact, Visit, Way

P = Permission
router = Router(tags=["households"])
ANYONE_WITH_HOUSEHOLDS = (P.VIEW_OWN_RECORD, P.HANDLE_CASES, *queries.KEEPERS)


class HouseholdOut(Schema):
    id: int
    grid_id: int
    address: str
    resident_name: str = Field(description="户主姓名（脱敏）")
    phone: str = Field(description="联系电话（脱敏）")
    note: str
    last_visited_on: dt.date | None
    overdue: bool


def _household(h: Household) -> HouseholdOut:
    return HouseholdOut(
        id=h.pk,
        grid_id=h.grid_id,
        address=h.address,
        resident_name=h.resident_name_masked,
        phone=h.phone_masked,
        note=h.note,
        last_visited_on=h.last_visited_on,
        overdue=queries.is_overdue(h),
    )


class HouseholdPage(Schema):
    count: int
    page: int
    pages: int
    items: list[HouseholdOut]


class HouseholdVisitOut(Schema):
    id: int
    household_id: int
    visited_on: dt.date
    way: Way
    finding: str
    member_id: int | None
    case_id: int | None
    case_number: str | None


def _visit(v: Visit) -> HouseholdVisitOut:
    return HouseholdVisitOut(
        id=v.pk,
        household_id=v.household_id,
        visited_on=v.visited_on,
        way=Way(v.way),
        finding=v.finding,
        member_id=v.member_id,
        case_id=v.case_id,
        case_number=v.case.number if v.case is not None else None,
    )


class HouseholdContactOut(Schema):
    id: int
    member_id: int
    member_name: str
    started_on: dt.date


def _contact(c: HouseholdContact) -> HouseholdContactOut:
    return HouseholdContactOut(
        id=c.pk, member_id=c.member_id, member_name=c.member.name, started_on=c.started_on
    )


class HouseholdDetailOut(HouseholdOut):
    contacts: list[HouseholdContactOut]
    visits: list[HouseholdVisitOut]


@router.get("/mine", response={200: list[HouseholdOut], 403: Error}, summary="我的联系户")
@api_requires(P.VIEW_OWN_RECORD)
def my_households(request: AuthedRequest) -> list[HouseholdOut]:
    return [_household(h) for h in queries.my_households(request.user)]


@router.get(
    "/grids/{grid_id}",
    response={200: HouseholdPage, 403: Error, 404: Error},
    summary="A grid's households, or its overdue ones (?overdue=true)",
)
@api_requires(P.HANDLE_CASES, *queries.KEEPERS)
def grid_households(
    request: AuthedRequest,
    grid_id: PathId,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HouseholdPage:
    grid = queries.access_seen_grid(request.user, grid_id)
    shown = Paginator(queries.grid_households(grid, overdue_only=overdue), 100).get_page(page)
    return HouseholdPage(
        count=shown.paginator.count,
        page=shown.number,
        pages=shown.paginator.num_pages,
        items=[_household(h) for h in shown.object_list],
    )


class HouseholdIn(Schema):
    address: str = Field(max_length=200)
    resident_name: str = Field(max_length=50)
    phone: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=200)


@router.post(
    "/grids/{grid_id}/households",
    response={201: HouseholdOut, 400: Error, 403: Error, 404: Error},
    summary="登记联系户",
)
@api_requires(*queries.KEEPERS)
def household_create(
    request: AuthedRequest, grid_id: PathId, payload: HouseholdIn
) -> Status[HouseholdOut]:
    grid = queries.access_kept_grid(request.user, grid_id)
    household = services.add_household(
        grid=grid,
        address=payload.address,
        resident_name=payload.resident_name,
        phone=payload.phone,
        note=payload.note,
        by=request.user,
    )
    return Status(201, _household(household))


@router.get(
    "/{household_id}", response={200: HouseholdDetailOut, 403: Error, 404: Error}, summary="一户"
)
@api_requires(*ANYONE_WITH_HOUSEHOLDS)
def household_detail(request: AuthedRequest, household_id: PathId) -> HouseholdDetailOut:
    h = queries.access_household(request.user, household_id)
    return HouseholdDetailOut(
        **_household(h).dict(),
        contacts=[_contact(c) for c in queries.open_contacts(h)],
        visits=[_visit(v) for v in queries.visits_of(h)[:100]],
    )


class ResidentOut(Schema):
    household_id: int
    resident_name: str
    phone: str


@router.post(
    "/{household_id}/resident",
    response={200: ResidentOut, 403: Error, 404: Error},
    summary="The resident's name and phone in full: contacts and grid workers, audited",
)
@api_requires(*ANYONE_WITH_HOUSEHOLDS)
def household_resident(request: AuthedRequest, household_id: PathId) -> ResidentOut:
    household, resident = queries.reveal_resident(request.user, household_id)
    return ResidentOut(household_id=household.pk, resident_name=resident.name, phone=resident.phone)


class HouseholdVisitIn(Schema):
    visited_on: dt.date
    way: str = Field(description="IN_PERSON 入户 / PHONE 电话 / WECHAT 微信 / OTHER 其他")
    finding: str = Field(default="", max_length=1000)
    case_type: str = Field(default="", description="转为工单：诉求类型编码")
    subject: str = Field(default="", description="转为工单：诉求事项编码")


class HouseholdCaseIn(Schema):
    case_type: str
    subject: str


@router.post(
    "/{household_id}/visits",
    response={201: HouseholdVisitOut, 400: Error, 403: Error, 404: Error},
    summary="记录走访 (with case_type and subject: its finding becomes a case at once)",
)
@api_requires(P.VIEW_OWN_RECORD, P.HANDLE_CASES)
def visit_create(
    request: AuthedRequest, household_id: PathId, payload: HouseholdVisitIn
) -> Status[HouseholdVisitOut]:
    household = queries.access_visitable_household(request.user, household_id)
    case_type, subject = queries.case_categories(
        payload.case_type, payload.subject, type_field="case_type"
    )
    visit = services.log_visit(
        household=household,
        by=request.user,
        visited_on=payload.visited_on,
        way=payload.way,
        finding=payload.finding,
        case_type=case_type,
        subject=subject,
    )
    return Status(201, _visit(visit))


@router.post(
    "/visits/{visit_id}/case",
    response={201: HouseholdVisitOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="走访发现转工单",
)
@api_requires(P.VIEW_OWN_RECORD, P.HANDLE_CASES)
def visit_case(
    request: AuthedRequest, visit_id: PathId, payload: HouseholdCaseIn
) -> Status[HouseholdVisitOut]:
    visit = queries.access_visit(request.user, visit_id)
    case_type, subject = queries.case_categories(
        payload.case_type, payload.subject, type_field="case_type"
    )
    visit = services.open_case(
        visit=visit,
        case_type=case_type,
        subject=subject,
        by=request.user,
    )
    return Status(201, _visit(visit))


class HouseholdContactIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)


@router.post(
    "/{household_id}/contacts",
    response={201: HouseholdContactOut, 400: Error, 403: Error, 404: Error},
    summary="分配联系党员 (one per household where the rule says so)",
)
@api_requires(*queries.KEEPERS)
def contact_create(
    request: AuthedRequest, household_id: PathId, payload: HouseholdContactIn
) -> Status[HouseholdContactOut]:
    household = queries.access_kept_household(request.user, household_id)
    member = Member.objects.filter(pk=payload.member_id).first()
    if member is None:
        raise InvalidInput("未找到该党员", fields={"member_id": "未找到该党员"})
    contact = services.assign_contact(household=household, member=member, by=request.user)
    return Status(201, _contact(contact))


@router.post(
    "/contacts/{contact_id}/end",
    response={204: None, 403: Error, 404: Error, 409: Error},
    summary="解除联系关系",
)
@api_requires(*queries.KEEPERS)
def contact_end(request: AuthedRequest, contact_id: PathId) -> Status[None]:
    contact = (
        HouseholdContact.objects.select_related("household__grid").filter(pk=contact_id).first()
    )
    if contact is None or not queries.keeps_community(
        request.user, contact.household.grid.community_id
    ):
        raise not_found("联系关系")
    services.end_contact(contact=contact, by=request.user)
    return Status(204, None)
