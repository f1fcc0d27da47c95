"""/api/v1/dashboard: the dashboard's tiles and figures for an organization in the user's
scope (the same tiles, links and cache as the page)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Router, Schema

from jiceng.accounts.access import api_requires
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import Error, PathId

from . import queries

router = Router(tags=["dashboard"])


class DashboardFigureOut(Schema):
    label: str
    value: int | str
    url: str = Field(description="该数字背后的列表（对当前用户可打开；空为无列表）")
    tone: str


class DashboardTileOut(Schema):
    key: str
    title: str
    url: str
    note: str
    figures: list[DashboardFigureOut]
    chart: dict[str, Any] | None = Field(description="ECharts 图表数据：kind, categories, series")


class DashboardOut(Schema):
    organization_id: int
    organization: str
    tiles: list[DashboardTileOut]


def _answer(request: AuthedRequest, org: int | None) -> DashboardOut:
    organization = queries.access_organization(request.user, org)
    built = queries.tiles_for(request.user, organization)
    return DashboardOut(
        organization_id=organization.pk,
        organization=organization.name,
        tiles=[
            DashboardTileOut(
                key=b.key,
                title=b.title,
                url=b.tile.url,
                note=b.tile.note,
                figures=[
                    DashboardFigureOut(label=f.label, value=f.value, url=f.url, tone=f.tone)
                    for f in b.tile.figures
                ],
                chart=b.tile.chart,
            )
            for b in built
        ],
    )


@router.get("", response={200: DashboardOut, 403: Error, 404: Error})
@api_requires(queries.PERMISSION)
def own_dashboard(request: AuthedRequest) -> DashboardOut:
    """驾驶舱：用户范围内最上级党组织的各项数字。"""
    return _answer(request, None)


@router.get("/{org}", response={200: DashboardOut, 403: Error, 404: Error})
@api_requires(queries.PERMISSION)
def organization_dashboard(request: AuthedRequest, org: PathId) -> DashboardOut:
    """驾驶舱：某党组织（须在用户范围内）的各项数字。"""
    return _answer(request, org)
