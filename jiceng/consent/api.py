"""/api/v1/consent: residents' consent projects, their rounds as they stand (or as frozen at
the deadline) and paper answers, through the same queries and services as the pages. Owners
appear masked; their full names and phones are not in the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import NotFound
from jiceng.core.schemas import MAX_ID, Error, PathId

from . import queries, rules, services
from .models import AnswerChannel, Choice, ConsentOwner, ConsentProject, ConsentRound, ProjectKind
from .queries import RUNS

router = Router(tags=["consent"])


class CheckOut(Schema):
    label: str
    have: str = Field(description="分数，如 8/12；尚无可比时为 —")
    need: str
    is_met: bool


class CountOut(Schema):
    owners: int
    area: Decimal
    participating_owners: int
    participating_area: Decimal
    agreeing_owners: int
    agreeing_area: Decimal
    disagreeing_owners: int
    abstaining_owners: int
    checks: list[CheckOut]
    occupied_not_agreeing: int = Field(description="电梯占用其专有部分而尚未同意的业主人数")
    is_met: bool


class AnswerOut(Schema):
    owner_id: int
    owner: str = Field(description="业主姓名（脱敏）")
    choice: Choice
    channel: AnswerChannel
    objections: list[str]
    note: str
    answered_at: dt.datetime


class RoundOut(Schema):
    id: int
    number: int
    opened_at: dt.datetime
    deadline: dt.datetime
    rule_name: str
    frozen_at: dt.datetime | None
    count: CountOut = Field(description="截止后为固定的结果，之前为当前统计")
    answers: list[AnswerOut]


class ProjectOut(Schema):
    id: int
    community_id: str
    kind: ProjectKind
    name: str
    building: str
    unit: str
    households: int
    owners: int
    open_round_id: int | None


def _count(count: rules.Tally) -> CountOut:
    return CountOut(
        owners=count.owners,
        area=count.area,
        participating_owners=count.participating_owners,
        participating_area=count.participating_area,
        agreeing_owners=count.agreeing_owners,
        agreeing_area=count.agreeing_area,
        disagreeing_owners=count.disagreeing_owners,
        abstaining_owners=count.abstaining_owners,
        checks=[
            CheckOut(
                label=c.label,
                have=rules.fraction_text(c.have),
                need=rules.fraction_text(c.need),
                is_met=c.is_met,
            )
            for c in count.checks
        ],
        occupied_not_agreeing=len(count.occupied_not_agreeing),
        is_met=count.is_met,
    )


def _frozen_count(result: dict[str, object]) -> CountOut:
    return CountOut.model_validate(
        {**result, "occupied_not_agreeing": len(result["occupied_not_agreeing"])}  # type: ignore[arg-type]
    )


def _round(round_: ConsentRound) -> RoundOut:
    return RoundOut(
        id=round_.pk,
        number=round_.number,
        opened_at=round_.opened_at,
        deadline=round_.deadline,
        rule_name=round_.rule_name,
        frozen_at=round_.frozen_at,
        count=_frozen_count(round_.result)
        if round_.is_frozen
        else _count(queries.count_of(round_)),
        answers=[
            AnswerOut(
                owner_id=a.owner_id,
                owner=a.owner.name_masked,
                choice=Choice(a.choice),
                channel=AnswerChannel(a.channel),
                objections=a.objections,
                note=a.note,
                answered_at=a.answered_at,
            )
            for a in round_.answers.select_related("owner")
        ],
    )


def _project(project: ConsentProject) -> ProjectOut:
    current = queries.open_round(project)
    return ProjectOut(
        id=project.pk,
        community_id=project.community_id,
        kind=ProjectKind(project.kind),
        name=project.name,
        building=project.building,
        unit=project.unit,
        households=project.households.count(),
        owners=project.owners.count(),
        open_round_id=current.pk if current else None,
    )


@router.get("/projects", response={200: list[ProjectOut], 403: Error}, summary="Consent projects")
@api_requires(RUNS)
def project_list(request: AuthedRequest) -> list[ProjectOut]:
    return [_project(p) for p in queries.projects_for(request.user).order_by("-pk")[:200]]


@router.get("/projects/{project_id}", response={200: ProjectOut, 404: Error})
@api_requires(RUNS)
def project_detail(request: AuthedRequest, project_id: PathId) -> ProjectOut:
    project = queries.access_project(request.user, project_id)
    services.freeze_if_due(project)
    return _project(project)


@router.get(
    "/rounds/{round_id}",
    response={200: RoundOut, 404: Error},
    summary="A round: the count as it stands, or as frozen at the deadline, and every answer",
)
@api_requires(RUNS)
def round_detail(request: AuthedRequest, round_id: PathId) -> RoundOut:
    round_ = queries.access_round(request.user, round_id)
    services.freeze_if_due(round_.project)
    round_.refresh_from_db()
    return _round(round_)


class PaperAnswerIn(Schema):
    owner_id: int = Field(ge=1, le=MAX_ID)
    choice: Choice
    light: bool = False
    ventilation: bool = False
    noise: bool = False
    note: str = Field(default="", max_length=500)


@router.post(
    "/rounds/{round_id}/answers",
    response={201: RoundOut, 400: Error, 404: Error, 409: Error},
    summary="An owner's answer on paper, entered by the community (书面意见)",
)
@api_requires(RUNS)
def paper_answer(
    request: AuthedRequest, round_id: PathId, payload: PaperAnswerIn
) -> Status[RoundOut]:
    round_ = queries.access_round(request.user, round_id)
    owner = ConsentOwner.objects.filter(pk=payload.owner_id, project=round_.project_id).first()
    if owner is None:
        raise NotFound("该业主不在本事项中")
    services.record_paper_answer(
        round_=round_,
        owner=owner,
        choice=payload.choice,
        objections=services.Objections(payload.light, payload.ventilation, payload.noise),
        note=payload.note,
        by=request.user,
    )
    return Status(201, _round(round_))
