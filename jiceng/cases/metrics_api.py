"""The ranking and hot spots as JSON, under /api/v1/case-metrics/ (the same reads as the page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from jiceng.accounts.access import api_requires
from jiceng.accounts.permissions import Permission
from jiceng.core.errors import InvalidInput
from jiceng.core.schemas import Error

from . import metrics
from .metrics import Unit

router = Router(tags=["case-metrics"])


class RankRow(Schema):
    rank: int
    key: str
    name: str
    total: int
    responded: int
    due: int
    handled: int
    solved: int
    answered: int
    satisfied: int
    rated: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None


class RankingOut(Schema):
    month: str
    unit: str
    rows: list[RankRow]


class HotSpotOut(Schema):
    subject: str
    group: str
    grid_code: str
    grid_name: str
    count: int
    open_count: int


# Without VIEW_CASE_METRICS: 403; an area outside the caller's: 404; a bad month or unit: 400.
ERRORS = {400: Error, 403: Error, 404: Error}


@router.get("/ranking", response={200: RankingOut, **ERRORS})
@api_requires(Permission.VIEW_CASE_METRICS)
def ranking(
    request: HttpRequest, month: str = "", unit: str = "", area: str = ""
) -> dict[str, Any]:
    """The monthly ranking of one kind of unit in the caller's area (月度排名)."""
    scope = metrics.area_of(request.user, area or None)
    chosen = metrics.parse_month(month or None)
    try:
        kind = Unit(unit or scope.units()[0])
    except ValueError:
        raise InvalidInput("排名单位不正确", fields={"unit": "不可选"}) from None
    rows = metrics.ranking(scope, kind, chosen)
    return {"month": f"{chosen:%Y-%m}", "unit": kind.value, "rows": [r.as_dict() for r in rows]}


@router.get("/hot-spots", response={200: list[HotSpotOut], **ERRORS})
@api_requires(Permission.VIEW_CASE_METRICS)
def hot_spots(request: HttpRequest, month: str = "", area: str = "") -> list[dict[str, Any]]:
    """The subject and grid pairs with the most cases in the month (未诉先办)."""
    scope = metrics.area_of(request.user, area or None)
    start, end = metrics.month_bounds(metrics.parse_month(month or None))
    return [vars(spot) for spot in metrics.hot_spots(scope, start, end)]
