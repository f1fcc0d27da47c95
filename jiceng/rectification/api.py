"""/api/v1/rectification: the detections of weak organizations (软弱涣散) and their
rectifications, through the same queries and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import Forbidden, InvalidInput
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member
from jiceng.orgs.queries import access_organization

from . import queries, services
from .models import Rectification
from .models import Status as RectificationStatus

router = Router(tags=["rectification"])


class FlaggedOut(Schema):
    organization_id: int
    name: str
    reasons: list[str]
    rectification_id: int | None


class DetectedPage(Schema):
    month: int | None = Field(description="研判月份 YYYYMM")
    count: int
    page: int
    pages: int
    items: list[FlaggedOut]


@router.get("/detections", response={200: DetectedPage, 403: Error}, summary="The detected list")
@api_requires(Permission.VIEW_ORGANIZATIONS)
def detection_list(
    request: AuthedRequest, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> DetectedPage:
    if not queries.is_department(request.user):
        raise Forbidden("只有组织部门可以查看软弱涣散党组织研判名单")
    month = queries.detected_month()
    if month is None:
        return DetectedPage(month=None, count=0, page=1, pages=0, items=[])
    shown, rows = queries.detected(request.user, month=month, page=page)
    return DetectedPage(
        month=month,
        count=shown.paginator.count,
        page=shown.number,
        pages=shown.paginator.num_pages,
        items=[
            FlaggedOut(
                organization_id=f.organization.pk,
                name=f.organization.name,
                reasons=f.reasons,
                rectification_id=f.rectification.pk if f.rectification else None,
            )
            for f in rows
        ],
    )


class ProgressOut(Schema):
    month: int
    text: str
    recorded_at: dt.datetime


class RectificationOut(Schema):
    id: int
    organization_id: int
    year: int
    status: RectificationStatus
    reasons: str
    responsible_leader_id: int | None
    first_secretary_id: int | None
    plan: str
    measures: str
    due_on: dt.date | None
    accepted_at: dt.datetime | None
    progress: list[ProgressOut]


def _out(r: Rectification) -> RectificationOut:
    return RectificationOut(
        id=r.pk,
        organization_id=r.organization_id,
        year=r.year,
        status=RectificationStatus(r.status),
        reasons=r.reasons,
        responsible_leader_id=r.responsible_leader_id,
        first_secretary_id=r.first_secretary_id,
        plan=r.plan,
        measures=r.measures,
        due_on=r.due_on,
        accepted_at=r.accepted_at,
        progress=[
            ProgressOut(month=p.month, text=p.text, recorded_at=p.recorded_at)
            for p in r.progress.all()
        ],
    )


class ConfirmIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)


@router.post(
    "/rectifications",
    response={201: RectificationOut, 400: Error, 404: Error, 409: Error},
    summary="Confirm a detected organization for rectification (确定整顿对象)",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def rectification_create(request: AuthedRequest, payload: ConfirmIn) -> Status[RectificationOut]:
    organization = access_organization(request.user, payload.organization_id)
    r = services.confirm_rectification(organization=organization, by=request.user)
    return Status(201, _out(r))


@router.get("/rectifications/{rectification_id}", response={200: RectificationOut, 404: Error})
@api_requires(Permission.VIEW_ORGANIZATIONS)
def rectification_detail(request: AuthedRequest, rectification_id: PathId) -> RectificationOut:
    return _out(queries.access_rectification(request.user, rectification_id))


class PlanIn(Schema):
    responsible_leader_id: int = Field(ge=1, le=MAX_ID, description="包联领导（账号id）")
    first_secretary_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="第一书记")
    plan: str = Field(max_length=5000)
    measures: str = Field(max_length=5000)
    due_on: dt.date | None = None


@router.post(
    "/rectifications/{rectification_id}/plan",
    response={200: RectificationOut, 400: Error, 404: Error, 409: Error},
    summary="The responsible leader, first secretary, plan and measures",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def rectification_plan(
    request: AuthedRequest, rectification_id: PathId, payload: PlanIn
) -> RectificationOut:
    r = queries.access_rectification(request.user, rectification_id)
    first = None
    if payload.first_secretary_id is not None:
        first = Member.objects.filter(pk=payload.first_secretary_id).first()
        if first is None:
            raise InvalidInput("未找到该党员", fields={"first_secretary_id": "未找到该党员"})
    r = services.set_plan(
        rectification=r,
        by=request.user,
        leader=User.objects.filter(pk=payload.responsible_leader_id).first(),
        first_secretary=first,
        plan=payload.plan,
        measures=payload.measures,
        due_on=payload.due_on,
    )
    return _out(r)


class ProgressIn(Schema):
    text: str = Field(max_length=5000)


@router.post(
    "/rectifications/{rectification_id}/progress",
    response={201: RectificationOut, 400: Error, 404: Error},
    summary="A month's progress (整顿进展)",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def rectification_progress(
    request: AuthedRequest, rectification_id: PathId, payload: ProgressIn
) -> Status[RectificationOut]:
    r = queries.access_rectification(request.user, rectification_id)
    services.record_progress(rectification=r, by=request.user, text=payload.text)
    return Status(201, _out(r))


@router.post(
    "/rectifications/{rectification_id}/accept",
    response={200: RectificationOut, 400: Error, 404: Error, 409: Error},
    summary="The acceptance (销号), refused while a reason holds",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def rectification_accept(request: AuthedRequest, rectification_id: PathId) -> RectificationOut:
    r = queries.access_rectification(request.user, rectification_id)
    return _out(services.accept_rectification(rectification=r, by=request.user))
