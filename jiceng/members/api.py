"""/api/v1/members: the scoped registry. ID and phone numbers leave only masked, and of the
birth date only the year (core.masking)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.orgs.queries import access_organization

from . import queries, services
from .models import Category, Education, Gender, Member, MemberStatus

router = Router(tags=["members"])

MemberId = PathId


class MemberOut(Schema):
    id: int
    name: str
    gender: Gender
    ethnicity: str
    birth_year: int
    id_number_masked: str = Field(description="身份证号，只显示前6位（地区码）")
    phone_masked: str = Field(description="手机号，只显示前3位和后4位")
    education: Education | None
    category: Category
    joined_on: str = Field(
        description="入党日期 YYYY-MM-DD；在年满18周岁那年的1月入党的，只给年月 YYYY-MM"
    )
    full_member_on: str | None = Field(description="转正日期，同入党日期")
    status: MemberStatus
    status_label: str
    organization_id: int
    organization_name: str
    party_group_id: int | None
    is_mobile: bool
    work_place: str
    residential_division_code: str | None

    @staticmethod
    def from_member(m: Member) -> MemberOut:
        return MemberOut(
            id=m.pk,
            name=m.name,
            gender=Gender(m.gender),
            ethnicity=m.ethnicity,
            birth_year=m.birth_year,
            id_number_masked=m.id_number_masked,
            phone_masked=m.phone_masked,
            education=Education(m.education) if m.education else None,
            category=Category(m.category),
            joined_on=m.joined_on_shown,
            full_member_on=m.full_member_on_shown or None,
            status=MemberStatus(m.status),
            status_label=m.get_status_display(),
            organization_id=m.organization_id,
            organization_name=m.organization.name,
            party_group_id=m.party_group_id,
            is_mobile=m.is_mobile,
            work_place=m.work_place,
            residential_division_code=m.residential_division_id,
        )


class MemberPage(Schema):
    items: list[MemberOut]
    page: int
    has_next: bool


class MemberIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)
    ethnicity: str = Field(default="汉族", max_length=10)
    phone: str = Field(default="", max_length=20)
    education: Education | None = None
    category: Category
    joined_on: dt.date
    full_member_on: dt.date | None = None
    status: MemberStatus
    organization_id: int = Field(ge=1, le=MAX_ID)
    party_group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    is_mobile: bool = False
    work_place: str = Field(default="", max_length=200)
    residential_division_code: str | None = Field(default=None, pattern=r"^\d{2,12}$")


class MemberPatch(Schema):
    """Only the fields sent change; the rest, ID and phone numbers included, stay."""

    name: str | None = Field(default=None, min_length=1, max_length=50)
    id_number: str | None = Field(default=None, min_length=1, max_length=30)
    ethnicity: str | None = Field(default=None, max_length=10)
    phone: str | None = Field(default=None, max_length=20)
    education: Education | None = None
    category: Category | None = None
    joined_on: dt.date | None = None
    full_member_on: dt.date | None = None
    status: MemberStatus | None = None
    organization_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    party_group_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    is_mobile: bool | None = None
    work_place: str | None = Field(default=None, max_length=200)
    residential_division_code: str | None = Field(default=None, pattern=r"^\d{2,12}$")
    status_reason: str = Field(
        default="",
        max_length=200,
        description="改变党籍状态时的原因；更正党籍状态（录入有误）必填",
    )


@router.get("", response={200: MemberPage, 404: Error}, summary="Filtered, paginated member list")
@api_requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_list(
    request: AuthedRequest,
    name: Annotated[str, Query(max_length=50)] = "",
    id_number: Annotated[str, Query(max_length=30)] = "",
    org: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: MemberStatus | None = None,
    category: Category | None = None,
    mobile: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> MemberPage:
    filters = queries.MemberFilters(
        name=name,
        id_number=id_number,
        organization=access_organization(request.user, org) if org else None,
        status=status.value if status else "",
        category=category.value if category else "",
        is_mobile=mobile,
    )
    size = settings.JICENG_PAGE_SIZE
    rows = list(queries.search_members(request.user, filters)[(page - 1) * size : page * size + 1])
    return MemberPage(
        items=[MemberOut.from_member(m) for m in rows[:size]], page=page, has_next=len(rows) > size
    )


@router.get("/{member_id}", response={200: MemberOut, 404: Error})
@api_requires(Permission.VIEW_MEMBERS, Permission.VIEW_OWN_RECORD)
def member_detail(request: AuthedRequest, member_id: MemberId) -> MemberOut:
    return MemberOut.from_member(queries.access_member(request.user, member_id))


class PersonalDataOut(Schema):
    id_number: str
    phone: str


@router.get(
    "/{member_id}/personal-data",
    response={200: PersonalDataOut, 404: Error},
    summary="The unmasked ID and phone number (permission-gated, audited)",
)
@api_requires(Permission.VIEW_PERSONAL_DATA)
def member_personal_data(request: AuthedRequest, member_id: MemberId) -> PersonalDataOut:
    _, data = queries.reveal_personal_data(request.user, member_id)
    return PersonalDataOut(id_number=data.id_number, phone=data.phone)


@router.post("", response={201: MemberOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEMBERS)
def member_create(request: AuthedRequest, payload: MemberIn) -> Status[MemberOut]:
    data = services.check_member_fields(payload.model_dump(), by=request.user)
    member = services.create_member(data=data, by=request.user)
    return Status(201, MemberOut.from_member(queries.access_member(request.user, member.pk)))


@router.patch("/{member_id}", response={200: MemberOut, 400: Error, 404: Error})
@api_requires(Permission.MANAGE_MEMBERS)
def member_update(request: AuthedRequest, member_id: MemberId, payload: MemberPatch) -> MemberOut:
    member = queries.access_member(request.user, member_id)
    changes = payload.model_dump(exclude_unset=True)
    reason = changes.pop("status_reason", "")
    updated = services.patch_member(member=member, changes=changes, by=request.user, reason=reason)
    return MemberOut.from_member(updated)
