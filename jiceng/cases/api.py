"""/api/v1/cases: intake, the inboxes, every move, the whistle, and the citizen's link.

Every write calls the one service function of its move; a refused move answers 409 (moved
meanwhile) or 400 (bad input), a case outside the caller's reach 404. The reporter's phone
leaves only masked, except through POST /{id}/phone (handlers only, audited).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from ninja import Field, Path, Query, Router, Schema, Status

from jiceng.accounts import throttle
from jiceng.accounts.access import api_requires, api_signed_in, public
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import MAX_ID, Error, PathId

from . import categories, intake, queries, services, units, whistle
from .links import feedback_path, track_path
from .models import Case, CaseEvent, SummonsReport
from .workflow import Channel, DeadlineClass, Level, Satisfaction
from .workflow import Status as CaseStatus

router = Router(tags=["cases"])
V = TypeVar("V", bound=Callable[..., Any])


def citizen_rate(view: V) -> V:
    """throttle's "citizen_case" rate for an API operation, answering 429 in JSON as the
    rest of the API does (anonymous_rate renders the HTML page)."""

    @functools.wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        retry_after = throttle.over_rate("citizen_case", request)
        if retry_after is not None:
            answer = JsonResponse({"detail": throttle.wait_text(retry_after)}, status=429)
            return throttle.refusing(answer, retry_after)
        return view(request, *args, **kwargs)

    # ninja reads the signature with the wrapper's module globals: give it the resolved one.
    limited.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return cast(V, limited)


CaseId = PathId
P = Permission
ANY_CASE_ROLE = (P.HANDLE_CASES, P.DISPATCH_CASES, P.SUMMON_DEPARTMENTS, P.ANSWER_SUMMONS)


class CaseOut(Schema):
    id: int
    number: str
    channel: Channel
    channel_label: str
    type: str
    type_name: str
    subject: str
    subject_name: str
    deadline_class: DeadlineClass
    description: str
    lon: float | None
    lat: float | None
    address: str
    has_photo: bool
    reporter_name: str
    reporter_phone_masked: str
    grid_id: int | None
    grid_name: str
    community_code: str | None
    street_code: str | None
    level: Level
    station_id: int | None
    department_id: int | None
    unit_name: str
    status: CaseStatus
    status_label: str
    accept_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    received_at: dt.datetime
    dispatched_at: dt.datetime | None
    accepted_at: dt.datetime | None
    resolved_at: dt.datetime | None
    followed_up_at: dt.datetime | None
    closed_at: dt.datetime | None
    resolution: str
    is_resolved_by_reporter: bool | None
    satisfaction: str
    reopen_count: int
    escalation_count: int
    merged_into_id: int | None

    @staticmethod
    def of(c: Case) -> CaseOut:
        return CaseOut(
            id=c.pk,
            number=c.number,
            channel=Channel(c.channel),
            channel_label=c.get_channel_display(),
            type=c.case_type.code,
            type_name=c.case_type.name,
            subject=c.subject.code,
            subject_name=c.subject.name,
            deadline_class=DeadlineClass(c.deadline_class),
            description=c.description,
            lon=c.lon,
            lat=c.lat,
            address=c.address,
            has_photo=bool(c.photo),
            reporter_name=c.reporter_name,
            reporter_phone_masked=c.reporter_phone_masked,
            grid_id=c.grid_id,
            grid_name=c.grid.name if c.grid else "",
            community_code=c.community_id,
            street_code=c.street_id,
            level=Level(c.level),
            station_id=c.station_id,
            department_id=c.department_id,
            unit_name=units.unit_name(c),
            status=CaseStatus(c.status),
            status_label=c.get_status_display(),
            accept_due_at=c.accept_due_at,
            resolve_due_at=c.resolve_due_at,
            received_at=c.received_at,
            dispatched_at=c.dispatched_at,
            accepted_at=c.accepted_at,
            resolved_at=c.resolved_at,
            followed_up_at=c.followed_up_at,
            closed_at=c.closed_at,
            resolution=c.resolution,
            is_resolved_by_reporter=c.is_resolved_by_reporter,
            satisfaction=c.satisfaction,
            reopen_count=c.reopen_count,
            escalation_count=c.escalation_count,
            merged_into_id=c.merged_into_id,
        )


class CasePage(Schema):
    items: list[CaseOut]
    page: int
    has_next: bool


class EventOut(Schema):
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str
    from_status: str
    to_status: str
    unit: str
    note: str

    @staticmethod
    def of(e: CaseEvent, *, with_actor: bool = True) -> EventOut:
        return EventOut(
            kind=e.kind,
            kind_label=e.get_kind_display(),
            at=e.at,
            actor=str(e.actor) if (with_actor and e.actor) else "",
            from_status=e.from_status,
            to_status=e.to_status,
            unit=e.unit,
            note=e.note if with_actor else "",
        )


class CategoryOut(Schema):
    code: str
    name: str


class SubjectOut(Schema):
    code: str
    name: str
    group: str
    unit_level: Level
    deadline_class: DeadlineClass


class CategoriesOut(Schema):
    types: list[CategoryOut]
    subjects: list[SubjectOut]


@router.get("/categories", response=CategoriesOut, auth=None, summary="Request types, subjects")
@public("诉求类型和事项是公开的参考数据，群众提交诉求时要选")
def category_list(request: HttpRequest) -> CategoriesOut:
    return CategoriesOut(
        types=[CategoryOut(code=t.code, name=t.name) for t in categories.active_types()],
        subjects=[
            SubjectOut(
                code=s.code,
                name=s.name,
                group=s.group,
                unit_level=Level(s.unit_level),
                deadline_class=DeadlineClass(s.deadline_class),
            )
            for s in categories.active_subjects()
        ],
    )


# -- intake -----------------------------------------------------------------------------------


class CaseIn(Schema):
    type: str = Field(max_length=32)
    subject: str = Field(max_length=32)
    description: str = Field(max_length=2000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    address: str = Field(default="", max_length=200)
    reporter_name: str = Field(default="", max_length=50)
    reporter_phone: str = Field(default="", max_length=20)


class StaffCaseIn(CaseIn):
    channel: Channel = Channel.HOTLINE


class SubmittedOut(Schema):
    id: int
    number: str
    status: CaseStatus
    token: str = Field(description="查询码：查看进度（链接可转给别人）")
    track_url: str
    feedback_key: str = Field(description="评价码：只给提交人，评价办理结果时要用")
    feedback_url: str
    duplicates: list[str]


def _submitted(submitted: intake.Submitted) -> SubmittedOut:
    case, token, key = submitted.case, submitted.token, submitted.feedback_key
    return SubmittedOut(
        id=case.pk,
        number=case.number,
        status=CaseStatus(case.status),
        token=token,
        track_url=track_path(token),
        feedback_key=key,
        feedback_url=feedback_path(token, key),
        duplicates=[c.number for c in queries.duplicates_of(case)],
    )


@router.post(
    "/submit",
    response={201: SubmittedOut, 400: Error, 429: Error},
    auth=None,
    summary="A citizen submits a case (no sign-in; rate limited)",
)
@public("群众提交诉求，无需登录；按来源地址限流")
@citizen_rate
def citizen_submit(request: HttpRequest, payload: CaseIn) -> Status[SubmittedOut]:
    submitted = intake.submit_case(
        channel=Channel.WEB,
        type=categories.type_by_code(payload.type),
        subject=categories.subject_by_code(payload.subject),
        description=payload.description,
        lon=payload.lon,
        lat=payload.lat,
        address=payload.address,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
    )
    return Status(201, _submitted(submitted))


@router.post("", response={201: SubmittedOut, 400: Error, 403: Error}, summary="Staff intake")
@api_requires(P.DISPATCH_CASES, P.HANDLE_CASES)
def staff_submit(request: AuthedRequest, payload: StaffCaseIn) -> Status[SubmittedOut]:
    """热线 intake by a dispatcher, or a grid worker's patrol finding (channel PATROL)."""
    intake.check_staff_channel(request.user, payload.channel)
    submitted = intake.submit_case(
        channel=payload.channel,
        type=categories.type_by_code(payload.type),
        subject=categories.subject_by_code(payload.subject),
        description=payload.description,
        lon=payload.lon,
        lat=payload.lat,
        address=payload.address,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        by=request.user,
    )
    return Status(201, _submitted(submitted))


