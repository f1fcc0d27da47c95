"""/api/v1/reporting: 双报到 through the same queries and services as the pages: a member's
own community, report and sign-ups; a community's reports, lists, hours and feedback; a
branch's feedback and members below the rule; an organization's report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput, not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Member
from jiceng.orgs.queries import access_writable_organization

from . import queries, rules, services
from .models import CommunityReport, Feedback, Need, Project, Rating, ReportStatus, ServiceRecord

router = Router(tags=["reporting"])
P = Permission
Code = Annotated[str, Field(pattern=r"^\d{12}$")]


class CommunityReportOut(Schema):
    id: int
    kind: Literal["member", "organization"]
    member_id: int | None
    member_name: str | None
    organization_id: int | None
    organization_name: str | None
    community_code: str
    community_name: str
    grid_id: int | None
    status: ReportStatus
    status_label: str
    offers: list[str]
    agreement_signed_on: dt.date | None
    agreement_until: dt.date | None
    reported_at: dt.datetime
    decided_at: dt.datetime | None
    decline_reason: str


def _report(r: CommunityReport) -> CommunityReportOut:
    return CommunityReportOut(
        id=r.pk,
        kind="member" if r.member_id else "organization",
        member_id=r.member_id,
        member_name=r.member.name if r.member else None,
        organization_id=r.organization_id,
        organization_name=r.organization.name if r.organization else None,
        community_code=r.community_id,
        community_name=r.community.name,
        grid_id=r.grid_id,
        status=ReportStatus(r.status),
        status_label=r.get_status_display(),
        offers=r.offer_lines,
        agreement_signed_on=r.agreement_signed_on,
        agreement_until=r.agreement_until,
        reported_at=r.reported_at,
        decided_at=r.decided_at,
        decline_reason=r.decline_reason,
    )


class ListItemOut(Schema):
    id: int
    kind: Literal["need", "project"]
    title: str
    description: str
    places: int
    taken: int
    needed_on: dt.date | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    status: str


def _need(n: Need) -> ListItemOut:
    return ListItemOut(
        id=n.pk,
        kind="need",
        title=n.title,
        description=n.description,
        places=n.places,
        taken=getattr(n, "taken", n.signups.count()),
        needed_on=n.needed_on,
        status=n.status,
    )


def _project(p: Project) -> ListItemOut:
    return ListItemOut(
        id=p.pk,
        kind="project",
        title=p.title,
        description=p.description,
        places=p.places,
        taken=getattr(p, "taken", p.signups.count()),
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        status=p.status,
    )


class CommunityResourceOut(Schema):
    id: int
    title: str
    provider: str
    report_id: int | None


class ServiceRecordOut(Schema):
    id: int
    member_id: int
    signup_id: int
    served_on: dt.date
    hours: Decimal
    note: str
    revoked_at: dt.datetime | None
    revoke_reason: str


def _record(r: ServiceRecord) -> ServiceRecordOut:
    return ServiceRecordOut(
        id=r.pk,
        member_id=r.member_id,
        signup_id=r.signup_id,
        served_on=r.served_on,
        hours=r.hours,
        note=r.note,
        revoked_at=r.revoked_at,
        revoke_reason=r.revoke_reason,
    )


class ReportingRuleOut(Schema):
    min_activities_per_quarter: int
    yearly_hours: Decimal


class MyCommunityOut(Schema):
    report: CommunityReportOut | None
    year: int
    hours: Decimal
    rule: ReportingRuleOut | None
    needs: list[ListItemOut]
    projects: list[ListItemOut]
    resources: list[CommunityResourceOut]
    records: list[ServiceRecordOut]


@router.get("/me", response={200: MyCommunityOut, 404: Error}, summary="My community (我的社区)")
@api_requires(P.SERVE_COMMUNITY)
def mine(request: AuthedRequest) -> MyCommunityOut:
    member = queries.own_member(request.user)
    report = queries.open_report_of(member)
    year = clock.today().year
    confirmed = report is not None and report.status == ReportStatus.CONFIRMED
    code = report.community_id if report is not None else ""
    rule = rules.rule_for(rules.load_rules(), community_code=code, year=year) if code else None
    return MyCommunityOut(
        report=_report(report) if report else None,
        year=year,
        hours=queries.hours_of(member, year=year),
        rule=ReportingRuleOut(
            min_activities_per_quarter=rule.min_activities_per_quarter,
            yearly_hours=rule.yearly_hours,
        )
        if rule
        else None,
        needs=[_need(n) for n in queries.open_needs(code)] if confirmed else [],
        projects=[_project(p) for p in queries.open_projects(code)] if confirmed else [],
        resources=[
            CommunityResourceOut(id=r.pk, title=r.title, provider=r.provider, report_id=r.report_id)
            for r in queries.resources(code)
        ]
        if confirmed
        else [],
        records=[_record(r) for r in queries.records_of(member, year=year)],
    )


class MemberCommunityReportIn(Schema):
    address: str = Field(max_length=200, description="居住地址")
    choice: str = Field(default="", max_length=40, description="地址有多个候选时所选的一个")


@router.post(
    "/me/report",
    response={201: CommunityReportOut, 400: Error, 404: Error, 409: Error},
    summary="Report to the community where I live (党员报到)",
)
@api_requires(P.SERVE_COMMUNITY)
def report_me(
    request: AuthedRequest, payload: MemberCommunityReportIn
) -> Status[CommunityReportOut]:
    member = queries.own_member(request.user)
    report = services.report_member(
        member=member, address=payload.address, choice=payload.choice, by=request.user
    )
    return Status(201, _report(report))


class CommunitySignUpOut(Schema):
    id: int
    member_id: int
    need_id: int | None
    project_id: int | None
    signed_at: dt.datetime


@router.post(
    "/{kind}/{item_id}/signups",
    response={201: CommunitySignUpOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Sign up for a need or a project (报名)",
)
@api_requires(P.SERVE_COMMUNITY)
def sign_up(
    request: AuthedRequest, kind: Literal["needs", "projects"], item_id: PathId
) -> Status[CommunitySignUpOut]:
    member = queries.own_member(request.user)
    item = _item(request, kind, item_id)
    s = services.sign_up(member=member, item=item, by=request.user)
    return Status(
        201,
        CommunitySignUpOut(
            id=s.pk,
            member_id=s.member_id,
            need_id=s.need_id,
            project_id=s.project_id,
            signed_at=s.signed_at,
        ),
    )


def _item(request: AuthedRequest, kind: str, pk: int) -> Need | Project:
    if kind == "needs":
        return queries.access_need(request.user, pk)
    return queries.access_project(request.user, pk)


# -- the community -------------------------------------------------------------------------


@router.get(
    "/communities/{code}/reports",
    response={200: list[CommunityReportOut], 404: Error},
    summary="A community's reports (待确认/已报到)",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def community_reports(
    request: AuthedRequest, code: str, status: Annotated[ReportStatus | None, Query()] = None
) -> list[CommunityReportOut]:
    queries.access_community(request.user, code)
    return [_report(r) for r in queries.reports_of(code, status=status)[:1000]]


class ReportDecisionIn(Schema):
    accept: bool
    reason: str = Field(default="", max_length=200)


@router.post(
    "/reports/{report_id}/decision",
    response={200: CommunityReportOut, 400: Error, 404: Error, 409: Error},
    summary="The community confirms or sends back a report",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def decide(
    request: AuthedRequest, report_id: PathId, payload: ReportDecisionIn
) -> CommunityReportOut:
    report = queries.access_report(request.user, report_id)
    return _report(
        services.decide_report(
            report=report, accept=payload.accept, reason=payload.reason, by=request.user
        )
    )


class CommunityListsOut(Schema):
    needs: list[ListItemOut]
    projects: list[ListItemOut]
    resources: list[CommunityResourceOut]


@router.get(
    "/communities/{code}/lists",
    response={200: CommunityListsOut, 404: Error},
    summary="The community's three lists (需求/资源/项目清单)",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def community_lists(request: AuthedRequest, code: str) -> CommunityListsOut:
    queries.access_community(request.user, code)
    return CommunityListsOut(
        needs=[_need(n) for n in queries.open_needs(code)],
        projects=[_project(p) for p in queries.open_projects(code)],
        resources=[
            CommunityResourceOut(id=r.pk, title=r.title, provider=r.provider, report_id=r.report_id)
            for r in queries.resources(code)
        ],
    )


class CommunityNeedIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    needed_on: dt.date | None = None
    places: int = Field(ge=-1000, le=100_000)


@router.post(
    "/communities/{code}/needs",
    response={201: ListItemOut, 400: Error, 404: Error},
    summary="Publish a need (发布需求)",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def add_need(request: AuthedRequest, code: str, payload: CommunityNeedIn) -> Status[ListItemOut]:
    place = queries.access_community(request.user, code)
    need = services.add_need(
        community=place,
        title=payload.title,
        description=payload.description,
        needed_on=payload.needed_on,
        places=payload.places,
        by=request.user,
    )
    return Status(201, _need(need))


class CommunityProjectIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    starts_on: dt.date
    ends_on: dt.date
    places: int = Field(ge=-1000, le=100_000)


@router.post(
    "/communities/{code}/projects",
    response={201: ListItemOut, 400: Error, 404: Error},
    summary="Publish a project (发布项目)",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def add_project(
    request: AuthedRequest, code: str, payload: CommunityProjectIn
) -> Status[ListItemOut]:
    place = queries.access_community(request.user, code)
    project = services.add_project(
        community=place,
        title=payload.title,
        description=payload.description,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        places=payload.places,
        by=request.user,
    )
    return Status(201, _project(project))


class ServiceHoursIn(Schema):
    member_id: int = Field(ge=1, le=MAX_ID)
    served_on: dt.date
    hours: Decimal = Field(ge=-1000, le=1000, description="小时，以半小时计")
    note: str = Field(default="", max_length=200)


@router.post(
    "/{kind}/{item_id}/hours",
    response={201: ServiceRecordOut, 400: Error, 404: Error, 409: Error},
    summary="Confirm the hours a member served (确认服务时长); points are posted",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def confirm_hours(
    request: AuthedRequest,
    kind: Literal["needs", "projects"],
    item_id: PathId,
    payload: ServiceHoursIn,
) -> Status[ServiceRecordOut]:
    item = _item(request, kind, item_id)
    if not queries.may_act_for(request.user, item.community_id):
        raise not_found("清单事项")
    member = Member.objects.filter(pk=payload.member_id).first()
    if member is None:
        raise InvalidInput("未找到该党员", fields={"member_id": "未找到该党员"})
    record = services.confirm_hours(
        item=item,
        member=member,
        served_on=payload.served_on,
        hours=payload.hours,
        note=payload.note,
        by=request.user,
    )
    return Status(201, _record(record))


class ServiceRevokeIn(Schema):
    reason: str = Field(max_length=200)


@router.post(
    "/service-records/{record_id}/revoke",
    response={200: ServiceRecordOut, 400: Error, 404: Error, 409: Error},
    summary="Take back a confirmation; its points are reversed",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def revoke(request: AuthedRequest, record_id: PathId, payload: ServiceRevokeIn) -> ServiceRecordOut:
    record = queries.access_record(request.user, record_id)
    return _record(services.revoke_hours(record=record, reason=payload.reason, by=request.user))


class CommunityFeedbackIn(Schema):
    half: int = Field(ge=20001, le=99992, description="半年度 YYYYH，如 20261")
    rating: Rating
    comment: str = Field(default="", max_length=300)


class CommunityFeedbackOut(Schema):
    id: int
    report_id: int
    member_id: int
    member_name: str
    organization_id: int
    community_code: str
    half: int
    activities: int
    hours: Decimal
    rating: Rating
    rating_label: str
    comment: str
    written_at: dt.datetime
    read_at: dt.datetime | None


def _feedback(f: Feedback) -> CommunityFeedbackOut:
    return CommunityFeedbackOut(
        id=f.pk,
        report_id=f.report_id,
        member_id=f.member_id,
        member_name=f.member.name,
        organization_id=f.organization_id,
        community_code=f.report.community_id,
        half=f.half,
        activities=f.activities,
        hours=f.hours,
        rating=Rating(f.rating),
        rating_label=f.get_rating_display(),
        comment=f.comment,
        written_at=f.written_at,
        read_at=f.read_at,
    )


@router.post(
    "/reports/{report_id}/feedback",
    response={201: CommunityFeedbackOut, 400: Error, 404: Error, 409: Error},
    summary="The community's half-yearly feedback on a reported member (半年反馈)",
)
@api_requires(P.MANAGE_COMMUNITY_SERVICE)
def write_feedback(
    request: AuthedRequest, report_id: PathId, payload: CommunityFeedbackIn
) -> Status[CommunityFeedbackOut]:
    report = queries.access_report(request.user, report_id)
    f = services.write_feedback(
        report=report,
        half=payload.half,
        rating=payload.rating,
        comment=payload.comment,
        by=request.user,
    )
    return Status(201, _feedback(f))


# -- the branch ----------------------------------------------------------------------------


@router.get(
    "/feedback",
    response={200: list[CommunityFeedbackOut]},
    summary="Community feedback on the members of my organizations",
)
@api_requires(P.VIEW_MEMBERS)
def branch_feedback(
    request: AuthedRequest, half: Annotated[int | None, Query(ge=20001, le=99992)] = None
) -> list[CommunityFeedbackOut]:
    return [_feedback(f) for f in queries.feedback_for_branch(request.user, half=half)[:1000]]


class BelowRuleOut(Schema):
    member_id: int
    member_name: str
    organization_id: int
    community_code: str
    reasons: list[str]


@router.get(
    "/below-rule",
    response={200: list[BelowRuleOut]},
    summary="Reported members below the reporting rule (roster order, not a ranking)",
)
@api_requires(P.VIEW_MEMBERS)
def below_rule(request: AuthedRequest) -> list[BelowRuleOut]:
    return [
        BelowRuleOut(
            member_id=b.member_id,
            member_name=b.member_name,
            organization_id=b.organization_id,
            community_code=b.community_code,
            reasons=b.reasons,
        )
        for b in queries.below_rule(request.user)
    ]


# -- an organization -----------------------------------------------------------------------


class OrganizationCommunityReportIn(Schema):
    address: str = Field(default="", max_length=200)
    choice: str = Field(default="", max_length=40)
    offers: list[str] = Field(max_length=50, description="共建协议：可提供的资源")
    signed_on: dt.date | None = None
    until: dt.date | None = None


@router.post(
    "/organizations/{organization_id}/report",
    response={201: CommunityReportOut, 400: Error, 404: Error, 409: Error},
    summary="An organization reports to its community with a joint-building agreement",
)
@api_requires(P.MANAGE_ORGANIZATIONS)
def report_organization(
    request: AuthedRequest, organization_id: PathId, payload: OrganizationCommunityReportIn
) -> Status[CommunityReportOut]:
    organization = access_writable_organization(request.user, organization_id)
    report = services.report_organization(
        organization=organization,
        address=payload.address,
        choice=payload.choice,
        offers="\n".join(line.replace("\n", " ") for line in payload.offers),
        signed_on=payload.signed_on,
        until=payload.until,
        by=request.user,
    )
    return Status(201, _report(report))
