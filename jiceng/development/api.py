"""/api/v1/development: the development of members (发展党员) through the same services and
rules as the pages. ID and phone numbers leave only masked, the birth date as its year."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.conf import settings
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import InvalidInput
from jiceng.core.paths import under
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.members.models import Category, Education
from jiceng.orgs.queries import access_organization

from . import queries, rules, services
from .models import Applicant, Body, CaseStatus, Outcome, Stage, Standing, Step, StepRecord

router = Router(tags=["development"])


class StepRuleOut(Schema):
    order: int
    step: Step
    label: str
    stage: Stage
    body: Body = Field(description="决定/办理主体")
    needs: list[str] = Field(description="该步骤须录入的内容")
    approval: bool = Field(description="由上级党委审批（须组织部门的审批权限）")


class TimeRuleOut(Schema):
    from_step: str = Field(description="起始步骤；空为出生日期")
    to_step: Step
    kind: str = Field(
        description="MIN 不早于（违反则拒绝）；MAX 不晚于（拒绝）；DUE 期限（超期提醒）"
    )
    amount: int
    unit: str
    text: str


class StepsOut(Schema):
    steps: list[StepRuleOut]
    time_rules: list[TimeRuleOut]


def _needs(spec: rules.StepSpec) -> list[str]:
    needs = ["done_on"]
    if spec.people:
        needs.append(f"people（{spec.people.least}-{spec.people.most}名正式党员的id）")
    if spec.training:
        needs.append("hours>=24 或 days>=3")
    if spec.votes:
        needs += ["votes_for", "voters"]
    if spec.document:
        needs.append("document_number")
    if spec.outcomes:
        needs.append("outcome：" + "/".join(o.value for o in spec.outcomes))
    if spec.approval:
        needs.append("decided_by（审批党组织id，默认最近的有审批权限的上级党委）")
    if spec.decision_required:
        needs.append("decision")
    return needs


@router.get("/steps", response={200: StepsOut}, summary="The 25 steps and the national time rules")
@api_requires(Permission.VIEW_MEMBERS)
def step_rules(request: AuthedRequest) -> StepsOut:
    return StepsOut(
        steps=[
            StepRuleOut(
                order=s.order,
                step=s.step,
                label=s.label,
                stage=s.stage,
                body=s.body,
                needs=_needs(s),
                approval=s.approval,
            )
            for s in rules.STEPS
        ],
        time_rules=[
            TimeRuleOut(
                from_step=str(r.from_step),
                to_step=r.to_step,
                kind=str(r.kind),
                amount=r.amount,
                unit=str(r.unit),
                text=r.text,
            )
            for r in rules.NATIONAL_TIME_RULES
        ],
    )


class StepRecordOut(Schema):
    step: Step
    label: str
    round: int
    done_on: dt.date
    body: Body
    decided_by_id: int | None
    decided_by_name: str = Field(description="审批党组织名称（含转出方办理的步骤）")
    decision: str
    outcome: Outcome | None
    people: list[int] = Field(description="入党介绍人或培养联系人（党员id）")
    hours: int | None
    days: int | None
    votes_for: int | None
    voters: int | None
    document_number: str
    months: int | None
    is_carried: bool = Field(description="在转出方省级实例办理、随组织关系转入的步骤")
    people_names: str = Field(description="入党介绍人或培养联系人姓名")
    branch_id: int | None = Field(
        None, description="办理该步骤的党支部id（档案随组织关系转接前办理的步骤；空：现所在党支部）"
    )

    @staticmethod
    def of(r: StepRecord) -> StepRecordOut:
        return StepRecordOut(
            step=Step(r.step),
            label=r.get_step_display(),
            round=r.round,
            done_on=r.done_on,
            body=Body(r.body),
            decided_by_id=r.decided_by_id,
            decided_by_name=r.decider_name,
            decision=r.decision,
            outcome=Outcome(r.outcome) if r.outcome else None,
            people=sorted(p.pk for p in r.people.all()),
            is_carried=r.is_carried,
            people_names=r.names,
            branch_id=r.branch_id,
            hours=r.hours,
            days=r.days,
            votes_for=r.votes_for,
            voters=r.voters,
            document_number=r.document_number,
            months=r.months,
        )


class ApplicantOut(Schema):
    id: int
    name: str
    gender: str
    ethnicity: str
    birth_year: int
    id_number_masked: str = Field(description="身份证号，只显示前6位（地区码）")
    phone_masked: str
    organization_id: int
    standing: Standing
    standing_label: str
    stage: Stage
    last_step: Step
    next_step: Step | None
    next_due_on: dt.date | None
    is_late: bool
    status: CaseStatus
    member_id: int | None

    @staticmethod
    def of(a: Applicant) -> ApplicantOut:
        today = clock.today()
        return ApplicantOut(
            id=a.pk,
            name=a.name,
            gender=a.gender,
            ethnicity=a.ethnicity,
            birth_year=a.birth_year,
            id_number_masked=a.id_number_masked,
            phone_masked=a.phone_masked,
            organization_id=a.organization_id,
            standing=Standing(a.standing),
            standing_label=a.get_standing_display(),
            stage=Stage(a.stage),
            last_step=Step(a.last_step),
            next_step=rules.next_step(a.last_step) if a.status == CaseStatus.OPEN else None,
            next_due_on=a.next_due_on,
            is_late=a.next_due_on is not None and a.next_due_on < today,
            status=CaseStatus(a.status),
            member_id=a.member_id,
        )


class ApplicantDetailOut(ApplicantOut):
    steps: list[StepRecordOut]


class ApplicantPage(Schema):
    items: list[ApplicantOut]
    page: int
    has_next: bool


@router.get("/applicants", response={200: ApplicantPage, 404: Error}, summary="Scoped applicants")
@api_requires(Permission.VIEW_MEMBERS)
def applicant_list(
    request: AuthedRequest,
    org: Annotated[int | None, Query(ge=1, le=MAX_ID, description="该党组织及其下级")] = None,
    standing: Standing | None = None,
    status: CaseStatus | None = CaseStatus.OPEN,
    late: Annotated[bool | None, Query(description="只列超期的")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ApplicantPage:
    rows = queries.applicants_for(request.user)
    if org:
        organization = access_organization(request.user, org)
        rows = rows.filter(under(organization.path, "organization__path"))
    if standing:
        rows = rows.filter(standing=standing)
    if status:
        rows = rows.filter(status=status)
    if late:
        rows = rows.filter(next_due_on__lt=clock.today())
    size = settings.JICENG_PAGE_SIZE
    found = list(rows.order_by("organization_id", "pk")[(page - 1) * size : page * size + 1])
    return ApplicantPage(
        items=[ApplicantOut.of(a) for a in found[:size]], page=page, has_next=len(found) > size
    )


def _detail(request: AuthedRequest, pk: int) -> ApplicantDetailOut:
    applicant = queries.access_applicant(request.user, pk)
    return ApplicantDetailOut(
        **ApplicantOut.of(applicant).model_dump(),
        steps=[StepRecordOut.of(r) for r in queries.steps_of(applicant)],
    )


@router.get("/applicants/{applicant_id}", response={200: ApplicantDetailOut, 404: Error})
@api_requires(Permission.VIEW_MEMBERS)
def applicant_detail(request: AuthedRequest, applicant_id: PathId) -> ApplicantDetailOut:
    return _detail(request, applicant_id)


class ApplicantIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID, description="所在党支部")
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)
    ethnicity: str = Field(default="汉族", max_length=10)
    phone: str = Field(default="", max_length=20)
    education: Education | None = None
    category: Category
    work_place: str = Field(default="", max_length=200)
    applied_on: dt.date = Field(description="递交入党申请书日期（第1步）")


@router.post(
    "/applicants",
    response={201: ApplicantDetailOut, 400: Error, 404: Error},
    summary="Register an applicant (递交入党申请书)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def applicant_create(request: AuthedRequest, payload: ApplicantIn) -> Status[ApplicantDetailOut]:
    organization = access_organization(request.user, payload.organization_id)
    raw = payload.model_dump()
    raw["education"] = payload.education.value if payload.education else ""
    raw["category"] = payload.category.value
    data = services.check_applicant_input(raw, organization=organization, today=clock.today())
    applicant = services.register_applicant(data=data, by=request.user)
    return Status(201, _detail(request, applicant.pk))


class StepIn(Schema):
    step: Step = Field(description="须为下一步（GET /steps 列出顺序）")
    done_on: dt.date
    decision: str = Field(default="", max_length=500)
    outcome: Outcome | None = None
    people: list[int] = Field(default_factory=list, max_length=2)
    hours: int | None = Field(default=None, ge=0, le=10000)
    days: int | None = Field(default=None, ge=0, le=10000)
    votes_for: int | None = Field(default=None, ge=0, le=10000)
    voters: int | None = Field(default=None, ge=0, le=10000)
    document_number: str = Field(default="", max_length=40)
    months: int | None = Field(default=None, ge=0, le=24)
    decided_by: int | None = Field(default=None, ge=1, le=MAX_ID)


@router.post(
    "/applicants/{applicant_id}/steps",
    response={201: ApplicantDetailOut, 400: Error, 404: Error, 409: Error},
    summary="Record the applicant's next step (refused with the rule's text if it breaks one)",
)
@api_requires(Permission.MANAGE_MEMBERS)
def step_create(
    request: AuthedRequest, applicant_id: PathId, payload: StepIn
) -> Status[ApplicantDetailOut]:
    applicant = queries.access_applicant(request.user, applicant_id)
    if not queries.may_register_at(request.user, applicant.organization):
        raise InvalidInput("您没有录入该党支部发展党员步骤的权限")
    raw: dict[str, object] = payload.model_dump()
    raw["step"] = payload.step.value
    raw["outcome"] = payload.outcome.value if payload.outcome else ""
    raw["decided_by"] = payload.decided_by or ""
    services.record_step(applicant=applicant, raw=raw, by=request.user)
    return Status(201, _detail(request, applicant.pk))