class FindingIn(Schema):
    finding_id: int = Field(ge=1, le=MAX_ID)
    type: str = Field(max_length=32)
    subject: str = Field(max_length=32)


@router.post(
    "/from-finding",
    response={201: SubmittedOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="巡查发现转工单",
)
@api_requires(P.HANDLE_CASES)
def case_from_finding(request: AuthedRequest, payload: FindingIn) -> Status[SubmittedOut]:
    submitted = intake.submit_finding(
        finding_id=payload.finding_id,
        type=categories.type_by_code(payload.type),
        subject=categories.subject_by_code(payload.subject),
        by=request.user,
    )
    return Status(201, _submitted(submitted))


# -- reading ----------------------------------------------------------------------------------


class View(Schema):
    view: str = Field(default="all", pattern="^(all|inbox|dispatch|open)$")
    status: CaseStatus | None = None
    page: int = Field(default=1, ge=1, le=100_000)


@router.get("", response={200: CasePage, 403: Error}, summary="The cases in the caller's reach")
@api_requires(*ANY_CASE_ROLE)
def case_list(request: AuthedRequest, filters: Query[View]) -> CasePage:
    """`view`: all (every case in reach), inbox (the unit's open cases), dispatch (awaiting a
    dispatcher), open (open in the dispatcher's area)."""
    rows = {
        "all": lambda: queries.cases_for(request.user).order_by("-received_at", "-pk"),
        "inbox": lambda: queries.handling_inbox(request.user),
        "dispatch": lambda: queries.dispatch_queue(request.user),
        "open": lambda: queries.open_cases_in_area(request.user),
    }[filters.view]()
    if filters.status:
        rows = rows.filter(status=filters.status)
    size = settings.JICENG_PAGE_SIZE
    chunk = list(rows[(filters.page - 1) * size : filters.page * size + 1])
    return CasePage(
        items=[CaseOut.of(c) for c in chunk[:size]], page=filters.page, has_next=len(chunk) > size
    )


@router.get("/{int:case_id}", response={200: CaseOut, 403: Error, 404: Error})
@api_requires(*ANY_CASE_ROLE)
def case_detail(request: AuthedRequest, case_id: CaseId) -> CaseOut:
    return CaseOut.of(queries.access_case(request.user, case_id))


@router.get("/{int:case_id}/events", response={200: list[EventOut], 403: Error, 404: Error})
@api_requires(*ANY_CASE_ROLE)
def case_events(request: AuthedRequest, case_id: CaseId) -> list[EventOut]:
    case = queries.access_case(request.user, case_id)
    return [EventOut.of(e) for e in queries.events_of(case)]


class DuplicateOut(Schema):
    id: int
    number: str
    status: CaseStatus
    address: str
    description: str


@router.get("/{int:case_id}/duplicates", response={200: list[DuplicateOut], 403: Error, 404: Error})
@api_requires(P.DISPATCH_CASES)
def case_duplicates(request: AuthedRequest, case_id: CaseId) -> list[DuplicateOut]:
    case = queries.access_case(request.user, case_id)
    duplicates = queries.duplicates_of(case)
    visible = set(
        queries.cases_for(request.user)
        .filter(pk__in=[c.pk for c in duplicates])
        .values_list("pk", flat=True)
    )
    return [
        DuplicateOut(
            id=c.pk,
            number=c.number,
            status=CaseStatus(c.status),
            address=c.address,
            description=c.description[:200],
        )
        for c in duplicates
        if c.pk in visible
    ]


class PhoneOut(Schema):
    reporter_phone: str


@router.post(
    "/{int:case_id}/phone",
    response={200: PhoneOut, 403: Error, 404: Error},
    summary="The reporter's full phone number (handlers only, audited)",
)
@api_requires(P.HANDLE_CASES, P.DISPATCH_CASES)
def case_phone(request: AuthedRequest, case_id: CaseId) -> PhoneOut:
    _, phone = queries.reveal_phone(request.user, case_id)
    return PhoneOut(reporter_phone=phone)


# -- moves ------------------------------------------------------------------------------------

MOVED = {200: CaseOut, 400: Error, 403: Error, 404: Error, 409: Error}


class NoteIn(Schema):
    note: str = Field(default="", max_length=1000)


class ResolutionIn(Schema):
    resolution: str = Field(max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(default="", max_length=1000)


class UnitIn(Schema):
    grid_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    station_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    department_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    note: str = Field(default="", max_length=1000)


class EscalateIn(Schema):
    reason: str = Field(default="", max_length=1000)
    station_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    department_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class FeedbackIn(Schema):
    is_resolved: bool
    satisfaction: Satisfaction
    note: str = Field(default="", max_length=500)


class MergeIn(Schema):
    into_id: int = Field(ge=1, le=MAX_ID)
    note: str = Field(default="", max_length=500)


@router.post("/{int:case_id}/dispatch", response=MOVED, summary="派单")
@api_requires(P.DISPATCH_CASES)
def case_dispatch(request: AuthedRequest, case_id: CaseId, payload: UnitIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    named = units.units_by_id(payload.grid_id, payload.station_id, payload.department_id)
    return CaseOut.of(
        services.dispatch_case(case=case, by=request.user, note=payload.note, **named)
    )


@router.post("/{int:case_id}/reassign", response=MOVED, summary="改派")
@api_requires(P.DISPATCH_CASES)
def case_reassign(request: AuthedRequest, case_id: CaseId, payload: UnitIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    named = units.units_by_id(payload.grid_id, payload.station_id, payload.department_id)
    return CaseOut.of(
        services.reassign_case(case=case, by=request.user, note=payload.note, **named)
    )


@router.post("/{int:case_id}/accept", response=MOVED, summary="签收")
@api_requires(P.HANDLE_CASES)
def case_accept(request: AuthedRequest, case_id: CaseId) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(services.accept_case(case=case, by=request.user))


@router.post("/{int:case_id}/start", response=MOVED, summary="开始办理")
@api_requires(P.HANDLE_CASES)
def case_start(request: AuthedRequest, case_id: CaseId, payload: NoteIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(services.start_case(case=case, by=request.user, note=payload.note))


@router.post("/{int:case_id}/resolve", response=MOVED, summary="办结")
@api_requires(P.HANDLE_CASES)
def case_resolve(request: AuthedRequest, case_id: CaseId, payload: ResolutionIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(
        services.resolve_case(case=case, by=request.user, resolution=payload.resolution)
    )


@router.post("/{int:case_id}/return", response=MOVED, summary="退单")
@api_requires(P.HANDLE_CASES)
def case_return(request: AuthedRequest, case_id: CaseId, payload: ReasonIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(services.return_case(case=case, by=request.user, reason=payload.reason))


@router.post("/{int:case_id}/escalate", response=MOVED, summary="上报（网格→站所→部门）")
@api_requires(P.HANDLE_CASES, P.DISPATCH_CASES)
def case_escalate(request: AuthedRequest, case_id: CaseId, payload: EscalateIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    named = units.units_by_id(None, payload.station_id, payload.department_id, optional=True)
    return CaseOut.of(
        services.escalate_case(
            case=case,
            by=request.user,
            reason=payload.reason,
            station=named["station"],
            department=named["department"],
        )
    )


@router.post("/{int:case_id}/follow-up", response=MOVED, summary="回访（电话回访）")
@api_requires(P.DISPATCH_CASES)
def case_follow_up(request: AuthedRequest, case_id: CaseId, payload: FeedbackIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(
        services.record_feedback(
            case=case,
            is_resolved=payload.is_resolved,
            satisfaction=payload.satisfaction,
            by=request.user,
            via="call",
            note=payload.note,
        )
    )


@router.post("/{int:case_id}/close", response=MOVED, summary="结案")
@api_requires(P.DISPATCH_CASES)
def case_close(request: AuthedRequest, case_id: CaseId, payload: NoteIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(services.close_case(case=case, by=request.user, note=payload.note))


@router.post("/{int:case_id}/reopen", response=MOVED, summary="重新办理")
@api_requires(P.DISPATCH_CASES)
def case_reopen(request: AuthedRequest, case_id: CaseId, payload: ReasonIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    return CaseOut.of(services.reopen_case(case=case, by=request.user, reason=payload.reason))


@router.post("/{int:case_id}/merge", response=MOVED, summary="合并到另一件诉求")
@api_requires(P.DISPATCH_CASES)
def case_merge(request: AuthedRequest, case_id: CaseId, payload: MergeIn) -> CaseOut:
    case = queries.access_case(request.user, case_id)
    into = queries.access_case(request.user, payload.into_id)
    return CaseOut.of(services.merge_case(case=case, into=into, by=request.user, note=payload.note))


# -- the whistle ------------------------------------------------------------------------------


class SummonsIn(Schema):
    department_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1)
    within_minutes: int = Field(default=30, ge=5, le=4320)
    note: str = Field(default="", max_length=500)


class ReportOut(Schema):
    id: int
    summons_id: int
    case_id: int
    case_number: str
    department_id: int
    department_name: str
    report_due_at: dt.datetime
    reported_at: dt.datetime | None
    is_late: bool
    finished_at: dt.datetime | None
    finish_note: str
    rating: int | None

    @staticmethod
    def of(r: SummonsReport) -> ReportOut:
        return ReportOut(
            id=r.pk,
            summons_id=r.summons_id,
            case_id=r.case_id,
            case_number=r.case.number,
            department_id=r.department_id,
            department_name=r.department.name,
            report_due_at=r.report_due_at,
            reported_at=r.reported_at,
            is_late=r.is_late,
            finished_at=r.finished_at,
            finish_note=r.finish_note,
            rating=r.rating,
        )


class SummonsOut(Schema):
    id: int
    case_id: int
    summoned_at: dt.datetime
    report_due_at: dt.datetime
    note: str
    reports: list[ReportOut]


@router.post(
    "/{int:case_id}/summons",
    response={201: SummonsOut, 400: Error, 403: Error, 404: Error},
    summary="吹哨: summon departments",
)
@api_requires(P.SUMMON_DEPARTMENTS)
def case_summon(request: AuthedRequest, case_id: CaseId, payload: SummonsIn) -> Status[SummonsOut]:
    case = queries.access_case(request.user, case_id)
    summons = whistle.summon_departments(
        case=case,
        departments=units.departments_by_id(payload.department_ids),
        by=request.user,
        within=dt.timedelta(minutes=payload.within_minutes),
        note=payload.note,
    )
    reports = SummonsReport.objects.filter(summons=summons).select_related("case", "department")
    return Status(
        201,
        SummonsOut(
            id=summons.pk,
            case_id=case.pk,
            summoned_at=summons.summoned_at,
            report_due_at=summons.report_due_at,
            note=summons.note,
            reports=[ReportOut.of(r) for r in reports],
        ),
    )


@router.get(
    "/{int:case_id}/summons-reports", response={200: list[ReportOut], 403: Error, 404: Error}
)
@api_requires(*ANY_CASE_ROLE)
def case_reports(request: AuthedRequest, case_id: CaseId) -> list[ReportOut]:
    case = queries.access_case(request.user, case_id)
    rows = SummonsReport.objects.filter(case=case).select_related("case", "department")
    return [ReportOut.of(r) for r in rows]


@router.get(
    "/summons-reports/mine",
    response={200: list[ReportOut], 403: Error},
    summary="The department's board",
)
@api_requires(P.ANSWER_SUMMONS)
def my_reports(request: AuthedRequest) -> list[ReportOut]:
    return [ReportOut.of(r) for r in queries.summons_reports_for(request.user)[:200]]


REPORTED = {200: ReportOut, 400: Error, 403: Error, 404: Error, 409: Error}
ReportId = PathId


class RatingIn(Schema):
    rating: int = Field(ge=1, le=5)


@router.post("/summons-reports/{int:report_id}/report", response=REPORTED, summary="报到")
@api_requires(P.ANSWER_SUMMONS)
def report_arrive(request: AuthedRequest, report_id: ReportId) -> ReportOut:
    report = queries.access_report(request.user, report_id)
    return ReportOut.of(whistle.report_to_summons(report=report, by=request.user))


@router.post("/summons-reports/{int:report_id}/finish", response=REPORTED, summary="部门完成")
@api_requires(P.ANSWER_SUMMONS)
def report_finish(request: AuthedRequest, report_id: ReportId, payload: NoteIn) -> ReportOut:
    report = queries.access_report(request.user, report_id)
    return ReportOut.of(whistle.finish_summons(report=report, by=request.user, note=payload.note))


@router.post("/summons-reports/{int:report_id}/rate", response=REPORTED, summary="街道评价部门")
@api_requires(P.SUMMON_DEPARTMENTS)
def report_rate(request: AuthedRequest, report_id: ReportId, payload: RatingIn) -> ReportOut:
    report = queries.access_report(request.user, report_id)
    return ReportOut.of(
        whistle.rate_department(report=report, by=request.user, rating=payload.rating)
    )


# -- the citizen's link -----------------------------------------------------------------------


class TrackOut(Schema):
    number: str
    status: CaseStatus
    status_label: str
    type_name: str
    subject_name: str
    description: str
    address: str
    received_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str
    satisfaction: str
    can_give_feedback: bool
    merged_into_number: str | None
    events: list[EventOut]


def _track(case: Case) -> TrackOut:
    return TrackOut(
        number=case.number,
        status=CaseStatus(case.status),
        status_label=case.get_status_display(),
        type_name=case.case_type.name,
        subject_name=case.subject.name,
        description=case.description,
        address=case.address,
        received_at=case.received_at,
        resolved_at=case.resolved_at,
        resolution=case.resolution,
        satisfaction=case.satisfaction,
        can_give_feedback=case.status == CaseStatus.RESOLVED,
        merged_into_number=case.merged_into.number if case.merged_into else None,
        events=[EventOut.of(e, with_actor=False) for e in queries.events_of(case)],
    )


Token = Annotated[str, Path(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("/track/{token}", response={200: TrackOut, 404: Error}, auth=None)
@public("诉求人凭提交时得到的查询码查看进度；查询码不可猜测")
def track(request: HttpRequest, token: Token) -> TrackOut:
    return _track(queries.case_by_token(token))


class CitizenFeedbackIn(Schema):
    feedback_key: str = Field(min_length=8, max_length=100, description="提交时得到的评价码")
    is_resolved: bool
    satisfaction: Satisfaction


@router.post(
    "/track/{token}/feedback",
    response={200: TrackOut, 400: Error, 404: Error, 409: Error, 429: Error},
    auth=None,
)
@public("诉求人凭只给了他的评价码评价办理结果（查询码只能查看进度）；按来源地址限流")
@citizen_rate
def track_feedback(request: HttpRequest, token: Token, payload: CitizenFeedbackIn) -> TrackOut:
    case = queries.case_for_feedback(token, payload.feedback_key)
    services.record_feedback(
        case=case, is_resolved=payload.is_resolved, satisfaction=payload.satisfaction, by=None
    )
    return _track(queries.case_by_token(token))


class NoticeOut(Schema):
    id: int
    case_id: int
    text: str
    created_at: dt.datetime


@router.get("/notices/mine", response=list[NoticeOut])
@api_signed_in
def my_notices(request: AuthedRequest) -> list[NoticeOut]:
    return [
        NoticeOut(id=n.pk, case_id=n.case_id, text=n.text, created_at=n.created_at)
        for n in queries.notices_for(request.user)
    ]
