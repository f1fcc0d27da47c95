"""The ranking page (月度排名): rates, scores, the trend, hot spots and the map of an area."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiceng.accounts.access import requires
from jiceng.accounts.permissions import Permission
from jiceng.core import replicas
from jiceng.core.errors import InvalidInput
from jiceng.grid import maps

from . import metrics
from .metrics import UNIT_LABELS, Unit


def _pct(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


@requires(Permission.VIEW_CASE_METRICS)
@replicas.reads_from_replica  # a month's figures: the replica's copy will do
def ranking(request: HttpRequest) -> HttpResponse:
    area = metrics.area_of(request.user, request.GET.get("area"))
    # Opens on the last complete month: the current one is still coming in (进行中).
    current = metrics.parse_month(None)
    asked = request.GET.get("month")
    month = metrics.parse_month(asked) if asked else metrics.previous_months(current, 2)[0]
    units = area.units()
    try:
        unit = Unit(request.GET.get("unit") or units[0])
    except ValueError:
        raise InvalidInput("排名单位不正确", fields={"unit": "不可选"}) from None
    rows = metrics.ranking(area, unit, month)
    start, end = metrics.month_bounds(month)
    trend = metrics.trend(area, month)
    chart: dict[str, Any] = {
        "ranking": [r.as_dict() for r in rows],
        "trend": [
            {
                "month": f"{m:%Y-%m}",
                "total": t.total,
                "response_rate": _pct(t.response_rate),
                "resolution_rate": _pct(t.resolution_rate),
                "satisfaction_rate": _pct(t.satisfaction_rate),
            }
            for m, t in trend
        ],
    }
    return render(
        request,
        "cases/metrics/ranking.html",
        {
            "area": request.GET.get("area", ""),
            "month": month,
            "months": metrics.previous_months(current, 12)[::-1],
            "current_month": current,
            "unit": unit,
            "unit_label": UNIT_LABELS[unit],
            "units": [(u.value, UNIT_LABELS[u]) for u in units],
            "rows": rows,
            "overall": metrics.overall(area, start, end),
            "hot_spots": metrics.hot_spots(area, start, end),
            "chart": chart,
            "map": {
                **metrics.map_data(area, start, end),
                "tiles": maps.basemap(),
            },
            "weights": metrics.weights(),
        },
    )
