"""/api/v1/cooperatives: cooperatives led by village organizations, a village's collective
income by year, and the weak-collective list, through the same queries and services as the
pages. Member households appear masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema, Status

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.errors import Forbidden
from jiceng.core.schemas import Error, PathId
from jiceng.orgs.models import Organization

from . import queries, services
from .models import Cooperative

router = Router(tags=["cooperatives"])
VIEW = Permission.VIEW_ORGANIZATIONS


class YearOut(Schema):
    year: int
    income: Decimal
    profit: Decimal
    reserve: Decimal
    collective_share: Decimal
    dividends_paid: Decimal


class CooperativeMemberOut(Schema):
    head: str = Field(description="户主（脱敏）")
    land_mu: Decimal
    cash: Decimal
    labour_days: Decimal
    shares: Decimal


class CooperativeOut(Schema):
    id: int
    village_id: int
    name: str
    business: str
    registered_on: dt.date
    collective_shares: Decimal
    members: list[CooperativeMemberOut]
    years: list[YearOut]


@router.get("/cooperatives", response={200: list[CooperativeOut], 403: Error})
@api_requires(VIEW)
def cooperative_list(request: AuthedRequest) -> list[CooperativeOut]:
    found = queries.cooperatives_for(request.user).order_by("pk")[:200]
    return [_cooperative(c) for c in found.prefetch_related("members", "years")]


@router.get("/cooperatives/{cooperative_id}", response={200: CooperativeOut, 404: Error})
@api_requires(VIEW)
def cooperative_detail(request: AuthedRequest, cooperative_id: PathId) -> CooperativeOut:
    return _cooperative(queries.access_cooperative(request.user, cooperative_id))


def _cooperative(c: Cooperative) -> CooperativeOut:
    return CooperativeOut(
        id=c.pk,
        village_id=c.village_id,
        name=c.name,
        business=c.business,
        registered_on=c.registered_on,
        collective_shares=c.collective_shares,
        members=[
            CooperativeMemberOut(
                head=m.head_masked,
                land_mu=m.land_mu,
                cash=m.cash,
                labour_days=m.labour_days,
                shares=m.shares,
            )
            for m in c.members.all()
        ],
        years=[
            YearOut(
                year=y.year,
                income=y.income,
                profit=y.profit,
                reserve=y.reserve,
                collective_share=y.collective_share,
                dividends_paid=y.dividends_paid,
            )
            for y in c.years.all()
        ],
    )


class IncomeIn(Schema):
    year: int = Field(ge=1978, le=2100)
    total: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    operating: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class IncomeOut(Schema):
    year: int
    total: Decimal
    operating: Decimal
    is_weak: bool


class VillageOut(Schema):
    village_id: int
    name: str
    incomes: list[IncomeOut]
    weak_since: int | None = Field(description="仍为集体经济薄弱村时，列入的年度")


def _village(village: Organization) -> VillageOut:
    line = services.line_for(village.division_id)
    still = queries.weak_history(village).filter(cleared_year__isnull=True).first()
    return VillageOut(
        village_id=village.pk,
        name=village.name,
        incomes=[
            IncomeOut(
                year=i.year,
                total=i.total,
                operating=i.operating,
                is_weak=services.is_weak(i.total, i.operating, line),
            )
            for i in queries.incomes_of(village)
        ],
        weak_since=still.first_year if still else None,
    )


@router.get("/villages/{village_id}", response={200: VillageOut, 404: Error})
@api_requires(VIEW)
def village_detail(request: AuthedRequest, village_id: PathId) -> VillageOut:
    return _village(queries.access_village(request.user, village_id))


@router.post(
    "/villages/{village_id}/incomes",
    response={201: VillageOut, 400: Error, 403: Error, 404: Error, 409: Error},
    summary="A year's collective income (村集体经济收入); the weak-village record follows",
)
@api_requires(VIEW)
def village_income(
    request: AuthedRequest, village_id: PathId, payload: IncomeIn
) -> Status[VillageOut]:
    village = queries.access_village(request.user, village_id)
    if not queries.may_manage(request.user, village):
        raise Forbidden("只有本村党组织或上级组织部门可以录入")
    services.record_village_income(
        village=village,
        year=payload.year,
        total=payload.total,
        operating=payload.operating,
        by=request.user,
    )
    return Status(201, _village(village))


class WeakOut(Schema):
    village_id: int
    name: str
    first_year: int
    cleared_year: int | None
    latest_year: int | None
    latest_total: Decimal | None


@router.get("/weak-villages", response={200: list[WeakOut], 403: Error})
@api_requires(VIEW)
def weak_villages(request: AuthedRequest, include_cleared: bool = False) -> list[WeakOut]:
    return [
        WeakOut(
            village_id=r.village.pk,
            name=r.village.name,
            first_year=r.first_year,
            cleared_year=r.cleared_year,
            latest_year=r.latest.year if r.latest else None,
            latest_total=r.latest.total if r.latest else None,
        )
        for r in queries.weak_villages(request.user, include_cleared=include_cleared)
    ]
