"""/api/v1/appraisal: standardization checklists (标准化规范化), grades and model
organizations (模范党组织) through the same services and queries as the pages. Evidence is
uploaded on the checklist page (a document or an image); the API reads whether it is there."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core import clock
from jiceng.core.errors import Forbidden, not_found
from jiceng.core.schemas import MAX_ID, Error, PathId
from jiceng.orgs.queries import access_organization, organizations_for

from . import queries, scoring, services
from .access import department_paths
from .models import ChecklistItem, ModelOrganization, Nomination, Review, Source

router = Router(tags=["appraisal"])

Year = Annotated[int, Query(ge=2000, le=2100, description="年度（默认本年）")]


def _year(year: int | None) -> int:
    return year or clock.today().year


class ChecklistItemOut(Schema):
    id: int
    order: int
    text: str
    weight: int
    source: Source
    from_records: bool = Field(description="由平台记录自动评分（无需自评）")
    evidence_required: bool
    points: int | None = Field(description="本项得分；自评未审核时为0")
    self_points: int | None
    review: Review | None
    reviewed_points: int | None
    assessment_id: int | None
    has_evidence: bool


class StandardizationChecklistOut(Schema):
    organization_id: int
    year: int
    version: str
    five_star_cap_percent: int
    score: int | None
    stars: int | None
    awaiting_review: int
    items: list[ChecklistItemOut]


def _checklist(
    organization_id: int, year: int, request: AuthedRequest
) -> StandardizationChecklistOut:
    organization = access_organization(request.user, organization_id)
    view = queries.checklist_of(organization, year)
    return StandardizationChecklistOut(
        organization_id=organization.pk,
        year=year,
        version=view.version.name,
        five_star_cap_percent=view.version.five_star_cap_percent,
        score=view.graded.score if view.graded else None,
        stars=view.graded.stars if view.graded else None,
        awaiting_review=view.graded.awaiting_review if view.graded else 0,
        items=[
            ChecklistItemOut(
                id=line.item.pk,
                order=line.item.order,
                text=line.item.text,
                weight=line.item.weight,
                source=Source(line.item.source),
                from_records=line.item.from_records,
                evidence_required=line.item.evidence_required,
                points=line.points,
                self_points=line.assessment.self_points if line.assessment else None,
                review=Review(line.assessment.status) if line.assessment else None,
                reviewed_points=line.assessment.reviewed_points if line.assessment else None,
                assessment_id=line.assessment.pk if line.assessment else None,
                has_evidence=bool(line.assessment and line.assessment.evidence),
            )
            for line in view.lines
        ],
    )


@router.get(
    "/checklists/{organization_id}",
    response={200: StandardizationChecklistOut, 404: Error},
    summary="An organization's checklist of a year with each item's points",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def checklist_detail(
    request: AuthedRequest, organization_id: PathId, year: Year | None = None
) -> StandardizationChecklistOut:
    return _checklist(organization_id, _year(year), request)


class SelfAssessmentIn(Schema):
    self_points: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=500)


@router.post(
    "/checklists/{organization_id}/items/{item_id}/assessment",
    response={201: StandardizationChecklistOut, 400: Error, 403: Error, 404: Error},
    summary="A branch's self-assessment of an item the records cannot answer (自评)",
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def assess(
    request: AuthedRequest, organization_id: PathId, item_id: PathId, payload: SelfAssessmentIn
) -> Status[StandardizationChecklistOut]:
    organization = access_organization(request.user, organization_id)
    item = ChecklistItem.objects.select_related("version").filter(pk=item_id).first()
    if item is None:
        raise not_found("评分项")
    services.assess_item(
        organization=organization,
        item=item,
        self_points=payload.self_points,
        note=payload.note,
        by=request.user,
    )
    return Status(201, _checklist(organization.pk, item.version.year, request))


class SelfAssessmentReviewIn(Schema):
    reviewed_points: int = Field(ge=0, le=100)
    note: str = Field(default="", max_length=500)


@router.post(
    "/assessments/{assessment_id}/review",
    response={200: StandardizationChecklistOut, 400: Error, 403: Error, 404: Error},
    summary="The higher committee's review of a self-assessment (审核)",
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def review(
    request: AuthedRequest, assessment_id: PathId, payload: SelfAssessmentReviewIn
) -> StandardizationChecklistOut:
    assessment = queries.access_assessment(request.user, assessment_id)
    services.review_item(
        assessment=assessment,
        reviewed_points=payload.reviewed_points,
        note=payload.note,
        by=request.user,
    )
    return _checklist(assessment.organization_id, assessment.item.version.year, request)


class StandardizationGradeOut(Schema):
    organization_id: int
    name: str
    score: int
    stars: int
    awaiting_review: int


class StandardizationGradesOut(Schema):
    organization_id: int
    year: int
    distribution: dict[int, int] = Field(description="星级 → 党支部数")
    items: list[StandardizationGradeOut] = Field(
        description="按得分从高到低（只排党组织，不排个人）"
    )
    page: int
    has_next: bool


@router.get(
    "/grades/{organization_id}",
    response={200: StandardizationGradesOut, 404: Error},
    summary="A subtree's grades of a year: distribution by stars and organizations by score",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def grades(
    request: AuthedRequest,
    organization_id: PathId,
    year: Year | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> StandardizationGradesOut:
    organization = access_organization(request.user, organization_id)
    year = _year(year)
    size = settings.JICENG_PAGE_SIZE
    rows = list(queries.grades_under(organization, year)[(page - 1) * size : page * size + 1])
    return StandardizationGradesOut(
        organization_id=organization.pk,
        year=year,
        distribution=queries.distribution(organization, year),
        items=[
            StandardizationGradeOut(
                organization_id=r.organization_id,
                name=r.organization.name,
                score=r.score,
                stars=r.stars,
                awaiting_review=r.awaiting_review,
            )
            for r in rows[:size]
        ],
        page=page,
        has_next=len(rows) > size,
    )


class StandardizationComputeIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    year: int = Field(ge=2000, le=2100)


class StandardizationComputeOut(Schema):
    organizations: int
    five_star: int


@router.post(
    "/computations",
    response={200: StandardizationComputeOut, 403: Error, 404: Error},
    summary="Compute a subtree's scores and stars of a year again (idempotent)",
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def compute(request: AuthedRequest, payload: StandardizationComputeIn) -> StandardizationComputeOut:
    organization = access_organization(request.user, payload.organization_id)
    if not any(organization.path.startswith(p) for p in department_paths(request.user)):
        raise Forbidden("只有组织部门可以重新计算辖区的评星定级")
    result = scoring.compute_year(root=organization, year=payload.year)
    return StandardizationComputeOut(organizations=result.organizations, five_star=result.five_star)


class ModelOrganizationOut(Schema):
    id: int
    organization_id: int
    name: str
    year: int
    status: Nomination
    score: int
    reason: str
    citation: str
    page: str = Field(description="党组织页面")

    @staticmethod
    def of(m: ModelOrganization) -> ModelOrganizationOut:
        return ModelOrganizationOut(
            id=m.pk,
            organization_id=m.organization_id,
            name=m.organization.name,
            year=m.year,
            status=Nomination(m.status),
            score=m.score,
            reason=m.reason,
            citation=m.citation,
            page=reverse("orgs:detail", args=[m.organization_id]),
        )


@router.get(
    "/model-organizations/{organization_id}",
    response={200: list[ModelOrganizationOut], 404: Error},
    summary="Nominations and model organizations of a subtree's year",
)
@api_requires(Permission.VIEW_ORGANIZATIONS)
def model_list(
    request: AuthedRequest, organization_id: PathId, year: Year | None = None
) -> list[ModelOrganizationOut]:
    organization = access_organization(request.user, organization_id)
    return [ModelOrganizationOut.of(m) for m in queries.nominations(organization, _year(year))]


class ModelNominationIn(Schema):
    organization_id: int = Field(ge=1, le=MAX_ID)
    year: int = Field(ge=2000, le=2100)
    reason: str = Field(max_length=500)


@router.post(
    "/model-organizations",
    response={201: ModelOrganizationOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Nominate a five-star branch as a model organization (推荐)",
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def nominate(request: AuthedRequest, payload: ModelNominationIn) -> Status[ModelOrganizationOut]:
    organization = access_organization(request.user, payload.organization_id)
    found = services.nominate(
        organization=organization, year=payload.year, reason=payload.reason, by=request.user
    )
    return Status(201, ModelOrganizationOut.of(found))


class NominationDecisionIn(Schema):
    named: bool
    citation: str = Field(default="", max_length=500)


@router.post(
    "/model-organizations/{nomination_id}/decision",
    response={200: ModelOrganizationOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="Name (with a citation) or decline a nomination (审定命名)",
)
@api_requires(Permission.MANAGE_ORGANIZATIONS)
def decide(
    request: AuthedRequest, nomination_id: PathId, payload: NominationDecisionIn
) -> ModelOrganizationOut:
    nomination = (
        ModelOrganization.objects.filter(
            pk=nomination_id, organization__in=organizations_for(request.user)
        )
        .select_related("organization")
        .first()
    )
    if nomination is None:
        raise not_found("推荐")
    found = services.decide(
        nomination=nomination, named=payload.named, citation=payload.citation, by=request.user
    )
    return ModelOrganizationOut.of(found)
