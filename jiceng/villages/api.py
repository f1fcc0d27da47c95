"""/api/v1/villages: the cadre's own work log, leave, monthly logs and things done; the
department's teams, leave decisions, spot checks and the below-the-rule list. The same
queries and services as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import Forbidden, InvalidInput
from jiceng.core.schemas import Error, PathId

from . import queries, services, workdays
from .models import Dispatch, Leave

router = Router(tags=["villages"])
P = Permission
Month = Annotated[int, Query(ge=200001, le=209912, description="YYYYMM")]


class DispatchOut(Schema):
    id: int
    cadre: str
    post: str
    post_name: str
    organization_id: int
    organization: str
    sending_unit: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    grade: str


def _dispatch(d: Dispatch) -> DispatchOut:
    return DispatchOut(
        id=d.pk,
        cadre=str(d.cadre),
        post=d.post,
        post_name=d.get_post_display(),
        organization_id=d.team.organization_id,
        organization=d.team.organization.name,
        sending_unit=d.sending_unit.name,
        starts_on=d.starts_on,
        ends_on=d.ends_on,
        status=d.status,
        grade=d.grade,
    )


class MonthOut(Schema):
    month: int
    working_days: int
    leave_days: int
    on_site_days: int
    absent_at_checks: int
    required_days: int
    meets_rule: bool
    on_site_percent: int
    logged: list[dt.date]


class MeOut(Schema):
    dispatch: DispatchOut
    month: MonthOut


def _own(request: AuthedRequest) -> Dispatch:
    dispatch = queries.serving_dispatch(request.user)
    if dispatch is None:
        raise Forbidden("您目前没有在驻的选派记录")
    return dispatch


@router.get("/me", response={200: MeOut, 400: Error, 403: Error}, summary="My posting and my month")
@api_requires(P.LOG_VILLAGE_WORK)
def me(request: AuthedRequest, month: Month | None = None) -> MeOut:
    if month is not None and not 1 <= month % 100 <= 12:
        raise InvalidInput("月份不正确", fields={"month": "月份不正确"})
    dispatch = _own(request)
    today = clock.today()
    shown = queries.month_of(dispatch, month or workdays.month_of(today), up_to=today)
    c = shown.count
    return MeOut(
        dispatch=_dispatch(dispatch),
        month=MonthOut(
            month=shown.month,
            working_days=c.working_days,
            leave_days=c.leave_days,
            on_site_days=c.on_site_days,
            absent_at_checks=c.absent_at_checks,
            required_days=c.required_days,
            meets_rule=c.meets_rule,
            on_site_percent=shown.rule.on_site_percent,
            logged=[d.day for d in shown.days if d.logged],
        ),
    )


class WorkDayIn(Schema):
    day: dt.date | None = Field(default=None, description="默认今天")
    latitude: float | None = Field(default=None, ge=-90, le=90, description="自愿附上")
    longitude: float | None = Field(default=None, ge=-180, le=180)
    note: str = Field(default="", max_length=200)


class WorkDayOut(Schema):
    day: dt.date
    has_location: bool


@router.post(
    "/me/work-days",
    response={201: WorkDayOut, 400: Error, 403: Error},
    summary="One tap: a day on site (在岗记录)",
)
@api_requires(P.LOG_VILLAGE_WORK)
def log_work_day(request: AuthedRequest, payload: WorkDayIn) -> Status[WorkDayOut]:
    logged = services.log_work_day(
        cadre=request.user,
        day=payload.day,
        latitude=None if payload.latitude is None else str(payload.latitude),
        longitude=None if payload.longitude is None else str(payload.longitude),
        note=payload.note,
    )
    return Status(201, WorkDayOut(day=logged.day, has_location=logged.latitude is not None))


class CadreLeaveIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str = Field(max_length=200)


class CadreLeaveOut(Schema):
    id: int
    cadre: str
    organization: str
    starts_on: dt.date
    ends_on: dt.date
    days: int
    reason: str
    approver: str
    status: str


def _leave(leave: Leave) -> CadreLeaveOut:
    return CadreLeaveOut(
        id=leave.pk,
        cadre=str(leave.dispatch.cadre),
        organization=leave.dispatch.team.organization.name,
        starts_on=leave.starts_on,
        ends_on=leave.ends_on,
        days=leave.days,
        reason=leave.reason,
        approver=leave.approver,
        status=leave.status,
    )


@router.post(
    "/me/leave",
    response={201: CadreLeaveOut, 400: Error, 403: Error},
    summary="Ask for leave (请假)",
)
@api_requires(P.LOG_VILLAGE_WORK)
def ask_leave(request: AuthedRequest, payload: CadreLeaveIn) -> Status[CadreLeaveOut]:
    leave = services.ask_leave(
        cadre=request.user,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
    )
    return Status(201, _leave(leave))


class MonthlyLogIn(Schema):
    text: str = Field(max_length=2000)


class MonthlyLogOut(Schema):
    month: int
    text: str
    filed_at: dt.datetime


@router.put(
    "/me/monthly-logs/{month}",
    response={200: MonthlyLogOut, 400: Error, 403: Error},
    summary="File or correct a month's work log (月度工作纪实)",
)
@api_requires(P.LOG_VILLAGE_WORK)
def file_monthly_log(request: AuthedRequest, month: PathId, payload: MonthlyLogIn) -> MonthlyLogOut:
    log = services.file_monthly_log(cadre=request.user, month=month, text=payload.text)
    return MonthlyLogOut(month=log.month, text=log.text, filed_at=log.filed_at)


class DeedIn(Schema):
    done_on: dt.date
    title: str = Field(max_length=100)
    detail: str = Field(default="", max_length=2000)


class DeedOut(Schema):
    id: int
    done_on: dt.date
    title: str


@router.post(
    "/me/deeds", response={201: DeedOut, 400: Error, 403: Error}, summary="A thing done (办实事)"
)
@api_requires(P.LOG_VILLAGE_WORK)
def record_deed(request: AuthedRequest, payload: DeedIn) -> Status[DeedOut]:
    deed = services.record_deed(
        cadre=request.user, done_on=payload.done_on, title=payload.title, detail=payload.detail
    )
    return Status(201, DeedOut(id=deed.pk, done_on=deed.done_on, title=deed.title))


class TeamOut(Schema):
    id: int
    organization_id: int
    organization: str
    lead_unit: str
    cadres: list[DispatchOut]


@router.get("/teams", response={200: list[TeamOut], 403: Error}, summary="The teams serving")
@api_requires(P.MANAGE_VILLAGE_TEAMS)
def teams(request: AuthedRequest) -> list[TeamOut]:
    rows = queries.teams_under(request.user)[:500]
    out = []
    for t in rows:
        for d in t.serving:  # type: ignore[attr-defined]
            d.team = t
        out.append(
            TeamOut(
                id=t.pk,
                organization_id=t.organization_id,
                organization=t.organization.name,
                lead_unit=t.lead_unit.name,
                cadres=[_dispatch(d) for d in t.serving],  # type: ignore[attr-defined]
            )
        )
    return out


@router.get("/leave", response={200: list[CadreLeaveOut], 403: Error}, summary="Leave to decide")
@api_requires(P.MANAGE_VILLAGE_TEAMS)
def pending_leave(request: AuthedRequest) -> list[CadreLeaveOut]:
    return [_leave(leave) for leave in queries.pending_leaves(request.user)[:500]]


class LeaveDecisionIn(Schema):
    approve: bool


@router.post(
    "/leave/{leave_id}/decision",
    response={200: CadreLeaveOut, 403: Error, 404: Error, 409: Error},
    summary="Approve or refuse leave",
)
@api_requires(P.MANAGE_VILLAGE_TEAMS)
def decide_leave(
    request: AuthedRequest, leave_id: PathId, payload: LeaveDecisionIn
) -> CadreLeaveOut:
    leave = queries.access_leave(request.user, leave_id)
    return _leave(services.decide_leave(leave=leave, approve=payload.approve, by=request.user))


class SpotCheckIn(Schema):
    day: dt.date
    found_on_site: bool
    note: str = Field(default="", max_length=200)


class SpotCheckOut(Schema):
    id: int
    day: dt.date
    found_on_site: bool


@router.post(
    "/dispatches/{dispatch_id}/spot-checks",
    response={201: SpotCheckOut, 400: Error, 403: Error, 404: Error},
    summary="A spot check's finding (抽查)",
)
@api_requires(P.MANAGE_VILLAGE_TEAMS)
def spot_check(
    request: AuthedRequest, dispatch_id: PathId, payload: SpotCheckIn
) -> Status[SpotCheckOut]:
    dispatch = queries.access_dispatch(request.user, dispatch_id)
    check = services.record_spot_check(
        dispatch=dispatch,
        day=payload.day,
        found_on_site=payload.found_on_site,
        note=payload.note,
        by=request.user,
    )
    return Status(201, SpotCheckOut(id=check.pk, day=check.day, found_on_site=check.found_on_site))


class BelowOut(Schema):
    dispatch_id: int
    cadre: str
    organization: str
    month: int
    working_days: int
    leave_days: int
    on_site_days: int
    required_days: int
    absent_at_checks: int


@router.get(
    "/below-rule",
    response={200: list[BelowOut], 403: Error},
    summary="Cadres below the on-site rule in a month (default: the last whole month)",
)
@api_requires(P.MANAGE_VILLAGE_TEAMS)
def below_rule(request: AuthedRequest, month: Month | None = None) -> list[BelowOut]:
    chosen = month or queries.last_checked_month()
    return [
        BelowOut(
            dispatch_id=r.dispatch_id,
            cadre=str(r.dispatch.cadre),
            organization=r.dispatch.team.organization.name,
            month=r.month,
            working_days=r.working_days,
            leave_days=r.leave_days,
            on_site_days=r.on_site_days,
            required_days=r.required_days,
            absent_at_checks=r.absent_at_checks,
        )
        for r in queries.below_rule(request.user, chosen)[:1000]
    ]
